// Arbitrary-precision integer for Starlark's int type. Values that fit in
// int64 stay in a machine word; only results that overflow pay for GMP.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tinyrange::starlark {

class BigInt {
 public:
  BigInt(int64_t v = 0) : small_(v) {}  // NOLINT: implicit on purpose
  // Normalises: a result that fits in int64 drops its GMP representation.
  static BigInt FromMpz(const mpz_class& v);
  // Parses digits (no sign, no prefix) in the given base; nullopt if invalid.
  static std::optional<BigInt> Parse(std::string_view digits, int base);

  bool IsSmall() const { return big_ == nullptr; }
  int64_t Small() const { return small_; }
  mpz_class ToMpz() const;
  std::string ToString(int base = 10) const;
  int Sign() const;
  int Compare(const BigInt& o) const;
  bool operator==(const BigInt& o) const { return Compare(o) == 0; }
  // The exactly-rounded double, or nullopt if out of range.
  std::optional<double> ToDouble() const;
  // Truncates a finite double.
  static BigInt FromDouble(double d);
  std::optional<int64_t> ToInt64() const;
  size_t Hash() const;

  BigInt operator-() const;
  friend BigInt operator+(const BigInt& a, const BigInt& b);
  friend BigInt operator-(const BigInt& a, const BigInt& b);
  friend BigInt operator*(const BigInt& a, const BigInt& b);
  // Floored division and modulo (Python semantics); divisor must be non-zero.
  static BigInt FloorDiv(const BigInt& a, const BigInt& b);
  static BigInt FloorMod(const BigInt& a, const BigInt& b);
  friend BigInt operator&(const BigInt& a, const BigInt& b);
  friend BigInt operator|(const BigInt& a, const BigInt& b);
  friend BigInt operator^(const BigInt& a, const BigInt& b);
  BigInt operator~() const;
  BigInt Shl(uint64_t n) const;
  BigInt Shr(uint64_t n) const;

 private:
  int64_t small_ = 0;
  // Shared so that copies of big values are cheap; never mutated.
  std::shared_ptr<const mpz_class> big_;
};

}  // namespace tinyrange::starlark
