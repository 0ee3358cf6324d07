#include "guest-init/command_env.h"

#include <string.h>

#include "guest-init/path_search.h"

namespace tinyrange {

namespace {
// A static string so that the default entry needs no allocation.
constexpr const char kDefaultPathEntry[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
static_assert(std::string_view(kDefaultPathEntry + 5) == kDefaultPath);
}  // namespace

size_t CommandEnvSlots(const InitConfigView& config) {
  return config.env_count + (config.has_path_env ? 0 : 1) + 1;
}

void BuildCommandEnv(const InitConfigView& config, const char** envp) {
  size_t n = 0;
  InitConfigCursor cursor(config);
  InitConfigRecord record;
  while (cursor.Next(&record)) {
    if (record.key == InitConfigKey::kEnv) envp[n++] = record.value.data();
  }
  if (!config.has_path_env) envp[n++] = kDefaultPathEntry;
  envp[n] = nullptr;
}

const char* FindPathInEnv(const char* const* envp) {
  for (; *envp != nullptr; ++envp) {
    if (strncmp(*envp, "PATH=", 5) == 0) return *envp + 5;
  }
  return nullptr;
}

}  // namespace tinyrange
