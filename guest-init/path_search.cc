#include "guest-init/path_search.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tinyrange {

int FindCommand(const char* name, const char* path, char* out, size_t out_size) {
  size_t name_len = strlen(name);
  if (name_len == 0) return ENOENT;
  if (strchr(name, '/') != nullptr) {
    if (name_len + 1 > out_size) return ENAMETOOLONG;
    memcpy(out, name, name_len + 1);
    return 0;
  }
  if (path == nullptr) path = kDefaultPath;

  int result = ENOENT;
  const char* element = path;
  for (;;) {
    const char* end = strchr(element, ':');
    size_t dir_len = end ? static_cast<size_t>(end - element) : strlen(element);
    // dir + '/' + name + NUL; an empty element is the current directory.
    size_t needed = (dir_len == 0 ? 2 : dir_len + 1) + name_len + 1;
    if (needed > out_size) {
      result = ENAMETOOLONG;
    } else {
      size_t n = 0;
      if (dir_len == 0) {
        out[n++] = '.';
      } else {
        memcpy(out, element, dir_len);
        n = dir_len;
      }
      out[n++] = '/';
      memcpy(out + n, name, name_len + 1);
      struct stat st;
      if (stat(out, &st) == 0) {
        if (S_ISREG(st.st_mode) && access(out, X_OK) == 0) return 0;
        // Keep looking, as execvp does, but remember that something was
        // there: "permission denied" says more than "not found".
        result = EACCES;
      }
    }
    if (end == nullptr) break;
    element = end + 1;
  }
  if (out_size > 0) out[0] = '\0';
  return result;
}

}  // namespace tinyrange
