#pragma once
// A JSON value (null, boolean, integer, floating point, string, list, map) as a plain C++ type:
// what a task kind's config is made of (operator.h). It is stored in TaskSpec, written into the
// canonical JSON of a DAG version and read back from it, so a config is exactly what JSON can
// hold: no NaN or infinity. A value type with no dependencies; copying copies the whole tree.
// Like any standard container: safe to read from many threads, not to write while read.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

class Value {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kList, kMap };
  // A map's entries, sorted by key, keys unique.
  using Entries = std::vector<std::pair<std::string, Value>>;

  Value() = default;  // null
  explicit Value(bool b) : type_(Type::kBool), bool_(b) {}
  explicit Value(int64_t i) : type_(Type::kInt), int_(i) {}
  explicit Value(int i) : Value(static_cast<int64_t>(i)) {}
  explicit Value(double d) : type_(Type::kDouble), double_(d) {}
  explicit Value(std::string s) : type_(Type::kString), string_(std::move(s)) {}
  explicit Value(const char* s) : Value(std::string(s)) {}
  explicit Value(std::string_view s) : Value(std::string(s)) {}

  static Value FromList(std::vector<Value> items);
  // Sorts `entries` by key; of entries with the same key the last one wins, as in JSON parsers.
  static Value FromMap(Entries entries);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }

  // Each accessor gives the content when the value has that type, and nothing otherwise, so a
  // config of an unexpected shape (a stored DAG version written by another program) is an error
  // the caller reports, never undefined behaviour.
  std::optional<bool> AsBool() const;
  std::optional<int64_t> AsInt() const;
  std::optional<double> AsDouble() const;  // a kDouble, or a kInt converted
  const std::string* AsString() const;
  const std::vector<Value>* AsList() const;
  const Entries* AsMap() const;
  // The value under `key` of a map; nullptr when this is not a map or has no such key.
  const Value* Find(std::string_view key) const;

  // Same type and same content (an integer 1 is not the floating point 1.0).
  bool operator==(const Value& other) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<Value> list_;
  Entries map_;
};

}  // namespace sluice
