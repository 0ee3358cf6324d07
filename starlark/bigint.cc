#include "starlark/bigint.h"

#include <cmath>
#include <functional>

namespace tinyrange::starlark {

BigInt BigInt::FromMpz(const mpz_class& v) {
  if (mpz_fits_slong_p(v.get_mpz_t())) return BigInt(static_cast<int64_t>(v.get_si()));
  BigInt r;
  r.big_ = std::make_shared<const mpz_class>(v);
  return r;
}

std::optional<BigInt> BigInt::Parse(std::string_view digits, int base) {
  if (digits.empty()) return std::nullopt;
  std::string s;
  for (char c : digits) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    s.push_back(c);
  }
  mpz_class v;
  if (v.set_str(s, base) != 0) return std::nullopt;
  return FromMpz(v);
}

mpz_class BigInt::ToMpz() const {
  if (big_) return *big_;
  return mpz_class(static_cast<long>(small_));
}

std::string BigInt::ToString(int base) const {
  if (!big_ && base == 10) return std::to_string(small_);
  return ToMpz().get_str(base);
}

int BigInt::Sign() const {
  if (big_) return mpz_sgn(big_->get_mpz_t());
  return small_ < 0 ? -1 : small_ > 0 ? 1 : 0;
}

int BigInt::Compare(const BigInt& o) const {
  if (!big_ && !o.big_) return small_ < o.small_ ? -1 : small_ > o.small_ ? 1 : 0;
  int c = mpz_cmp(ToMpz().get_mpz_t(), o.ToMpz().get_mpz_t());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::optional<double> BigInt::ToDouble() const {
  if (!big_) return static_cast<double>(small_);
  // Round to nearest: take the top 64 bits with a sticky bit so the single
  // conversion to double rounds correctly.
  mpz_class a = abs(*big_);
  size_t bits = mpz_sizeinbase(a.get_mpz_t(), 2);
  if (bits > 1024) return std::nullopt;
  double r;
  if (bits <= 64) {
    r = static_cast<double>(a.get_ui());
  } else {
    size_t shift = bits - 64;
    mpz_class top = a >> static_cast<mp_bitcnt_t>(shift);
    mpz_class rest = a - (top << static_cast<mp_bitcnt_t>(shift));
    uint64_t t = top.get_ui();
    if (rest != 0) t |= 1;  // sticky
    r = std::ldexp(static_cast<double>(t), static_cast<int>(shift));
  }
  if (std::isinf(r)) return std::nullopt;
  return Sign() < 0 ? -r : r;
}

BigInt BigInt::FromDouble(double d) {
  if (d >= -9.2e18 && d <= 9.2e18) return BigInt(static_cast<int64_t>(d));
  mpz_class v(std::trunc(d));
  return FromMpz(v);
}

std::optional<int64_t> BigInt::ToInt64() const {
  if (big_) return std::nullopt;
  return small_;
}

size_t BigInt::Hash() const {
  if (!big_) return std::hash<int64_t>()(small_);
  return std::hash<std::string>()(big_->get_str(16));
}

BigInt BigInt::operator-() const {
  if (!big_ && small_ != INT64_MIN) return BigInt(-small_);
  return FromMpz(-ToMpz());
}

BigInt operator+(const BigInt& a, const BigInt& b) {
  int64_t r;
  if (a.IsSmall() && b.IsSmall() && !__builtin_add_overflow(a.small_, b.small_, &r)) return BigInt(r);
  return BigInt::FromMpz(a.ToMpz() + b.ToMpz());
}

BigInt operator-(const BigInt& a, const BigInt& b) {
  int64_t r;
  if (a.IsSmall() && b.IsSmall() && !__builtin_sub_overflow(a.small_, b.small_, &r)) return BigInt(r);
  return BigInt::FromMpz(a.ToMpz() - b.ToMpz());
}

BigInt operator*(const BigInt& a, const BigInt& b) {
  int64_t r;
  if (a.IsSmall() && b.IsSmall() && !__builtin_mul_overflow(a.small_, b.small_, &r)) return BigInt(r);
  return BigInt::FromMpz(a.ToMpz() * b.ToMpz());
}

BigInt BigInt::FloorDiv(const BigInt& a, const BigInt& b) {
  if (a.IsSmall() && b.IsSmall() && !(a.small_ == INT64_MIN && b.small_ == -1)) {
    int64_t q = a.small_ / b.small_;
    if ((a.small_ % b.small_ != 0) && ((a.small_ < 0) != (b.small_ < 0))) q--;
    return BigInt(q);
  }
  mpz_class q;
  mpz_fdiv_q(q.get_mpz_t(), a.ToMpz().get_mpz_t(), b.ToMpz().get_mpz_t());
  return FromMpz(q);
}

BigInt BigInt::FloorMod(const BigInt& a, const BigInt& b) {
  if (a.IsSmall() && b.IsSmall() && b.small_ != -1) {
    int64_t m = a.small_ % b.small_;
    if (m != 0 && ((m < 0) != (b.small_ < 0))) m += b.small_;
    return BigInt(m);
  }
  mpz_class r;
  mpz_fdiv_r(r.get_mpz_t(), a.ToMpz().get_mpz_t(), b.ToMpz().get_mpz_t());
  return FromMpz(r);
}

BigInt operator&(const BigInt& a, const BigInt& b) {
  if (a.IsSmall() && b.IsSmall()) return BigInt(a.small_ & b.small_);
  return BigInt::FromMpz(a.ToMpz() & b.ToMpz());
}
BigInt operator|(const BigInt& a, const BigInt& b) {
  if (a.IsSmall() && b.IsSmall()) return BigInt(a.small_ | b.small_);
  return BigInt::FromMpz(a.ToMpz() | b.ToMpz());
}
BigInt operator^(const BigInt& a, const BigInt& b) {
  if (a.IsSmall() && b.IsSmall()) return BigInt(a.small_ ^ b.small_);
  return BigInt::FromMpz(a.ToMpz() ^ b.ToMpz());
}
BigInt BigInt::operator~() const {
  if (!big_) return BigInt(~small_);
  return FromMpz(-ToMpz() - 1);
}
BigInt BigInt::Shl(uint64_t n) const {
  mpz_class r;
  mpz_mul_2exp(r.get_mpz_t(), ToMpz().get_mpz_t(), n);
  return FromMpz(r);
}
BigInt BigInt::Shr(uint64_t n) const {
  if (!big_) return BigInt(n >= 63 ? (small_ < 0 ? -1 : 0) : (small_ >> n));
  mpz_class r;
  mpz_fdiv_q_2exp(r.get_mpz_t(), ToMpz().get_mpz_t(), n);
  return FromMpz(r);
}

}  // namespace tinyrange::starlark
