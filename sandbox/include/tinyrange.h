/* tinyrange: run a command in a fresh virtual machine with distribution
 * packages installed, from C or C++.
 *
 *   tinyrange_request* request = tinyrange_request_new();
 *   tinyrange_request_add_package(request, "busybox");
 *   const char* argv[] = {"busybox", "uname", "-a", NULL};
 *   tinyrange_request_set_command(request, argv);
 *   tinyrange_result* result = NULL;
 *   tinyrange_run(request, NULL, &result);
 *   printf("%d %s\n", tinyrange_result_exit_status(result), tinyrange_result_json(result));
 *   tinyrange_result_free(result);
 *   tinyrange_request_free(request);
 *
 * The library never exits the process and installs no signal handler other
 * than a no-op one for a real-time signal (SIGRTMIN) that wakes its vCPU
 * threads; several VMs may run at once from different threads. A VM needs
 * read and write access to /dev/kvm. Packages, archives and kernels are
 * built once and kept in the tinyrange cache ($XDG_CACHE_HOME/tinyrange),
 * shared safely with `tinyrange` commands and other processes.
 *
 * Stable C API, version 1. All strings are UTF-8 (or bytes) and
 * NUL-terminated; the library copies what it is given.
 */
#ifndef TINYRANGE_H
#define TINYRANGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TINYRANGE_API_VERSION 1

typedef struct tinyrange_request tinyrange_request;
typedef struct tinyrange_result tinyrange_result;

/* A request with the defaults: Debian bookworm, its essential packages plus
 * busybox, the distribution's kernel, 1 vCPU, memory for the root file
 * system, no network, no shared directory, no timeout, an interactive
 * shell as the command. NULL only when out of memory. */
tinyrange_request* tinyrange_request_new(void);
void tinyrange_request_free(tinyrange_request* request);

/* "debian:bookworm" or "alpine:VERSION". */
void tinyrange_request_set_distro(tinyrange_request* request, const char* distro);
/* Where packages come from: a Debian mirror (default: the machine's apt
 * sources, or $TR_DEBIAN_MIRROR), an Alpine mirror (default:
 * $TR_ALPINE_MIRROR) and the directory of Alpine's signing keys (default:
 * $TR_ALPINE_KEYS, else /etc/apk/keys). NULL or "" means the default. */
void tinyrange_request_set_debian_mirror(tinyrange_request* request, const char* uri);
void tinyrange_request_set_alpine_mirror(tinyrange_request* request, const char* uri);
void tinyrange_request_set_alpine_keys(tinyrange_request* request, const char* directory);
/* Debian's base set under the packages: "none", "essential" or "required". */
void tinyrange_request_set_base(tinyrange_request* request, const char* base);
void tinyrange_request_add_package(tinyrange_request* request, const char* package);
/* A package plan from a build file, "FILE.star:NAME", instead of packages. */
void tinyrange_request_set_plan_file(tinyrange_request* request, const char* target);
/* "distro" (the default: the distribution's own kernel), "debian", "minimal"
 * or a kernel file. */
void tinyrange_request_set_kernel(tinyrange_request* request, const char* kernel);
void tinyrange_request_set_cpus(tinyrange_request* request, uint32_t cpus);
/* The memory limit of the VM (the whole guest, root file system included). */
void tinyrange_request_set_memory_mib(tinyrange_request* request, uint64_t memory_mib);
/* Build the root file system on an ext4 scratch disk of this many MiB
 * (sparse, removed after the run) instead of in the VM's memory. */
void tinyrange_request_set_storage_mib(tinyrange_request* request, uint64_t storage_mib);
/* Wall-clock limit; the run then ends with exit status 253. 0: none. */
void tinyrange_request_set_timeout(tinyrange_request* request, double seconds);
/* Share a host directory over virtio-fs, mounted at the same path in the
 * guest; the first one is the command's default working directory. */
void tinyrange_request_add_share(tinyrange_request* request, const char* directory, int read_only);
void tinyrange_request_set_workdir(tinyrange_request* request, const char* directory);
/* User networking (no privileges needed). */
void tinyrange_request_set_network(tinyrange_request* request, int enabled);
void tinyrange_request_add_env(tinyrange_request* request, const char* name_equals_value);
/* argv: NULL-terminated; argv[0] is looked up on the guest's PATH. */
void tinyrange_request_set_command(tinyrange_request* request, const char* const* argv);
void tinyrange_request_set_ignore_script_errors(tinyrange_request* request, int ignore);
/* The tinyrange cache; NULL or "": the default. */
void tinyrange_request_set_cache_dir(tinyrange_request* request, const char* directory);

/* Where the command's streams go. Each output is a file descriptor or a
 * callback (called from a VM thread; keep it short); with neither it is
 * discarded. stdin_fd, if not -1, is read until end of file and is the
 * command's stdin, which then ends as well; with -1 the command's stdin is
 * at end of file. Output bytes arrive unchanged (no terminal in between).
 * The structure may grow: set struct_size. */
typedef void (*tinyrange_output_callback)(void* user, const char* data, size_t length);
typedef struct tinyrange_io {
  size_t struct_size; /* sizeof(tinyrange_io) */
  int stdin_fd;       /* -1: none */
  int stdout_fd;      /* -1: use on_stdout */
  int stderr_fd;      /* -1: use on_stderr */
  tinyrange_output_callback on_stdout;
  tinyrange_output_callback on_stderr;
  void* user;
} tinyrange_io;

/* Prepares (builds or loads from the cache) and runs `request`. Returns 0
 * when the VM ran (whatever the command's status), -1 when it could not:
 * the result then says why (tinyrange_result_error). *result is always set
 * unless out of memory; free it with tinyrange_result_free. io may be NULL
 * (outputs discarded). Blocks until the VM ends. */
int tinyrange_run(const tinyrange_request* request, const tinyrange_io* io, tinyrange_result** result);

/* The command's exit status, or tinyrange's status for a run that failed
 * around it (as `tinyrange run` exits: 124 an install script failed, 125
 * guest-init failed, 126/127 the command is not executable / not found,
 * 1 preparing failed, 2 a bad request, 250 no VM could start, 251-254 the
 * VM ended without a status, crashed, timed out or was stopped). */
int tinyrange_result_exit_status(const tinyrange_result* result);
/* The result record, the same JSON object `tinyrange run --json` prints. */
const char* tinyrange_result_json(const tinyrange_result* result);
/* Why the run failed, or NULL. */
const char* tinyrange_result_error(const tinyrange_result* result);
void tinyrange_result_free(tinyrange_result* result);

#ifdef __cplusplus
}
#endif

#endif /* TINYRANGE_H */
