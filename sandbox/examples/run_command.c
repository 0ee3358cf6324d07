/* An example of embedding tinyrange: runs a command in a fresh VM with
 * some packages installed, feeds it our stdin, streams its output, and
 * prints the result record.
 *
 *   run_command [--kernel K] [--base B] PACKAGE... -- COMMAND ARGS...
 *
 * Build against an installed tinyrange:
 *   cc run_command.c $(pkg-config --cflags --libs tinyrange) -o run_command
 */
#include <stdio.h>
#include <string.h>
#include <tinyrange.h>
#include <unistd.h>

int main(int argc, char** argv) {
  tinyrange_request* request = tinyrange_request_new();
  if (!request) return 1;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; ++i) {
    if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) {
      tinyrange_request_set_kernel(request, argv[++i]);
    } else if (strcmp(argv[i], "--base") == 0 && i + 1 < argc) {
      tinyrange_request_set_base(request, argv[++i]);
    } else {
      tinyrange_request_add_package(request, argv[i]);
    }
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: %s [--kernel K] [--base B] PACKAGE... -- COMMAND ARGS...\n", argv[0]);
    tinyrange_request_free(request);
    return 2;
  }
  tinyrange_request_set_command(request, (const char* const*)(argv + i + 1));
  tinyrange_request_set_timeout(request, 600);

  /* Our stdin is the command's, up to its end; the command's stdout and
   * stderr go to ours, kept apart. */
  tinyrange_io io = {sizeof io, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, NULL, NULL, NULL};
  tinyrange_result* result = NULL;
  int ran = tinyrange_run(request, &io, &result);
  tinyrange_request_free(request);
  if (!result) return 1;
  /* The library never exits the process: we are still here either way. */
  if (ran != 0) fprintf(stderr, "run_command: the VM did not run: %s\n", tinyrange_result_error(result));
  fprintf(stderr, "run_command: result %s\n", tinyrange_result_json(result));
  int status = tinyrange_result_exit_status(result);
  tinyrange_result_free(result);
  return status;
}
