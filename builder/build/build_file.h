// Evaluating build files (FILE.star) and finding their targets.
//
// A build file sees `define`, `directive` and `query` (starlark_api.h) and
// the build dialect (set, while, recursion, top-level control flow). Its
// load() statements resolve "@std/NAME.star" to the standard library
// (package collections and builders written in Starlark, which users can
// read and copy) and anything else relative to the build file's directory.
//
// A target is a global whose value is a definition, or a function taking
// no arguments that returns one.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "builder/build/definition.h"
#include "starlark/eval.h"

namespace tinyrange::build {

// The standard library directory: $TR_STDLIB, else share/tinyrange/stdlib
// beside the installed binary, else the source tree's builder/stdlib.
std::string StandardLibraryDir();

struct BuildFile {
  std::string path;
  starlark::StringDict globals;
  std::vector<std::string> sources;  // the file and every file it loaded
};

// Throws starlark::Error (with a traceback) for errors in the scripts and
// BuildError when the file cannot be read.
BuildFile EvaluateBuildFile(const std::string& path);

// Builds nothing: returns the definition of target `name`. Throws
// BuildError naming the file and listing its targets if there is no such
// target, and starlark::Error if the target function fails.
DefinitionPtr ResolveTarget(const BuildFile& file, const std::string& name);

// Targets in name order, each with a description ("function" when it is a
// function, since calling it could be expensive).
std::vector<std::pair<std::string, std::string>> ListTargets(const BuildFile& file);

}  // namespace tinyrange::build
