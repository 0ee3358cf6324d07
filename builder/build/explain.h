// --explain: why a definition was built, and the tree of what it needed.
#pragma once

#include <string>
#include <unordered_map>

#include "builder/build/build_cache.h"
#include "builder/build/build_engine.h"
#include "builder/build/definition.h"

namespace tinyrange::build {

// What differs between the build entry `old_hash` (a previous build of the
// same target) and `definition`: changed parameters, or the input that
// changed and, recursively, what changed in it. One line per finding.
std::string ExplainChange(const BuildCache& cache, const std::string& old_hash, const DefinitionPtr& definition);

// The dependency tree under `root_hash` as the engine saw it: each line a
// definition, whether it came from the cache or was built (and how long it
// took); the inputs of a cached definition are not visited, so not shown.
std::string DependencyTree(const std::unordered_map<std::string, BuildRecord>& records, const std::string& root_hash);

}  // namespace tinyrange::build
