// Starlark values. A Value is a shared pointer to an immutable-or-freezable
// object; frozen values may be shared between threads because nothing about
// them changes afterwards (reference counts are atomic).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "starlark/bigint.h"

namespace tinyrange::starlark {

enum class Kind : uint8_t {
  kNone, kBool, kInt, kFloat, kString, kBytes, kList, kTuple, kDict, kSet,
  kRange, kFunction, kBuiltin, kStruct, kModule, kOther,
};

class Object;
using Value = std::shared_ptr<Object>;
class Thread;

// A runtime error. Positions and the call stack are added as it unwinds.
struct Frame {
  std::string function;
  std::string file;
  int line = 0, col = 0;
};

class Error : public std::exception {
 public:
  explicit Error(std::string msg) : msg_(std::move(msg)) {}
  const char* what() const noexcept override { return msg_.c_str(); }
  const std::string& message() const { return msg_; }
  // Innermost frame first.
  std::vector<Frame> stack;
  bool has_pos = false;
  bool syntax = false;  // a syntax or resolution error: nothing was executed
  int line = 0, col = 0;
  std::string builtin;  // name of the builtin that raised it, if any
  // Renders "Traceback ... Error: msg" like other implementations.
  std::string Render() const;

 private:
  std::string msg_;
};

[[noreturn]] void Fail(std::string msg);

class Object {
 public:
  explicit Object(Kind k) : kind_(k) {}
  virtual ~Object() = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  Kind kind() const { return kind_; }
  virtual std::string TypeName() const = 0;
  // Makes the value and everything reachable from it immutable.
  virtual void Freeze() {}
  // Embedder types override these to expose fields and methods.
  virtual Value Attr(std::string_view) const { return nullptr; }
  virtual std::vector<std::string> AttrNames() const { return {}; }
  virtual std::string Repr() const { return "<" + TypeName() + ">"; }
  // Iterable embedder types return their elements as a list or tuple value;
  // null means "not iterable".
  virtual Value Elems() const { return nullptr; }
  virtual bool Truth() const { return true; }
  virtual size_t Hash() const;  // throws "unhashable" by default

 private:
  Kind kind_;
};

class NoneObj final : public Object {
 public:
  NoneObj() : Object(Kind::kNone) {}
  std::string TypeName() const override { return "NoneType"; }
};

class BoolObj final : public Object {
 public:
  explicit BoolObj(bool v) : Object(Kind::kBool), value(v) {}
  std::string TypeName() const override { return "bool"; }
  const bool value;
};

class IntObj final : public Object {
 public:
  explicit IntObj(BigInt v) : Object(Kind::kInt), value(std::move(v)) {}
  std::string TypeName() const override { return "int"; }
  const BigInt value;
};

class FloatObj final : public Object {
 public:
  explicit FloatObj(double v) : Object(Kind::kFloat), value(v) {}
  std::string TypeName() const override { return "float"; }
  const double value;
};

class StringObj final : public Object {
 public:
  explicit StringObj(std::string v) : Object(Kind::kString), value(std::move(v)) {}
  std::string TypeName() const override { return "string"; }
  const std::string value;
};

class BytesObj final : public Object {
 public:
  explicit BytesObj(std::string v) : Object(Kind::kBytes), value(std::move(v)) {}
  std::string TypeName() const override { return "bytes"; }
  const std::string value;
};

// Shared by mutable containers: frozen flag and active-iterator count.
struct Mutability {
  bool frozen = false;
  int iterating = 0;
  // Throws if the container may not change now. `what` names the operation
  // ("append to", "insert into").
  void Check(const char* what, const char* type) const;
};

class ListObj final : public Object {
 public:
  ListObj() : Object(Kind::kList) {}
  explicit ListObj(std::vector<Value> v) : Object(Kind::kList), elems(std::move(v)) {}
  std::string TypeName() const override { return "list"; }
  void Freeze() override;
  std::vector<Value> elems;
  Mutability mut;
};

class TupleObj final : public Object {
 public:
  explicit TupleObj(std::vector<Value> v) : Object(Kind::kTuple), elems(std::move(v)) {}
  std::string TypeName() const override { return "tuple"; }
  void Freeze() override;
  const std::vector<Value> elems;
};

// Insertion-ordered hash table used by dict and set. Deleted entries leave
// holes (null keys) that are compacted when they dominate.
class HashTable {
 public:
  struct Entry {
    Value key, value;
    size_t hash = 0;
  };
  Value Get(const Value& key) const;  // null if absent
  bool Contains(const Value& key) const { return Find(key) >= 0; }
  // Returns true if the key was new.
  bool Put(const Value& key, Value value);
  // Returns the removed value or null.
  Value Remove(const Value& key);
  void Clear();
  size_t size() const { return count_; }
  // Live entries in insertion order (skip entries with null key).
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Value> Keys() const;

