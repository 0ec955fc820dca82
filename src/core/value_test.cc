#include "sluice/value.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(ValueTest, ScalarsHaveOneTypeEach) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value(true).AsBool(), true);
  EXPECT_EQ(Value(3).AsInt(), 3);
  EXPECT_EQ(Value(3).AsDouble(), 3.0);
  EXPECT_EQ(Value(2.5).AsDouble(), 2.5);
  EXPECT_EQ(Value(2.5).AsInt(), std::nullopt);
  EXPECT_EQ(*Value("x").AsString(), "x");
  EXPECT_EQ(Value("x").AsBool(), std::nullopt);
  EXPECT_EQ(Value(1).AsString(), nullptr);
  EXPECT_EQ(Value("x").AsList(), nullptr);
  EXPECT_EQ(Value("x").AsMap(), nullptr);
  EXPECT_EQ(Value("x").Find("x"), nullptr);
}

TEST(ValueTest, EqualityIsTypeAndContent) {
  EXPECT_EQ(Value(), Value());
  EXPECT_EQ(Value("a"), Value(std::string("a")));
  EXPECT_NE(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value(true));
  EXPECT_NE(Value(""), Value());
  EXPECT_EQ(Value::FromList({Value(1), Value("b")}), Value::FromList({Value(1), Value("b")}));
  EXPECT_NE(Value::FromList({Value(1), Value("b")}), Value::FromList({Value("b"), Value(1)}));
}

TEST(ValueTest, MapsAreSortedByKeyAndTheLastOfARepeatedKeyWins) {
  Value m = Value::FromMap({{"z", Value(1)}, {"a", Value(2)}, {"z", Value(3)}});
  ASSERT_NE(m.AsMap(), nullptr);
  ASSERT_EQ(m.AsMap()->size(), 2u);
  EXPECT_EQ(m.AsMap()->at(0).first, "a");
  EXPECT_EQ(m.AsMap()->at(1).first, "z");
  EXPECT_EQ(*m.Find("z"), Value(3));
  EXPECT_EQ(m.Find("y"), nullptr);
  EXPECT_EQ(m, Value::FromMap({{"a", Value(2)}, {"z", Value(3)}}));
}

}  // namespace
}  // namespace sluice
