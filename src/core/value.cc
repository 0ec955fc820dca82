#include "sluice/value.h"

#include <algorithm>

namespace sluice {

Value Value::FromList(std::vector<Value> items) {
  Value v;
  v.type_ = Type::kList;
  v.list_ = std::move(items);
  return v;
}

Value Value::FromMap(Entries entries) {
  // Stable, so that among equal keys the file order survives and the last can win.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Value v;
  v.type_ = Type::kMap;
  for (auto& e : entries) {
    if (!v.map_.empty() && v.map_.back().first == e.first) {
      v.map_.back().second = std::move(e.second);
    } else {
      v.map_.push_back(std::move(e));
    }
  }
  return v;
}

std::optional<bool> Value::AsBool() const {
  return type_ == Type::kBool ? std::optional<bool>(bool_) : std::nullopt;
}

std::optional<int64_t> Value::AsInt() const {
  return type_ == Type::kInt ? std::optional<int64_t>(int_) : std::nullopt;
}

std::optional<double> Value::AsDouble() const {
  if (type_ == Type::kDouble) return double_;
  if (type_ == Type::kInt) return static_cast<double>(int_);
  return std::nullopt;
}

const std::string* Value::AsString() const { return type_ == Type::kString ? &string_ : nullptr; }

const std::vector<Value>* Value::AsList() const { return type_ == Type::kList ? &list_ : nullptr; }

const Value::Entries* Value::AsMap() const { return type_ == Type::kMap ? &map_ : nullptr; }

const Value* Value::Find(std::string_view key) const {
  if (type_ != Type::kMap) return nullptr;
  auto it = std::lower_bound(map_.begin(), map_.end(), key,
                             [](const auto& e, std::string_view k) { return e.first < k; });
  return it != map_.end() && it->first == key ? &it->second : nullptr;
}

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return bool_ == other.bool_;
    case Type::kInt:
      return int_ == other.int_;
    case Type::kDouble:
      return double_ == other.double_;
    case Type::kString:
      return string_ == other.string_;
    case Type::kList:
      return list_ == other.list_;
    case Type::kMap:
      return map_ == other.map_;
  }
  return false;
}

}  // namespace sluice
