// The conventional Starlark test-file runner behind `tr starlark test`.
//
// A test file is split into chunks at lines that are exactly "---". Each
// chunk runs as its own module. A line containing "### REGEX" marks the
// error the chunk must fail with (a regular expression searched in the
// error message). Predeclared helpers: error(msg), catch(f), matches(pattern,
// str), module(name, **kw), _freeze(x), _floateq(x, y), plus struct, json,
// math and any library loaded with load() from --lib directories.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace tinyrange::starlark {

struct TestRunOptions {
  std::vector<std::string> lib_dirs;  // where load("x.star") looks
  bool verbose = false;
};

struct TestRunResult {
  int passed = 0, failed = 0;
};

// Runs each file, printing per-file results and failures to `out`.
TestRunResult RunTestFiles(const std::vector<std::string>& files, const TestRunOptions& opts, FILE* out);

}  // namespace tinyrange::starlark
