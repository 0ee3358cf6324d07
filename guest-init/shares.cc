#include "guest-init/shares.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "guest-init/log.h"

namespace tinyrange {

int MakeDirectories(const char* path) {
  char buffer[PATH_MAX];
  size_t length = strlen(path);
  if (length >= sizeof(buffer)) return ENAMETOOLONG;
  memcpy(buffer, path, length + 1);
  for (size_t i = 1; i <= length; ++i) {
    if (buffer[i] != '/' && buffer[i] != '\0') continue;
    char saved = buffer[i];
    buffer[i] = '\0';
    if (mkdir(buffer, 0755) != 0 && errno != EEXIST) return errno;
    buffer[i] = saved;
  }
  return 0;
}

void MountShares(const InitConfigView& config) {
  InitConfigCursor cursor(config);
  InitConfigRecord record;
  while (cursor.Next(&record)) {
    if (record.key != InitConfigKey::kShare) continue;
    InitShareView share;
    ParseInitShare(record.value, &share);  // validated with the config
    char tag[256], path[PATH_MAX];
    if (share.tag.size() >= sizeof(tag) || share.path.size() >= sizeof(path)) {
      LogError2("share ", record.value.data(), "tag or path too long");
      continue;
    }
    memcpy(tag, share.tag.data(), share.tag.size());
    tag[share.tag.size()] = '\0';
    memcpy(path, share.path.data(), share.path.size());
    path[share.path.size()] = '\0';
    int err = MakeDirectories(path);
    if (err != 0) {
      LogErrno2("create share mount point ", path, err);
      continue;
    }
    if (mount(tag, path, "virtiofs", share.read_only ? MS_RDONLY : 0, "") != 0) {
      LogErrno2("mount virtiofs share ", record.value.data(), errno);
    }
  }
}

}  // namespace tinyrange
