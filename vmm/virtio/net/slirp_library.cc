#include "vmm/virtio/net/slirp_library.h"

#include <dlfcn.h>

#include <string>

#include "vmm/vmm_error.h"

namespace tinyrange::virtio {
namespace {

SlirpLibrary Load() {
  void* handle = dlopen("libslirp.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw VmmError(std::string("user networking needs libslirp (Debian package libslirp0): ") + (why ? why : "not found"));
  }
  SlirpLibrary lib{};
  auto bind = [&](auto& field, const char* name) {
    void* symbol = dlsym(handle, name);
    if (!symbol) throw VmmError(std::string("libslirp.so.0 has no ") + name + ": the installed libslirp is too old");
    field = reinterpret_cast<std::remove_reference_t<decltype(field)>>(symbol);
  };
  bind(lib.slirp_new, "slirp_new");
  bind(lib.slirp_cleanup, "slirp_cleanup");
  bind(lib.slirp_input, "slirp_input");
  bind(lib.slirp_pollfds_fill, "slirp_pollfds_fill");
  bind(lib.slirp_pollfds_poll, "slirp_pollfds_poll");
  bind(lib.slirp_add_hostfwd, "slirp_add_hostfwd");
  return lib;  // the handle stays open for the life of the process
}

}  // namespace

const SlirpLibrary& SlirpLibrary::Get() {
  static const SlirpLibrary library = Load();
  return library;
}

}  // namespace tinyrange::virtio
