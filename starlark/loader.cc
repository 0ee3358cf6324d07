#include "starlark/loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tinyrange::starlark {
namespace {

// The modules this thread is loading, to detect cycles (key in Thread::locals).
constexpr const char* kLoadingKey = "starlark.loader.loading";

}  // namespace

StringDict Loader::Load(Thread& th, const std::string& module) {
  std::string filename, src, error;
  if (!finder_(module, &filename, &src, &error)) Fail("cannot load " + module + ": " + error);
  auto& slot = th.locals[kLoadingKey];
  if (!slot) slot = std::make_shared<std::vector<std::string>>();
  auto loading = std::static_pointer_cast<std::vector<std::string>>(slot);
  if (std::find(loading->begin(), loading->end(), filename) != loading->end())
    Fail("cannot load " + module + ": cycle in load graph");

  std::promise<StringDict> promise;
  std::shared_future<StringDict> future;
  bool owner = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(filename);
    if (it != cache_.end()) {
      future = it->second;
    } else {
      future = promise.get_future().share();
      cache_[filename] = future;
      owner = true;
    }
  }
  if (!owner) {
    try {
      return future.get();
    } catch (Error& e) {
      Fail("cannot load " + module + ": " + e.message());
    }
  }
  loading->push_back(filename);
  try {
    StringDict globals = ExecFile(th, filename, src, predeclared_, dialect_);
    loading->pop_back();
    // Names with a leading underscore are private to their module.
    for (auto it = globals.begin(); it != globals.end();) {
      if (!it->first.empty() && it->first[0] == '_') it = globals.erase(it);
      else ++it;
    }
    promise.set_value(globals);
    return globals;
  } catch (Error& e) {
    loading->pop_back();
    Error wrapped("cannot load " + module + ": " + e.Render());
    promise.set_exception(std::make_exception_ptr(Error(e.Render())));
    throw wrapped;
  }
}

void Loader::Attach(Thread& th) {
  th.load = [this](Thread& t, const std::string& m) { return Load(t, m); };
}

Loader::Finder DirectoryFinder(std::vector<std::string> dirs) {
  return [dirs = std::move(dirs)](const std::string& module, std::string* filename, std::string* src,
                                  std::string* error) {
    for (const auto& d : dirs) {
      std::string path = d.empty() ? module : d + "/" + module;
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      std::ostringstream ss;
      ss << in.rdbuf();
      *filename = path;
      *src = ss.str();
      return true;
    }
    *error = "module not found";
    return false;
  };
}

}  // namespace tinyrange::starlark
