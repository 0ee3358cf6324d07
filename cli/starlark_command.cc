#include "cli/starlark_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/starlark_repl.h"
#include "starlark/builtins.h"
#include "starlark/eval.h"
#include "starlark/loader.h"
#include "starlark/ops.h"
#include "starlark/test_runner.h"

namespace tinyrange::cli {
namespace {

namespace sl = tinyrange::starlark;

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: tr starlark [--option=NAME]... FILE [ARGS...]\n"
               "       tr starlark [--option=NAME]...          (a REPL on stdin)\n"
               "       tr starlark test [--lib DIR]... [-v] FILE...\n"
               "\n"
               "Runs a Starlark file; ARGS are available to it as the tuple argv.\n"
               "Dialect options (also `# option:NAME` in a file): set, while,\n"
               "recursion, globalreassign, toplevelcontrol.\n");
}

int RunTests(int argc, char** argv) {
  sl::TestRunOptions opts;
  std::vector<std::string> files;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--lib" && i + 1 < argc) {
      opts.lib_dirs.push_back(argv[++i]);
    } else if (a.rfind("--lib=", 0) == 0) {
      opts.lib_dirs.push_back(a.substr(6));
    } else if (a == "-v" || a == "--verbose") {
      opts.verbose = true;
    } else if (a == "--help" || a == "-h") {
      Usage(stdout);
      return 0;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    Usage(stderr);
    return kExitUsage;
  }
  auto r = sl::RunTestFiles(files, opts, stdout);
  return r.failed == 0 ? 0 : 1;
}

}  // namespace

int StarlarkCommand(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "test") == 0) return RunTests(argc - 1, argv + 1);
  sl::Dialect dialect;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != 0; i++) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      Usage(stdout);
      return 0;
    }
    if (a.rfind("--option=", 0) != 0) {
      std::fprintf(stderr, "tr starlark: unknown flag %s\n", a.c_str());
      Usage(stderr);
      return kExitUsage;
    }
    dialect.ApplyFileOptions("# option:" + a.substr(9) + "\n");
  }
  if (i >= argc) {
    // No file: the REPL, on stdin (prompts only on a terminal).
    sl::StringDict predeclared = sl::StandardLibrary();
    predeclared["argv"] = sl::MakeTuple({});
    return RunStarlarkRepl(stdin, isatty(STDIN_FILENO) != 0, predeclared, dialect);
  }
  std::string file = argv[i];
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tr starlark: cannot read %s\n", file.c_str());
    return 1;
  }
  std::ostringstream ss;
  ss << in.rdbuf();

  sl::StringDict predeclared = sl::StandardLibrary();
  std::vector<sl::Value> args;
  for (int k = i; k < argc; k++) args.push_back(sl::MakeString(argv[k]));
  predeclared["argv"] = sl::MakeTuple(std::move(args));

  std::string dir = file.find('/') == std::string::npos ? "." : file.substr(0, file.rfind('/'));
  sl::Loader loader(predeclared, dialect, sl::DirectoryFinder({dir}));
  sl::Thread th;
  th.name = "main";
  th.print = [](sl::Thread&, const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
  };
  loader.Attach(th);
  try {
    sl::ExecFile(th, file, ss.str(), predeclared, dialect);
  } catch (sl::Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s\n", e.Render().c_str());
    return 1;
  }
  return 0;
}

}  // namespace tinyrange::cli
