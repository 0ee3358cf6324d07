#include "builder/build/build_file.h"

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "builder/build/starlark_api.h"
#include "builder/download/cache_file.h"
#include "builder/download/sha256.h"
#include "starlark/loader.h"
#include "starlark/ops.h"

#ifndef TINYRANGE_SOURCE_STDLIB
#define TINYRANGE_SOURCE_STDLIB ""
#endif

namespace tinyrange::build {
namespace fs = std::filesystem;
namespace sl = tinyrange::starlark;

namespace {

constexpr char kStdPrefix[] = "@std/";

sl::Dialect BuildDialect() {
  sl::Dialect dialect;
  dialect.set = true;
  dialect.while_loops = true;
  dialect.recursion = true;
  dialect.toplevel_control = true;
  return dialect;
}

std::string ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "" : exe.parent_path().string();
}

// Only functions without parameters are targets: the others are helpers.
bool IsFunction(const sl::Value& v) {
  return v->kind() == sl::Kind::kFunction && sl::As<sl::FunctionObj>(v).decl->params.empty();
}

}  // namespace

std::string StandardLibraryDir() {
  if (const char* env = getenv("TR_STDLIB"); env && *env) return env;
  std::string exe_dir = ExecutableDir();
  if (!exe_dir.empty()) {
    fs::path installed = fs::path(exe_dir) / ".." / "share" / "tinyrange" / "stdlib";
    if (fs::is_directory(installed)) return fs::weakly_canonical(installed).string();
  }
  return TINYRANGE_SOURCE_STDLIB;
}

BuildFile EvaluateBuildFile(const std::string& path) {
  std::string source;
  if (!download::ReadWholeFile(path, &source)) {
    throw BuildError("cannot read build file " + path + ": " + (fs::exists(path) ? "permission denied" : "no such file"));
  }
  fs::path base = fs::path(path).parent_path();
  std::string stdlib = StandardLibraryDir();

  // Every script read so far, folded into one digest (see starlark_api.h).
  auto digest = std::make_shared<std::string>(download::Sha256Hex(path + "\n" + source));
  auto sources = std::make_shared<std::vector<std::string>>(std::vector<std::string>{path});
  sl::Loader::Finder finder = [base, stdlib, digest, sources](const std::string& module, std::string* filename,
                                                     std::string* src, std::string* error) {
    fs::path file;
    if (module.rfind(kStdPrefix, 0) == 0) {
      if (stdlib.empty()) {
        *error = "cannot load " + module + ": no standard library directory (set TR_STDLIB)";
        return false;
      }
      file = fs::path(stdlib) / module.substr(sizeof kStdPrefix - 1);
    } else {
      file = base / module;
    }
    *filename = file.lexically_normal().string();
    if (!download::ReadWholeFile(*filename, src)) {
      *error = "cannot load " + module + ": no file " + *filename;
      return false;
    }
    *digest = download::Sha256Hex(*digest + *filename + "\n" + download::Sha256Hex(*src));
    sources->push_back(*filename);
    return true;
  };

  // One set of API values for the file and every module it loads.
  sl::StringDict predeclared = BuildApiPredeclared();
  sl::Loader loader(predeclared, BuildDialect(), finder);
  sl::Thread thread;
  thread.name = path;
  thread.recursion_allowed = true;
  thread.locals[kScriptDigestLocal] = digest;
  loader.Attach(thread);
  BuildFile file;
  file.path = path;
  file.globals = sl::ExecFile(thread, path, source, predeclared, BuildDialect());
  file.sources = *sources;
  return file;
}

DefinitionPtr ResolveTarget(const BuildFile& file, const std::string& name) {
  auto it = file.globals.find(name);
  if (it == file.globals.end() || (!DefinitionOf(it->second) && !IsFunction(it->second))) {
    std::string names;
    for (const auto& [target, describe] : ListTargets(file)) names += (names.empty() ? "" : ", ") + target;
    throw BuildError("no target '" + name + "' in " + file.path +
                     (names.empty() ? "; it defines no targets (a global holding a definition, or a function "
                                      "without parameters returning one)"
                                    : "; its targets are: " + names));
  }
  if (DefinitionPtr d = DefinitionOf(it->second)) return d;
  sl::Thread thread;
  thread.name = name;
  thread.recursion_allowed = true;
  sl::Args args;
  sl::Value result = sl::Call(thread, it->second, args);
  if (DefinitionPtr d = DefinitionOf(result)) return d;
  throw BuildError("target '" + name + "' in " + file.path + " returned a " + sl::TypeName(result) +
                   ", not a definition");
}

std::vector<std::pair<std::string, std::string>> ListTargets(const BuildFile& file) {
  std::vector<std::pair<std::string, std::string>> targets;
  for (const auto& [name, value] : file.globals) {
    if (name.empty() || name[0] == '_') continue;
    if (DefinitionPtr d = DefinitionOf(value)) {
      targets.emplace_back(name, d->Describe());
    } else if (IsFunction(value)) {
      targets.emplace_back(name, "function");
    }
  }
  return targets;
}

}  // namespace tinyrange::build
