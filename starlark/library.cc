// struct, module and math: library values an embedder may predeclare.
#include <cmath>

#include "starlark/builtins.h"
#include "starlark/methods.h"
#include "starlark/ops.h"

namespace tinyrange::starlark {

Value MakeModule(const std::string& name, std::vector<std::pair<std::string, Value>> members) {
  return std::make_shared<StructObj>(Kind::kModule, name, std::move(members));
}

namespace {

Value Struct(Thread&, const Value&, Args& args) {
  if (!args.positional.empty()) Fail("struct: unexpected positional arguments");
  return std::make_shared<StructObj>(Kind::kStruct, "struct", args.named);
}

Value Module(Thread&, const Value&, Args& args) {
  if (args.positional.size() != 1) Fail("module: got " + std::to_string(args.positional.size()) + " positional arguments, want 1");
  return MakeModule(WantString("module", "name", args.positional[0]), args.named);
}

double Num(const std::string& fn, const Value& v) {
  if (v->kind() == Kind::kFloat) return As<FloatObj>(v).value;
  if (v->kind() == Kind::kInt) {
    auto d = As<IntObj>(v).value.ToDouble();
    if (!d) Fail(fn + ": int too large to convert to float");
    return *d;
  }
  WrongType(fn, "x", v, "float or int");
}

template <double (*F)(double)>
Value Unary1(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("math", args, 1, 1, {&x});
  return MakeFloat(F(Num("math", x)));
}

template <double (*F)(double, double)>
Value Binary2(Thread&, const Value&, Args& args) {
  Value x, y;
  UnpackPositional("math", args, 2, 2, {&x, &y});
  return MakeFloat(F(Num("math", x), Num("math", y)));
}

double Sqrt(double x) { return std::sqrt(x); }
double Exp(double x) { return std::exp(x); }
double Sin(double x) { return std::sin(x); }
double Cos(double x) { return std::cos(x); }
double Tan(double x) { return std::tan(x); }
double Asin(double x) { return std::asin(x); }
double Acos(double x) { return std::acos(x); }
double Atan(double x) { return std::atan(x); }
double Sinh(double x) { return std::sinh(x); }
double Cosh(double x) { return std::cosh(x); }
double Tanh(double x) { return std::tanh(x); }
double Asinh(double x) { return std::asinh(x); }
double Acosh(double x) { return std::acosh(x); }
double Atanh(double x) { return std::atanh(x); }
double Fabs(double x) { return std::fabs(x); }
double Gamma(double x) { return std::tgamma(x); }
double Degrees(double x) { return x * 180.0 / M_PI; }
double Radians(double x) { return x * M_PI / 180.0; }
double Atan2(double y, double x) { return std::atan2(y, x); }
double Hypot(double x, double y) { return std::hypot(x, y); }
double Pow(double x, double y) { return std::pow(x, y); }
double Fmod(double x, double y) { return std::fmod(x, y); }
double Remainder(double x, double y) { return std::remainder(x, y); }
double Copysign(double x, double y) { return std::copysign(x, y); }

Value RoundTo(const char* fn, Args& args, double (*f)(double)) {
  Value x;
  UnpackPositional(fn, args, 1, 1, {&x});
  if (x->kind() == Kind::kInt) return x;
  double d = Num(fn, x);
  if (!std::isfinite(d)) Fail(std::string(fn) + ": cannot convert float " + (std::isnan(d) ? "NaN" : "infinity") + " to integer");
  return MakeInt(BigInt::FromDouble(f(d)));
}
double Ceil(double x) { return std::ceil(x); }
double Floor(double x) { return std::floor(x); }
double Trunc(double x) { return std::trunc(x); }
double Round(double x) { return std::round(x); }
Value CeilF(Thread&, const Value&, Args& args) { return RoundTo("ceil", args, Ceil); }
Value FloorF(Thread&, const Value&, Args& args) { return RoundTo("floor", args, Floor); }
Value TruncF(Thread&, const Value&, Args& args) { return RoundTo("trunc", args, Trunc); }
Value RoundF(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("round", args, 1, 1, {&x});
  return MakeFloat(Round(Num("round", x)));  // a float, like the other float functions
}

Value Log(Thread&, const Value&, Args& args) {
  Value x, base;
  UnpackPositional("log", args, 1, 2, {&x, &base});
  double v = std::log(Num("log", x));
  if (base) {
    double lb = std::log(Num("log", base));
    if (lb == 0) Fail("log: division by zero");  // base 1
    v /= lb;
  }
  return MakeFloat(v);
}

template <bool (*P)(double)>
Value Pred(Thread&, const Value&, Args& args) {
  Value x;
  UnpackPositional("math", args, 1, 1, {&x});
  return Bool(P(Num("math", x)));
}
bool IsInf(double x) { return std::isinf(x); }
bool IsNan(double x) { return std::isnan(x); }
bool IsFinite(double x) { return std::isfinite(x); }

}  // namespace

Value StructBuiltin() { return MakeBuiltin("struct", Struct); }
Value ModuleBuiltin() { return MakeBuiltin("module", Module); }

Value MathModule() {
  std::vector<std::pair<std::string, Value>> m = {
      {"ceil", MakeBuiltin("math.ceil", CeilF)},
      {"floor", MakeBuiltin("math.floor", FloorF)},
      {"trunc", MakeBuiltin("math.trunc", TruncF)},
      {"round", MakeBuiltin("math.round", RoundF)},
      {"log", MakeBuiltin("math.log", Log)},
      {"isinf", MakeBuiltin("math.isinf", Pred<IsInf>)},
      {"isnan", MakeBuiltin("math.isnan", Pred<IsNan>)},
      {"isfinite", MakeBuiltin("math.isfinite", Pred<IsFinite>)},
      {"pi", MakeFloat(M_PI)},
      {"e", MakeFloat(M_E)},
      {"inf", MakeFloat(INFINITY)},
      {"nan", MakeFloat(NAN)},
  };
  auto add1 = [&](const char* n, Value (*f)(Thread&, const Value&, Args&)) {
    m.emplace_back(n, MakeBuiltin(std::string("math.") + n, f));
  };
  add1("sqrt", Unary1<Sqrt>);
  add1("exp", Unary1<Exp>);
  add1("sin", Unary1<Sin>);
  add1("cos", Unary1<Cos>);
  add1("tan", Unary1<Tan>);
  add1("asin", Unary1<Asin>);
  add1("acos", Unary1<Acos>);
  add1("atan", Unary1<Atan>);
  add1("sinh", Unary1<Sinh>);
  add1("cosh", Unary1<Cosh>);
  add1("tanh", Unary1<Tanh>);
  add1("asinh", Unary1<Asinh>);
  add1("acosh", Unary1<Acosh>);
  add1("atanh", Unary1<Atanh>);
  add1("fabs", Unary1<Fabs>);
  add1("gamma", Unary1<Gamma>);
  add1("degrees", Unary1<Degrees>);
  add1("radians", Unary1<Radians>);
  add1("atan2", Binary2<Atan2>);
  add1("hypot", Binary2<Hypot>);
  add1("pow", Binary2<Pow>);
  add1("mod", Binary2<Fmod>);
  add1("remainder", Binary2<Remainder>);
  add1("copysign", Binary2<Copysign>);
  return MakeModule("math", std::move(m));
}

StringDict StandardLibrary() {
  return {{"struct", StructBuiltin()}, {"module", ModuleBuiltin()}, {"json", JsonModule()}, {"math", MathModule()}};
}

}  // namespace tinyrange::starlark
