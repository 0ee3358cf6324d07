// The C API of include/tinyrange.h over the C++ sandbox runner. Nothing
// may throw across it: every entry point catches.
#include <unistd.h>

#include <cstring>
#include <new>
#include <string>

#include "builder/download/cache_file.h"
#include "sandbox/include/tinyrange.h"
#include "sandbox/sandbox_runner.h"

struct tinyrange_request {
  tinyrange::sandbox::RunRequest request;
};

struct tinyrange_result {
  int exit_status = 0;
  std::string json;
  std::string error;
};

#define TINYRANGE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

std::string Text(const char* s) { return s ? s : ""; }

std::function<void(std::string_view)> OutputFor(int fd, tinyrange_output_callback callback, void* user) {
  // A failed write (the caller closed its end) drops the rest of that
  // piece; the run goes on.
  if (fd >= 0) return [fd](std::string_view data) { tinyrange::download::WriteAll(fd, data.data(), data.size()); };
  if (callback) return [callback, user](std::string_view data) { callback(user, data.data(), data.size()); };
  return nullptr;
}

}  // namespace

TINYRANGE_EXPORT tinyrange_request* tinyrange_request_new(void) {
  auto* request = new (std::nothrow) tinyrange_request;
  if (request) request->request.command = {"/bin/sh"};
  return request;
}

TINYRANGE_EXPORT void tinyrange_request_free(tinyrange_request* request) { delete request; }

TINYRANGE_EXPORT void tinyrange_request_set_distro(tinyrange_request* r, const char* distro) {
  r->request.distro = Text(distro);
}
TINYRANGE_EXPORT void tinyrange_request_set_debian_mirror(tinyrange_request* r, const char* uri) {
  r->request.debian_mirror = Text(uri);
}
TINYRANGE_EXPORT void tinyrange_request_set_alpine_mirror(tinyrange_request* r, const char* uri) {
  r->request.alpine_mirror = Text(uri);
}
TINYRANGE_EXPORT void tinyrange_request_set_alpine_keys(tinyrange_request* r, const char* directory) {
  r->request.alpine_keys = Text(directory);
}
TINYRANGE_EXPORT void tinyrange_request_set_base(tinyrange_request* r, const char* base) { r->request.base = Text(base); }
TINYRANGE_EXPORT void tinyrange_request_add_package(tinyrange_request* r, const char* package) {
  r->request.packages.push_back(Text(package));
}
TINYRANGE_EXPORT void tinyrange_request_set_plan_file(tinyrange_request* r, const char* target) {
  r->request.file_target = Text(target);
}
TINYRANGE_EXPORT void tinyrange_request_set_kernel(tinyrange_request* r, const char* kernel) {
  r->request.kernel = kernel && *kernel ? kernel : "default";
}
TINYRANGE_EXPORT void tinyrange_request_set_cpus(tinyrange_request* r, uint32_t cpus) { r->request.cpus = cpus; }
TINYRANGE_EXPORT void tinyrange_request_set_memory_mib(tinyrange_request* r, uint64_t memory_mib) {
  r->request.memory_mib = memory_mib;
}

TINYRANGE_EXPORT void tinyrange_request_set_storage_mib(tinyrange_request* r, uint64_t storage_mib) {
  r->request.storage_mib = storage_mib;
}
TINYRANGE_EXPORT void tinyrange_request_set_timeout(tinyrange_request* r, double seconds) {
  r->request.timeout_seconds = seconds > 0 ? seconds : 0;
}
TINYRANGE_EXPORT void tinyrange_request_add_share(tinyrange_request* r, const char* directory, int read_only) {
  r->request.shares.push_back(Text(directory) + (read_only ? ",ro" : ""));
}
TINYRANGE_EXPORT void tinyrange_request_set_workdir(tinyrange_request* r, const char* directory) {
  r->request.workdir = Text(directory);
}
TINYRANGE_EXPORT void tinyrange_request_set_network(tinyrange_request* r, int enabled) { r->request.net = enabled != 0; }
TINYRANGE_EXPORT void tinyrange_request_add_env(tinyrange_request* r, const char* name_equals_value) {
  r->request.env.push_back(Text(name_equals_value));
}
TINYRANGE_EXPORT void tinyrange_request_set_command(tinyrange_request* r, const char* const* argv) {
  r->request.command.clear();
  for (size_t i = 0; argv && argv[i]; ++i) r->request.command.push_back(argv[i]);
}
TINYRANGE_EXPORT void tinyrange_request_set_ignore_script_errors(tinyrange_request* r, int ignore) {
  r->request.ignore_script_errors = ignore != 0;
}
TINYRANGE_EXPORT void tinyrange_request_set_cache_dir(tinyrange_request* r, const char* directory) {
  r->request.cache_root = Text(directory);
}

TINYRANGE_EXPORT int tinyrange_run(const tinyrange_request* request, const tinyrange_io* io, tinyrange_result** out) {
  *out = nullptr;
  auto* result = new (std::nothrow) tinyrange_result;
  if (!result) return -1;
  *out = result;
  try {
    tinyrange::sandbox::RunIo run_io;
    if (io) {
      // Fields past what the caller's struct_size covers keep their defaults.
      tinyrange_io given{};
      std::memcpy(&given, io, std::min(io->struct_size, sizeof given));
      run_io.stdin_fd = given.stdin_fd;
      run_io.on_stdout = OutputFor(given.stdout_fd, given.on_stdout, given.user);
      run_io.on_stderr = OutputFor(given.stderr_fd, given.on_stderr, given.user);
    }
    nlohmann::json record = tinyrange::sandbox::RunSandboxed(request->request, run_io);
    result->exit_status = record.value("exit_status", 1);
    result->json = record.dump();
    if (record.value("stop", "") == "not-started") {
      result->error = record.value("error", "the VM did not start");
      return -1;
    }
    return 0;
  } catch (const std::exception& e) {
    result->exit_status = 1;
    result->error = e.what();
    result->json = nlohmann::json{{"exit_status", 1}, {"stop", "not-started"}, {"error", e.what()}}.dump();
    return -1;
  }
}

TINYRANGE_EXPORT int tinyrange_result_exit_status(const tinyrange_result* result) { return result->exit_status; }
TINYRANGE_EXPORT const char* tinyrange_result_json(const tinyrange_result* result) { return result->json.c_str(); }
TINYRANGE_EXPORT const char* tinyrange_result_error(const tinyrange_result* result) {
  return result->error.empty() ? nullptr : result->error.c_str();
}
TINYRANGE_EXPORT void tinyrange_result_free(tinyrange_result* result) { delete result; }