 private:
  long Find(const Value& key) const;
  long FindHashed(const Value& key, size_t h) const;
  void Compact();
  std::vector<Entry> entries_;
  std::unordered_multimap<size_t, size_t> index_;
  size_t count_ = 0;
};

class DictObj final : public Object {
 public:
  DictObj() : Object(Kind::kDict) {}
  std::string TypeName() const override { return "dict"; }
  void Freeze() override;
  HashTable table;
  Mutability mut;
};

class SetObj final : public Object {
 public:
  SetObj() : Object(Kind::kSet) {}
  std::string TypeName() const override { return "set"; }
  void Freeze() override;
  HashTable table;
  Mutability mut;
};

class RangeObj final : public Object {
 public:
  RangeObj(int64_t start_, int64_t stop_, int64_t step_)
      : Object(Kind::kRange), start(start_), stop(stop_), step(step_) {}
  std::string TypeName() const override { return "range"; }
  int64_t Len() const;
  int64_t At(int64_t i) const { return start + i * step; }
  const int64_t start, stop, step;
};

// Positional and named arguments of a call.
struct Args {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
};

using BuiltinFn = std::function<Value(Thread&, const Value& self, Args&)>;

class BuiltinObj final : public Object {
 public:
  BuiltinObj(std::string name_, BuiltinFn fn_, Value self_ = nullptr)
      : Object(Kind::kBuiltin), name(std::move(name_)), fn(std::move(fn_)), self(std::move(self_)) {}
  std::string TypeName() const override { return "builtin_function_or_method"; }
  std::string Repr() const override;
  size_t Hash() const override { return std::hash<std::string>()(name); }
  const std::string name;
  const BuiltinFn fn;
  const Value self;  // receiver of a bound method
};

// struct(**kwargs) and module(name, **kwargs): immutable attribute bags.
class StructObj final : public Object {
 public:
  StructObj(Kind k, std::string ctor, std::vector<std::pair<std::string, Value>> fields);
  std::string TypeName() const override { return kind() == Kind::kModule ? "module" : "struct"; }
  void Freeze() override;
  Value Attr(std::string_view name) const override;
  std::vector<std::string> AttrNames() const override;
  std::string Repr() const override;
  const std::string ctor;  // "struct" or the module name
  std::vector<std::pair<std::string, Value>> fields;  // sorted by name
};

// Constructors and shared constants.
Value None();
Value Bool(bool b);
Value MakeInt(BigInt v);
Value MakeInt(int64_t v);
Value MakeFloat(double v);
Value MakeString(std::string s);
Value MakeBytes(std::string s);
Value MakeList(std::vector<Value> v);
Value MakeTuple(std::vector<Value> v);

inline bool IsNone(const Value& v) { return v->kind() == Kind::kNone; }
template <typename T>
T& As(const Value& v) { return static_cast<T&>(*v); }
inline const std::string& StrOf(const Value& v) { return As<StringObj>(v).value; }

}  // namespace tinyrange::starlark
