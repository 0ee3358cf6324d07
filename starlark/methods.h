// Built-in methods of the core types, and helpers for builtin arguments.
#pragma once

#include <map>
#include <string>

#include "starlark/eval.h"
#include "starlark/value.h"

namespace tinyrange::starlark {

using MethodTable = std::map<std::string, MethodFn, std::less<>>;

// Method table of a type, or null if it has none.
const MethodTable* MethodsOf(Kind k);
const MethodTable& StringMethods();
const MethodTable& BytesMethods();
const MethodTable& ListMethods();
const MethodTable& DictMethods();
const MethodTable& SetMethods();

// Binds call arguments to parameter names. A name ending in '?' is
// optional (its output stays null when not given). Errors name `fn`.
void Unpack(const std::string& fn, const Args& args, std::initializer_list<const char*> names,
            std::initializer_list<Value*> out);
// Like Unpack, but arguments may only be given positionally.
void UnpackPositional(const std::string& fn, const Args& args, size_t min, size_t max,
                      std::initializer_list<Value*> out);

// Argument checks with "fn: for parameter p, got T, want U" messages.
const std::string& WantString(const std::string& fn, const char* param, const Value& v);
int64_t WantInt(const std::string& fn, const char* param, const Value& v);
bool WantBool(const std::string& fn, const char* param, const Value& v);
[[noreturn]] void WrongType(const std::string& fn, const char* param, const Value& v, const char* want);

// str.format.
std::string FormatMethod(const std::string& fmt, const Args& args);

// An iterable view such as "abc".elems(): iterates a precomputed list.
class ViewObj final : public Object {
 public:
  // `indexable` views also support len() and x[i].
  ViewObj(std::string type, std::string repr, Value list, bool indexable)
      : Object(Kind::kOther), type_(std::move(type)), repr_(std::move(repr)), list_(std::move(list)),
        indexable_(indexable) {}
  bool indexable() const { return indexable_; }
  std::string TypeName() const override { return type_; }
  std::string Repr() const override { return repr_; }
  Value Elems() const override { return list_; }

 private:
  std::string type_, repr_;
  Value list_;
  bool indexable_;
};

// UTF-8 helpers: decodes the code point at s[*i] (advancing *i), or
// returns 0xFFFD for an invalid byte (advancing one byte).
uint32_t DecodeUtf8(const std::string& s, size_t* i);
void EncodeUtf8(std::string& out, uint32_t c);

// Normalises Python-style [start:end] bounds for find/count/index methods.
void ClampRange(const std::string& fn, int64_t len, const Value& start, const Value& end,
                int64_t* lo, int64_t* hi);

}  // namespace tinyrange::starlark
