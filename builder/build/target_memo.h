// A memo of the last successful build of a target, so that an unchanged
// `tr build FILE.star:NAME` can answer without loading the builder module
// or evaluating any Starlark: builds are pure functions of the scripts
// (they read no files and no clock) and of a few environment variables, so
// if every script file is unchanged (same inode, size and mtime) and the
// environment is the same, the target's definition hash is the same too.
//
// The memo lives at CACHE/builds/targets/<label>.memo. It only ever
// short-cuts to an output that exists; anything unexpected (no memo, a
// changed file, a collected entry, another tr version) falls back to the
// full build, which writes a new memo. The memo is also the record of the
// target's last build that --explain compares with. This file depends on
// libc, nlohmann-json and tr_cache_paths only, because `tr` itself links it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tinyrange::build {

// Environment variables that can change what a build file defines.
const std::vector<const char*>& MemoEnvironment();

struct TargetMemo {
  std::string tr_version;
  std::string hash;                  // the target's definition hash
  std::vector<std::string> sources;  // every script file evaluated
};

// Writes the memo for `label` (stat-ing the sources now). Failures are
// ignored: the memo is only an optimisation.
void WriteTargetMemo(const std::string& cache_root, const std::string& label, const TargetMemo& memo);

// The output path of `label`'s last build if the memo still holds and the
// entry exists (its last-use time is updated); nullopt otherwise.
std::optional<std::string> CheckTargetMemo(const std::string& cache_root, const std::string& label,
                                           const std::string& tr_version);

// The hash of `label`'s last successful build, whether or not anything has
// changed since (for --explain's comparison); nullopt if there was none.
std::optional<std::string> LastBuiltHash(const std::string& cache_root, const std::string& label);

// A file's identity for memos: path, device, inode, size, mtime and ctime
// (null if it does not exist). Equal stamps mean an unchanged file.
nlohmann::json FileStamp(const std::string& path);

// The label of FILE:NAME as the cache knows it: the file's absolute,
// normalised path, ':' and the name.
std::string TargetLabel(const std::string& file, const std::string& name);

}  // namespace tinyrange::build
