// Operations on values with the spec's type rules and error messages.
#pragma once

#include <string>

#include "starlark/value.h"

namespace tinyrange::starlark {

std::string TypeName(const Value& v);
bool Truth(const Value& v);
std::string Repr(const Value& v);
std::string Str(const Value& v);
void ReprTo(std::string& out, const Value& v, int depth = 0);
size_t Hash(const Value& v);
bool Equal(const Value& a, const Value& b);
// Three-way comparison for ordered types; throws for unordered ones.
int Compare(const Value& a, const Value& b);
// Binary operators, in the order of OpText's table.
enum class Op : uint8_t {
  kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kBitAnd, kBitOr, kBitXor, kShl, kShr,
  kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn,
};
const char* OpText(Op op);
Op ParseOp(std::string_view text);  // throws for unknown text
Value Binary(Op op, const Value& a, const Value& b);
// Operators by their token text: "+", "-", "*", "/", "//", "%", "&", "|",
// "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "in", "not in".
Value Binary(const std::string& op, const Value& a, const Value& b);
Value Unary(const std::string& op, const Value& a);
// x[i] and x[i] = v.
Value Index(const Value& x, const Value& i);
void SetIndex(const Value& x, const Value& i, const Value& v);
// x[lo:hi:step]; null bounds mean "omitted".
Value Slice(const Value& x, const Value& lo, const Value& hi, const Value& step);
// len(x) or -1 if x has no length.
int64_t Len(const Value& v);
std::string FormatFloat(double d);  // str(float)
// "%" formatting of strings.
std::string Percent(const std::string& fmt, const Value& args);
// Attribute lookup (fields and bound methods); null if absent.
Value GetAttr(const Value& x, const std::string& name);
std::vector<std::string> AttrNames(const Value& x);
// The candidate nearest to `name` (case-insensitive edit distance at most
// `max_distance`, ties by name), or "": for "did you mean" hints.
std::string ClosestName(const std::string& name, const std::vector<std::string>& candidates, size_t max_distance);
// "T has no .name field or method", with a suggestion when one is close.
std::string NoAttrMessage(const Value& x, const std::string& name);
void Freeze(const Value& v);
// Converts an int value to int64 or throws with the given context.
int64_t ToInt64(const Value& v, const char* what);

// Iterates a value; increments the iteration guard of mutable containers for
// the iterator's lifetime so that mutation during iteration is an error.
class Iterator {
 public:
  explicit Iterator(const Value& v);
  ~Iterator();
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  bool Next(Value* out);

 private:
  Value v_;
  size_t i_ = 0;
  int* guard_ = nullptr;
};
bool IsIterable(const Value& v);
// All elements of an iterable (error if not iterable).
std::vector<Value> Elements(const Value& v);

}  // namespace tinyrange::starlark
