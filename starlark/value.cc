#include "starlark/value.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "starlark/ops.h"

namespace tinyrange::starlark {

void Fail(std::string msg) { throw Error(std::move(msg)); }

std::string Error::Render() const {
  if (stack.empty() && builtin.empty()) return msg_;
  std::string out = "Traceback (most recent call last):\n";
  // Deep recursion is summarised: the outermost and innermost frames matter.
  size_t n = stack.size();
  for (size_t k = 0; k < n; k++) {
    const Frame& f = stack[n - 1 - k];
    if (f.file.empty()) continue;
    if (n > 40 && k == 20) out += "  ... " + std::to_string(n - 40) + " frames omitted ...\n";
    if (n > 40 && k >= 20 && k < n - 20) continue;
    out += "  " + f.file + ":" + std::to_string(f.line) + ":" + std::to_string(f.col) + ": in " + f.function + "\n";
  }
  if (!builtin.empty()) out += "Error in " + builtin + ": " + msg_;
  else out += "Error: " + msg_;
  return out;
}

size_t Object::Hash() const { Fail("unhashable type: " + TypeName()); }

void Mutability::Check(const char* what, const char* type_in) const {
  // Dicts and sets share their wording with other implementations.
  const char* type = std::strcmp(type_in, "dict") == 0 || std::strcmp(type_in, "set") == 0 ? "hash table" : type_in;
  if (frozen) Fail(std::string("cannot ") + what + " frozen " + type);
  if (iterating > 0) Fail(std::string("cannot ") + what + " " + type + " during iteration");
}

void ListObj::Freeze() {
  if (mut.frozen) return;
  mut.frozen = true;
  for (auto& e : elems) starlark::Freeze(e);
}
void TupleObj::Freeze() {
  for (auto& e : elems) starlark::Freeze(e);
}
void DictObj::Freeze() {
  if (mut.frozen) return;
  mut.frozen = true;
  for (auto& e : table.entries()) {
    if (!e.key) continue;
    starlark::Freeze(e.key);
    starlark::Freeze(e.value);
  }
}
void SetObj::Freeze() {
  if (mut.frozen) return;
  mut.frozen = true;
}

int64_t RangeObj::Len() const {
  if (step > 0) return start < stop ? (stop - start - 1) / step + 1 : 0;
  return start > stop ? (start - stop - 1) / (-step) + 1 : 0;
}

std::string BuiltinObj::Repr() const {
  if (self) return "<built-in method " + name + " of " + self->TypeName() + " value>";
  return "<built-in function " + name + ">";
}

StructObj::StructObj(Kind k, std::string c, std::vector<std::pair<std::string, Value>> f)
    : Object(k), ctor(std::move(c)), fields(std::move(f)) {
  std::stable_sort(fields.begin(), fields.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}
void StructObj::Freeze() {
  for (auto& [k, v] : fields) starlark::Freeze(v);
}
Value StructObj::Attr(std::string_view name) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), name,
                             [](const auto& a, std::string_view n) { return a.first < n; });
  if (it != fields.end() && it->first == name) return it->second;
  return nullptr;
}
std::vector<std::string> StructObj::AttrNames() const {
  std::vector<std::string> out;
  for (auto& [k, v] : fields) out.push_back(k);
  return out;
}
std::string StructObj::Repr() const {
  std::string out = kind() == Kind::kModule ? "<module \"" + ctor + "\">" : "struct(";
  if (kind() == Kind::kModule) return out;
  bool first = true;
  for (auto& [k, v] : fields) {
    if (!first) out += ", ";
    first = false;
    out += k + " = ";
    ReprTo(out, v, 1);
  }
  return out + ")";
}

// --- HashTable -------------------------------------------------------------

long HashTable::FindHashed(const Value& key, size_t h) const {
  auto [b, e] = index_.equal_range(h);
  for (auto it = b; it != e; ++it) {
    const Value& k = entries_[it->second].key;
    if (k && (k == key || Equal(k, key))) return static_cast<long>(it->second);
  }
  return -1;
}
long HashTable::Find(const Value& key) const {
  if (count_ == 0) {
    starlark::Hash(key);  // still reject unhashable keys
    return -1;
  }
  return FindHashed(key, starlark::Hash(key));
}
Value HashTable::Get(const Value& key) const {
  long i = Find(key);
  return i < 0 ? nullptr : entries_[static_cast<size_t>(i)].value;
}
bool HashTable::Put(const Value& key, Value value) {
  size_t h = starlark::Hash(key);
  long i = FindHashed(key, h);
  if (i >= 0) {
    entries_[static_cast<size_t>(i)].value = std::move(value);
    return false;
  }
  index_.emplace(h, entries_.size());
  entries_.push_back({key, std::move(value), h});
  count_++;
  return true;
}
Value HashTable::Remove(const Value& key) {
  size_t h = starlark::Hash(key);
  long i = FindHashed(key, h);
  if (i < 0) return nullptr;
  auto [b, e] = index_.equal_range(h);
  for (auto it = b; it != e; ++it) {
    if (it->second == static_cast<size_t>(i)) {
      index_.erase(it);
      break;
    }
  }
  Entry& en = entries_[static_cast<size_t>(i)];
  Value v = std::move(en.value);
  en.key = nullptr;
  en.value = nullptr;
  count_--;
  if (entries_.size() > 16 && count_ * 2 < entries_.size()) Compact();
  return v ? v : None();
}
void HashTable::Clear() {
  entries_.clear();
  index_.clear();
  count_ = 0;
}
void HashTable::Compact() {
  std::vector<Entry> live;
  live.reserve(count_);
  index_.clear();
  for (auto& e : entries_) {
    if (!e.key) continue;
    index_.emplace(e.hash, live.size());
    live.push_back(std::move(e));
  }
  entries_ = std::move(live);
}
std::vector<Value> HashTable::Keys() const {
  std::vector<Value> out;
  out.reserve(count_);
  for (auto& e : entries_)
    if (e.key) out.push_back(e.key);
  return out;
}

// --- constructors ----------------------------------------------------------

Value None() {
  static const Value none = std::make_shared<NoneObj>();
  return none;
}
Value Bool(bool b) {
  static const Value t = std::make_shared<BoolObj>(true);
  static const Value f = std::make_shared<BoolObj>(false);
  return b ? t : f;
}
Value MakeInt(int64_t v) {
  // Small ints are shared: they are immutable and very common.
  static const std::array<Value, 261> cache = [] {
    std::array<Value, 261> c;
    for (int i = 0; i < 261; i++) c[static_cast<size_t>(i)] = std::make_shared<IntObj>(BigInt(i - 5));
    return c;
  }();
  if (v >= -5 && v <= 255) return cache[static_cast<size_t>(v + 5)];
  return std::make_shared<IntObj>(BigInt(v));
}
Value MakeInt(BigInt v) {
  if (v.IsSmall()) return MakeInt(v.Small());
  return std::make_shared<IntObj>(std::move(v));
}
Value MakeFloat(double v) { return std::make_shared<FloatObj>(v); }
Value MakeString(std::string s) { return std::make_shared<StringObj>(std::move(s)); }
Value MakeBytes(std::string s) { return std::make_shared<BytesObj>(std::move(s)); }
Value MakeList(std::vector<Value> v) { return std::make_shared<ListObj>(std::move(v)); }
Value MakeTuple(std::vector<Value> v) { return std::make_shared<TupleObj>(std::move(v)); }

}  // namespace tinyrange::starlark
