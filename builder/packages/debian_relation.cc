#include "builder/packages/debian_relation.h"

#include "builder/packages/debian_version.h"

namespace tinyrange::packages {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Package names: [a-z0-9][a-z0-9+.-]+ by policy; indexes in the wild also
// hold upper case and '_' in a few third-party repositories, so those are
// tolerated.
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.' || c == '_';
}

class RelationParser {
 public:
  RelationParser(std::string_view text, std::string* error) : s_(text), error_(error) {}

  std::optional<std::vector<RelationGroup>> Parse() {
    std::vector<RelationGroup> groups;
    SkipSpace();
    if (AtEnd()) return groups;
    for (;;) {
      RelationGroup group;
      for (;;) {
        auto relation = ParseOne();
        if (!relation) return std::nullopt;
        group.push_back(std::move(*relation));
        SkipSpace();
        if (!AtEnd() && s_[i_] == '|') {
          ++i_;
          continue;
        }
        break;
      }
      groups.push_back(std::move(group));
      SkipSpace();
      if (AtEnd()) return groups;
      if (s_[i_] != ',') return Fail("expected ',' or '|'");
      ++i_;
      SkipSpace();
      // A trailing comma is tolerated (seen in the wild, accepted by dpkg).
      if (AtEnd()) return groups;
    }
  }

 private:
  bool AtEnd() const { return i_ >= s_.size(); }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(s_[i_])) ++i_;
  }
  std::nullopt_t Fail(const std::string& why) {
    if (error_) {
      *error_ = why + " at column " + std::to_string(i_ + 1) + " of '" + std::string(s_.substr(0, 120)) + "'";
    }
    return std::nullopt;
  }

  std::optional<DebianRelation> ParseOne() {
    SkipSpace();
    DebianRelation r;
    size_t start = i_;
    while (!AtEnd() && IsNameChar(s_[i_])) ++i_;
    if (i_ == start) return Fail("expected a package name");
    r.name = std::string(s_.substr(start, i_ - start));
    if (!AtEnd() && s_[i_] == ':') {
      ++i_;
      size_t q = i_;
      while (!AtEnd() && IsNameChar(s_[i_])) ++i_;
      if (i_ == q) return Fail("expected an architecture qualifier after ':'");
      r.arch_qualifier = std::string(s_.substr(q, i_ - q));
    }
    SkipSpace();
    if (!AtEnd() && s_[i_] == '(') {
      ++i_;
      SkipSpace();
      size_t op_start = i_;
      while (!AtEnd() && (s_[i_] == '<' || s_[i_] == '>' || s_[i_] == '=')) ++i_;
      auto op = ParseVersionOp(s_.substr(op_start, i_ - op_start));
      if (!op) return Fail("expected one of << <= = >= >> in a version restriction");
      r.op = *op;
      SkipSpace();
      size_t v = i_;
      while (!AtEnd() && s_[i_] != ')' && !IsSpace(s_[i_])) ++i_;
      if (i_ == v) return Fail("expected a version after the operator");
      r.version = std::string(s_.substr(v, i_ - v));
      std::string version_error;
      if (!DebianVersion::Parse(r.version, &version_error)) return Fail(version_error);
      SkipSpace();
      if (AtEnd() || s_[i_] != ')') return Fail("expected ')'");
      ++i_;
      SkipSpace();
    }
    if (!AtEnd() && s_[i_] == '[') {
      ++i_;
      for (;;) {
        SkipSpace();
        if (AtEnd()) return Fail("expected ']'");
        if (s_[i_] == ']') {
          ++i_;
          break;
        }
        size_t a = i_;
        while (!AtEnd() && !IsSpace(s_[i_]) && s_[i_] != ']') ++i_;
        r.architectures.emplace_back(s_.substr(a, i_ - a));
      }
      SkipSpace();
    }
    while (!AtEnd() && s_[i_] == '<') {
      size_t close = s_.find('>', i_);
      if (close == std::string_view::npos) return Fail("expected '>' closing a build profile");
      i_ = close + 1;
      SkipSpace();
    }
    return r;
  }

  std::string_view s_;
  std::string* error_;
  size_t i_ = 0;
};

}  // namespace

std::optional<std::vector<RelationGroup>> ParseRelations(std::string_view field, std::string* error) {
  return RelationParser(field, error).Parse();
}

std::optional<VersionOp> ParseVersionOp(std::string_view text) {
  if (text == "<<") return VersionOp::kLess;
  if (text == "<=" || text == "<") return VersionOp::kLessEqual;
  if (text == "=") return VersionOp::kEqual;
  if (text == ">=" || text == ">") return VersionOp::kGreaterEqual;
  if (text == ">>") return VersionOp::kGreater;
  return std::nullopt;
}

const char* VersionOpSpelling(VersionOp op) {
  switch (op) {
    case VersionOp::kAny: return "";
    case VersionOp::kLess: return "<<";
    case VersionOp::kLessEqual: return "<=";
    case VersionOp::kEqual: return "=";
    case VersionOp::kGreaterEqual: return ">=";
    case VersionOp::kGreater: return ">>";
  }
  return "";
}

bool VersionSatisfies(std::string_view version, VersionOp op, std::string_view reference) {
  if (op == VersionOp::kAny) return true;
  int c = CompareDebianVersionStrings(version, reference);
  switch (op) {
    case VersionOp::kAny: return true;
    case VersionOp::kLess: return c < 0;
    case VersionOp::kLessEqual: return c <= 0;
    case VersionOp::kEqual: return c == 0;
    case VersionOp::kGreaterEqual: return c >= 0;
    case VersionOp::kGreater: return c > 0;
  }
  return false;
}

std::string RelationToString(const DebianRelation& relation) {
  std::string s = relation.name;
  if (!relation.arch_qualifier.empty()) s += ":" + relation.arch_qualifier;
  if (relation.op != VersionOp::kAny) s += std::string(" (") + VersionOpSpelling(relation.op) + " " + relation.version + ")";
  return s;
}

}  // namespace tinyrange::packages
