#include "guest-init/block_device_lookup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

namespace tinyrange {

int FindDevice(const DeviceClass& devices, const char* value, char* name, size_t name_size) {
  DIR* dir = opendir(devices.sys_dir);
  if (dir == nullptr) return errno;
  size_t value_length = strlen(value);
  int result = ENOENT;
  while (struct dirent* d = readdir(dir)) {
    if (d->d_name[0] == '.') continue;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", devices.sys_dir, d->d_name, devices.attribute);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // not every block device has a serial
    char text[96];
    ssize_t n = read(fd, text, sizeof(text));
    close(fd);
    if (n <= 0) continue;
    size_t length = static_cast<size_t>(n);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\0')) --length;
    if (length != value_length || memcmp(text, value, length) != 0) continue;
    if (strlen(d->d_name) >= name_size) {
      result = ENAMETOOLONG;
      break;
    }
    strcpy(name, d->d_name);
    result = 0;
    break;
  }
  closedir(dir);
  return result;
}

int WaitForDevice(const DeviceClass& devices, const char* value, int timeout_ms, char* path, size_t path_size,
                  char* error, size_t error_size) {
  const int kPollMs = 20;
  int err = ENOENT;
  char name[64] = "";
  for (int waited = 0;; waited += kPollMs) {
    err = FindDevice(devices, value, name, sizeof(name));
    if (err == 0) {
      if (static_cast<size_t>(snprintf(path, path_size, "%s/%s", devices.dev_dir, name)) >= path_size) {
        snprintf(error, error_size, "%s \"%s\": %s", devices.noun, value, strerror(ENAMETOOLONG));
        return -1;
      }
      if (access(path, F_OK) == 0) return 0;
      err = errno;
      if (err != ENOENT) {
        snprintf(error, error_size, "%s \"%s\" (%s): %s", devices.noun, value, path, strerror(err));
        return -1;
      }
    } else if (err != ENOENT) {
      break;
    }
    if (waited >= timeout_ms) break;
    struct timespec delay = {0, kPollMs * 1000000L};
    nanosleep(&delay, nullptr);
  }
  if (err == ENOENT) {
    snprintf(error, error_size, "no %s \"%s\" (none in %s after %d ms)", devices.noun, value, devices.sys_dir,
             timeout_ms);
  } else {
    snprintf(error, error_size, "%s \"%s\": %s", devices.noun, value, strerror(err));
  }
  return -1;
}

int OpenDevice(const DeviceClass& devices, const char* value, int flags, int timeout_ms, char* error,
               size_t error_size) {
  char path[600];
  if (WaitForDevice(devices, value, timeout_ms, path, sizeof(path), error, error_size) != 0) return -1;
  int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0) snprintf(error, error_size, "%s \"%s\" (%s): %s", devices.noun, value, path, strerror(errno));
  return fd;
}

}  // namespace tinyrange
