// Methods of list, and the method-table lookup by type.
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {
namespace {

ListObj& L(const Value& v) { return As<ListObj>(v); }

Value Append(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("append", args, 1, 1, {&x});
  L(self).mut.Check("append to", "list");
  L(self).elems.push_back(x);
  return None();
}

Value Clear(Thread&, const Value& self, Args& args) {
  UnpackPositional("clear", args, 0, 0, {});
  L(self).mut.Check("clear", "list");
  L(self).elems.clear();
  return None();
}

Value Extend(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("extend", args, 1, 1, {&x});
  L(self).mut.Check("extend", "list");
  if (!IsIterable(x)) Fail("extend: got " + TypeName(x) + ", want iterable");
  auto el = Elements(x);
  L(self).elems.insert(L(self).elems.end(), el.begin(), el.end());
  return None();
}

Value IndexM(Thread&, const Value& self, Args& args) {
  Value x, start, end;
  UnpackPositional("index", args, 1, 3, {&x, &start, &end});
  auto& el = L(self).elems;
  int64_t lo, hi;
  ClampRange("index", static_cast<int64_t>(el.size()), start, end, &lo, &hi);
  for (int64_t i = lo; i < hi; i++)
    if (Equal(el[static_cast<size_t>(i)], x)) return MakeInt(i);
  Fail("index: value not in list");
}

Value Insert(Thread&, const Value& self, Args& args) {
  Value i, x;
  UnpackPositional("insert", args, 2, 2, {&i, &x});
  L(self).mut.Check("insert into", "list");
  auto& el = L(self).elems;
  int64_t n = static_cast<int64_t>(el.size());
  int64_t k = WantInt("insert", "index", i);
  if (k < 0) k += n;
  k = std::max<int64_t>(0, std::min(k, n));
  el.insert(el.begin() + k, x);
  return None();
}

Value Pop(Thread&, const Value& self, Args& args) {
  Value i;
  UnpackPositional("pop", args, 0, 1, {&i});
  L(self).mut.Check("pop from", "list");
  auto& el = L(self).elems;
  int64_t n = static_cast<int64_t>(el.size());
  int64_t k = i ? WantInt("pop", "index", i) : n - 1;
  int64_t orig = k;
  if (k < 0) k += n;
  if (k < 0 || k >= n) Fail("pop: index " + std::to_string(orig) + " out of range [" + std::to_string(-n) + ":" + std::to_string(n - 1) + "]");
  Value v = el[static_cast<size_t>(k)];
  el.erase(el.begin() + k);
  return v;
}

Value Remove(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("remove", args, 1, 1, {&x});
  L(self).mut.Check("remove from", "list");
  auto& el = L(self).elems;
  for (size_t i = 0; i < el.size(); i++) {
    if (Equal(el[i], x)) {
      el.erase(el.begin() + static_cast<long>(i));
      return None();
    }
  }
  Fail("remove: element not found");
}

}  // namespace

const MethodTable& ListMethods() {
  static const MethodTable t = {
      {"append", Append}, {"clear", Clear}, {"extend", Extend}, {"index", IndexM},
      {"insert", Insert}, {"pop", Pop},     {"remove", Remove},
  };
  return t;
}

const MethodTable* MethodsOf(Kind k) {
  switch (k) {
    case Kind::kString: return &StringMethods();
    case Kind::kBytes: return &BytesMethods();
    case Kind::kList: return &ListMethods();
    case Kind::kDict: return &DictMethods();
    case Kind::kSet: return &SetMethods();
    default: return nullptr;
  }
}

}  // namespace tinyrange::starlark
