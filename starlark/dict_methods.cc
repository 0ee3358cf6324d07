// Methods of dict and set.
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {

// Shared with dict(): adds pairs from a mapping or iterable of pairs, then kwargs.
void DictUpdate(const std::string& fn, HashTable& t, const Value& src, const Args& args) {
  if (src) {
    if (src->kind() == Kind::kDict) {
      for (auto& e : As<DictObj>(src).table.entries())
        if (e.key) t.Put(e.key, e.value);
    } else {
      if (!IsIterable(src)) Fail(fn + ": got " + TypeName(src) + ", want iterable");
      int64_t i = 0;
      for (auto& pair : Elements(src)) {
        if (!IsIterable(pair)) Fail(fn + ": dictionary update sequence element #" + std::to_string(i) + " is not iterable (" + TypeName(pair) + ")");
        auto kv = Elements(pair);
        if (kv.size() != 2) Fail(fn + ": dictionary update sequence element #" + std::to_string(i) + " has length " + std::to_string(kv.size()) + ", want 2");
        t.Put(kv[0], kv[1]);
        i++;
      }
    }
  }
  for (auto& [k, v] : args.named) t.Put(MakeString(k), v);
}

namespace {

DictObj& D(const Value& v) { return As<DictObj>(v); }
SetObj& St(const Value& v) { return As<SetObj>(v); }

Value DClear(Thread&, const Value& self, Args& args) {
  UnpackPositional("clear", args, 0, 0, {});
  D(self).mut.Check("clear", "dict");
  D(self).table.Clear();
  return None();
}

Value DGet(Thread&, const Value& self, Args& args) {
  Value k, d;
  UnpackPositional("get", args, 1, 2, {&k, &d});
  Value v = D(self).table.Get(k);
  return v ? v : d ? d : None();
}

Value DItems(Thread&, const Value& self, Args& args) {
  UnpackPositional("items", args, 0, 0, {});
  std::vector<Value> out;
  for (auto& e : D(self).table.entries())
    if (e.key) out.push_back(MakeTuple({e.key, e.value}));
  return MakeList(std::move(out));
}

Value DKeys(Thread&, const Value& self, Args& args) {
  UnpackPositional("keys", args, 0, 0, {});
  return MakeList(D(self).table.Keys());
}

Value DValues(Thread&, const Value& self, Args& args) {
  UnpackPositional("values", args, 0, 0, {});
  std::vector<Value> out;
  for (auto& e : D(self).table.entries())
    if (e.key) out.push_back(e.value);
  return MakeList(std::move(out));
}

Value DPop(Thread&, const Value& self, Args& args) {
  Value k, d;
  UnpackPositional("pop", args, 1, 2, {&k, &d});
  D(self).mut.Check("delete from", "dict");
  Value v = D(self).table.Remove(k);
  if (v) return v;
  if (d) return d;
  Fail("pop: missing key " + Repr(k));
}

Value DPopItem(Thread&, const Value& self, Args& args) {
  UnpackPositional("popitem", args, 0, 0, {});
  D(self).mut.Check("delete from", "dict");
  for (auto& e : D(self).table.entries()) {
    if (!e.key) continue;
    Value k = e.key, v = e.value;
    D(self).table.Remove(k);
    return MakeTuple({k, v});
  }
  Fail("popitem: empty dict");
}

Value DSetDefault(Thread&, const Value& self, Args& args) {
  Value k, d;
  UnpackPositional("setdefault", args, 1, 2, {&k, &d});
  Value v = D(self).table.Get(k);
  if (v) return v;
  D(self).mut.Check("insert into", "dict");
  if (!d) d = None();
  D(self).table.Put(k, d);
  return d;
}

Value DUpdate(Thread&, const Value& self, Args& args) {
  if (args.positional.size() > 1) Fail("update: got " + std::to_string(args.positional.size()) + " arguments, want at most 1");
  D(self).mut.Check("insert into", "dict");
  DictUpdate("update", D(self).table, args.positional.empty() ? nullptr : args.positional[0], args);
  return None();
}

// --- set -------------------------------------------------------------------

std::vector<Value> Iter(const std::string& fn, const Value& x, int argno = 1) {
  if (!IsIterable(x)) Fail(fn + ": argument #" + std::to_string(argno) + " is not iterable: " + TypeName(x));
  return Elements(x);
}

Value SAdd(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("add", args, 1, 1, {&x});
  St(self).mut.Check("insert into", "set");
  St(self).table.Put(x, None());
  return None();
}

Value SClear(Thread&, const Value& self, Args& args) {
  UnpackPositional("clear", args, 0, 0, {});
  if (St(self).table.size() > 0) St(self).mut.Check("clear", "set");
  St(self).table.Clear();
  return None();
}

Value SDiscard(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("discard", args, 1, 1, {&x});
  St(self).mut.Check("delete from", "set");
  St(self).table.Remove(x);
  return None();
}

Value SRemove(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("remove", args, 1, 1, {&x});
  St(self).mut.Check("delete from", "set");
  if (!St(self).table.Remove(x)) Fail("remove: missing key " + Repr(x));
  return None();
}

Value SPop(Thread&, const Value& self, Args& args) {
  UnpackPositional("pop", args, 0, 0, {});
  St(self).mut.Check("delete from", "set");
  for (auto& e : St(self).table.entries()) {
    if (!e.key) continue;
    Value k = e.key;
    St(self).table.Remove(k);
    return k;
  }
  Fail("pop: empty set");
}

Value NewSetFrom(const Value& self) {
  auto out = std::make_shared<SetObj>();
  for (auto& e : St(self).table.entries())
    if (e.key) out->table.Put(e.key, None());
  return out;
}

Value SUnion(Thread&, const Value& self, Args& args) {
  if (!args.named.empty()) Fail("union: does not accept keyword arguments");
  Value out = NewSetFrom(self);
  int n = 0;
  for (auto& a : args.positional)
    for (auto& x : Iter("union", a, ++n)) St(out).table.Put(x, None());
  return out;
}

Value SUpdate(Thread&, const Value& self, Args& args) {
  if (!args.named.empty()) Fail("update: does not accept keyword arguments");
  St(self).mut.Check("insert into", "set");
  int n = 0;
  for (auto& a : args.positional)
    for (auto& x : Iter("update", a, ++n)) St(self).table.Put(x, None());
  return None();
}

Value SIntersection(Thread&, const Value& self, Args& args) {
  if (!args.named.empty()) Fail("intersection: unexpected keyword arguments");
  Value out = NewSetFrom(self);
  for (auto& a : args.positional) {
    auto other = std::make_shared<SetObj>();
    for (auto& x : Iter("intersection", a)) other->table.Put(x, None());
    auto next = std::make_shared<SetObj>();
    for (auto& e : St(out).table.entries())
      if (e.key && other->table.Contains(e.key)) next->table.Put(e.key, None());
    out = next;
  }
  return out;
}

Value SDifference(Thread&, const Value& self, Args& args) {
  if (!args.named.empty()) Fail("difference: unexpected keyword arguments");
  Value out = NewSetFrom(self);
  for (auto& a : args.positional)
    for (auto& x : Iter("difference", a)) St(out).table.Remove(x);
  return out;
}

Value SSymmetricDifference(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("symmetric_difference", args, 1, 1, {&x});
  Value out = NewSetFrom(self);
  auto other = std::make_shared<SetObj>();
  for (auto& v : Iter("symmetric_difference", x)) other->table.Put(v, None());
  for (auto& e : other->table.entries()) {
    if (!e.key) continue;
    if (St(self).table.Contains(e.key)) St(out).table.Remove(e.key);
    else St(out).table.Put(e.key, None());
  }
  return out;
}

Value SIsSubset(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("issubset", args, 1, 1, {&x});
  auto other = std::make_shared<SetObj>();
  for (auto& v : Iter("issubset", x)) other->table.Put(v, None());
  for (auto& e : St(self).table.entries())
    if (e.key && !other->table.Contains(e.key)) return Bool(false);
  return Bool(true);
}

Value SIsSuperset(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("issuperset", args, 1, 1, {&x});
  for (auto& v : Iter("issuperset", x))
    if (!St(self).table.Contains(v)) return Bool(false);
  return Bool(true);
}

Value SIsDisjoint(Thread&, const Value& self, Args& args) {
  Value x;
  UnpackPositional("isdisjoint", args, 1, 1, {&x});
  for (auto& v : Iter("isdisjoint", x))
    if (St(self).table.Contains(v)) return Bool(false);
  return Bool(true);
}

}  // namespace

const MethodTable& DictMethods() {
  static const MethodTable t = {
      {"clear", DClear}, {"get", DGet},       {"items", DItems},           {"keys", DKeys},
      {"pop", DPop},     {"popitem", DPopItem}, {"setdefault", DSetDefault}, {"update", DUpdate},
      {"values", DValues},
  };
  return t;
}

const MethodTable& SetMethods() {
  static const MethodTable t = {
      {"add", SAdd},
      {"clear", SClear},
      {"difference", SDifference},
      {"discard", SDiscard},
      {"intersection", SIntersection},
      {"isdisjoint", SIsDisjoint},
      {"issubset", SIsSubset},
      {"issuperset", SIsSuperset},
      {"pop", SPop},
      {"remove", SRemove},
      {"symmetric_difference", SSymmetricDifference},
      {"union", SUnion},
      {"update", SUpdate},
  };
  return t;
}

}  // namespace tinyrange::starlark
