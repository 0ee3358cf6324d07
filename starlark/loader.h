// A caching module loader. Each module is executed once; its frozen globals
// are shared by every loader of it, including other threads: a second thread
// asking for a module that is being loaded waits for the first.
// The cache holds the modules (lifetime.h): a module is freed once the
// loader and every module or value that uses it are gone.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "starlark/eval.h"

namespace tinyrange::starlark {

class Loader {
 public:
  // Maps a load() string to a canonical file name and its source; returns
  // false (with a message in *error) if there is no such module.
  using Finder = std::function<bool(const std::string& module, std::string* filename, std::string* src,
                                    std::string* error)>;

  Loader(StringDict predeclared, Dialect dialect, Finder finder)
      : predeclared_(std::move(predeclared)), dialect_(dialect), finder_(std::move(finder)) {}

  // Loads (or returns the cached) module. Suitable as Thread::load.
  StringDict Load(Thread& th, const std::string& module);

  // Installs this loader as th.load.
  void Attach(Thread& th);

 private:
  StringDict predeclared_;
  Dialect dialect_;
  Finder finder_;
  std::mutex mu_;
  std::map<std::string, std::shared_future<StringDict>> cache_;
};

// A Finder that looks for module files in the given directories.
Loader::Finder DirectoryFinder(std::vector<std::string> dirs);

}  // namespace tinyrange::starlark
