// `tr run`, the builder's half (in the builder module): the command line
// made into a request, prepared by the sandbox library's PrepareRun; `tr`
// boots the plan with its VMM (run_command.cc) and hands the outcome back
// to tinyrange_run_finish (cli/run_protocol.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "builder/build/definition.h"
#include "cli/command_options.h"
#include "cli/commands.h"
#include "cli/run_protocol.h"
#include "builder/download/cache_paths.h"
#include "sandbox/prepare_run.h"
#include "sandbox/run_memo.h"
#include "starlark/value.h"

namespace tinyrange::cli {
using nlohmann::json;

namespace {

struct CliRunOptions {
  sandbox::RunRequest request;
  bool json = false;
  bool print_plan = false;
  bool verbose_boot = false;
};

// Alive between prepare and finish: its use locks keep the cache entries
// the VM reads from being collected while it runs.
sandbox::PreparedRun* g_prepared = nullptr;
bool g_print_record = false;
// A run that captures its install scripts' effect cannot leave a memo of
// itself (the next run reads the cached state instead); once the state is
// stored, finish prepares the next run's plan and leaves its memo, so the
// second run is already a warm one.
struct MemoAfterCapture {
  json memo_request;  // RunMemoRequest of this command line, taken at prepare time
  CliRunOptions options;
};
std::optional<MemoAfterCapture> g_memo_after_capture;

// Leaves the memo of `run` for `memo_request` (sandbox/run_memo.h), when a
// warm run can start from it: nothing comes back from the guest, and the
// run makes no files of its own (a --file VM's archives, a storage disk).
// `plan_json` is the run's plan as SerializeVmPlan wrote it.
void LeaveRunMemo(const json& memo_request, const CliRunOptions& options, const sandbox::PreparedRun& run,
                  const json& plan_json) {
  std::string post_install;
  if (run.state.contains("post_install") && run.state["post_install"].is_string()) {
    post_install = run.state["post_install"].get<std::string>();
  }
  if (!options.request.file_target.empty() || options.request.storage_mib ||
      (post_install != "none" && post_install != "cached")) {
    return;
  }
  sandbox::RunMemoContents memo{plan_json, run.state, run.entries, options.json, options.verbose_boot};
  sandbox::WriteRunMemo(download::CacheRoot(), memo_request, TINYRANGE_VERSION, memo);
}

std::optional<CliRunOptions> ParseRunOptions(int argc, char** argv, int* status) {
  cxxopts::Options spec("tr run",
                        "Run a command in a fresh VM with the given packages installed.\n\n"
                        "  tr run [-p PKG]... [-- COMMAND ARGS...]\n\n"
                        "Without a command on a terminal, an interactive shell. The command's exit\n"
                        "status is tr's. Install scripts run at the first boot of a package set; their\n"
                        "effect is cached, so later runs of the same set skip them.");
  spec.add_options()
      ("distro", "debian:SUITE or alpine:VERSION", cxxopts::value<std::string>()->default_value("debian:bookworm"))
      ("debian-mirror", "Debian mirror URI (default: from /etc/apt/sources.list*; also TR_DEBIAN_MIRROR)",
       cxxopts::value<std::string>())
      ("alpine-mirror", "Alpine mirror URI (or TR_ALPINE_MIRROR; needed for alpine:)", cxxopts::value<std::string>())
      ("alpine-keys", "directory of Alpine's signing keys (or TR_ALPINE_KEYS; default /etc/apk/keys)",
       cxxopts::value<std::string>())
      ("p,package", "a package to install (repeat); default: busybox", cxxopts::value<std::vector<std::string>>())
      ("base", "Debian's base set: none, essential (default) or required", cxxopts::value<std::string>()->default_value("essential"))
      ("file", "a target of a build file, FILE.star:NAME, instead of -p: a package plan, or a define.build_vm "
               "VM (its root, environment and commands, then COMMAND or its default_interactive)",
       cxxopts::value<std::string>())
      ("kernel", "distro (the default: the distribution's own, Debian's cloud kernel or Alpine's linux-virt), "
                 "minimal (kernel-config/) or a PATH", cxxopts::value<std::string>()->default_value("default"))
      ("cpus", "vCPUs", cxxopts::value<uint32_t>()->default_value("1"))
      ("memory", "guest memory in MiB (default: enough for the root file system, at least 512)", cxxopts::value<uint64_t>())
      ("storage", "build the root file system on an ext4 scratch disk of this many MiB (sparse, removed after the "
                  "run) instead of in guest memory", cxxopts::value<uint64_t>())
      ("share", "share a host directory: DIR[:TAG][,ro]; mounted at the same path in the guest", cxxopts::value<std::vector<std::string>>())
      ("workdir", "working directory of the command (default: the first share, else /root)", cxxopts::value<std::string>())
      ("net", "user networking (no root needed)")
      ("publish", "publish a host port: [ADDR:]HOST_PORT:GUEST_PORT[/udp] (implies --net)", cxxopts::value<std::vector<std::string>>())
      ("env", "environment variable NAME=VALUE for the command (repeat)", cxxopts::value<std::vector<std::string>>())
      ("timeout", "end the VM after this many seconds", cxxopts::value<double>())
      ("json", "print one result record (JSON) to stderr when the VM ends")
      ("ignore-script-errors", "report failing install scripts but run the command anyway")
      ("print-plan", "build everything, print the VM plan (JSON) and exit without booting; the files it names "
                     "stay until tr cache gc")
      ("verbose-boot", "show the kernel's boot messages")
      ("j,jobs", "parallel build jobs (default: one per hardware thread)", cxxopts::value<int>()->default_value("0"))
      ("offline", "use only the cache; fail where the network is needed")
      ("v,verbose", "print each definition as it is built")
      ("h,help", "show this help")
      ("command", "command to run in the guest", cxxopts::value<std::vector<std::string>>());
  spec.parse_positional({"command"});
  spec.positional_help("[-- COMMAND ARGS...]");
  cxxopts::ParseResult args;
  try {
    args = spec.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "tr run: %s (see tr run --help)\n", e.what());
    *status = kExitUsage;
    return std::nullopt;
  }
  if (args.count("help")) {
    std::printf("%s\n", spec.help().c_str());
    *status = 0;
    return std::nullopt;
  }
  CliRunOptions cli;
  sandbox::RunRequest& o = cli.request;
  o.distro = args["distro"].as<std::string>();
  if (args.count("package")) o.packages = args["package"].as<std::vector<std::string>>();
  o.base = args["base"].as<std::string>();
  if (args.count("file")) o.file_target = args["file"].as<std::string>();
  o.kernel = args["kernel"].as<std::string>();
  o.cpus = args["cpus"].as<uint32_t>();
  if (args.count("debian-mirror")) o.debian_mirror = args["debian-mirror"].as<std::string>();
  if (args.count("alpine-mirror")) o.alpine_mirror = args["alpine-mirror"].as<std::string>();
  if (args.count("alpine-keys")) o.alpine_keys = args["alpine-keys"].as<std::string>();
  if (args.count("memory")) o.memory_mib = args["memory"].as<uint64_t>();
  if (args.count("storage")) o.storage_mib = args["storage"].as<uint64_t>();
  if (args.count("share")) o.shares = args["share"].as<std::vector<std::string>>();
  if (args.count("workdir")) o.workdir = args["workdir"].as<std::string>();
  if (args.count("publish")) o.publish = args["publish"].as<std::vector<std::string>>();
  o.net = args.count("net") > 0 || !o.publish.empty();
  if (args.count("env")) o.env = args["env"].as<std::vector<std::string>>();
  if (args.count("timeout")) {
    o.timeout_seconds = args["timeout"].as<double>();
    if (!(o.timeout_seconds > 0)) {
      std::fprintf(stderr, "tr run: --timeout must be a positive number of seconds\n");
      *status = kExitUsage;
      return std::nullopt;
    }
  }
  cli.json = args.count("json") > 0;
  o.ignore_script_errors = args.count("ignore-script-errors") > 0;
  cli.print_plan = args.count("print-plan") > 0;
  o.keep_generated_files = cli.print_plan;
  cli.verbose_boot = args.count("verbose-boot") > 0;
  if (args.count("verbose")) {
    auto log_mutex = std::make_shared<std::mutex>();
    o.log = [log_mutex](const std::string& line) {
      std::lock_guard<std::mutex> lock(*log_mutex);
      std::fprintf(stderr, "tr run: %s\n", line.c_str());
    };
  }
  o.offline = args.count("offline") > 0;
  o.jobs = args["jobs"].as<int>();
  if (args.count("command")) o.command = args["command"].as<std::vector<std::string>>();
  if (!o.file_target.empty() && !o.packages.empty()) {
    std::fprintf(stderr, "tr run: give packages with -p or a plan with --file, not both\n");
    *status = kExitUsage;
    return std::nullopt;
  }
  if (o.base != "none" && o.base != "essential" && o.base != "required") {
    std::fprintf(stderr, "tr run: --base %s: expected none, essential or required\n", o.base.c_str());
    *status = kExitUsage;
    return std::nullopt;
  }
  // Without a command: a shell, which needs a terminal.
  o.interactive = o.command.empty();
  if (o.interactive && !cli.print_plan && !isatty(STDIN_FILENO)) {
    std::fprintf(stderr, "tr run: no command given and stdin is not a terminal: give the command after --, "
                         "e.g. tr run -p busybox -- busybox uname -a\n");
    *status = kExitUsage;
    return std::nullopt;
  }
  if (const char* term = std::getenv("TERM"); term && isatty(STDOUT_FILENO)) o.term = term;
  // A command gets a terminal when ours is one on both ends, as a shell
  // pipeline would give it; otherwise a pipe that ends.
  o.terminal = o.interactive || (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
  return cli;
}

}  // namespace

}  // namespace tinyrange::cli

using namespace tinyrange;
using namespace tinyrange::cli;

extern "C" __attribute__((visibility("default"))) int tinyrange_run_prepare(int argc, char** argv, char** prepared) {
  *prepared = nullptr;
  int status = 0;
  std::optional<CliRunOptions> options = ParseRunOptions(argc, argv, &status);
  if (!options) return status;
  try {
    std::unique_ptr<sandbox::PreparedRun> run = sandbox::PrepareRun(options->request);
    if (options->print_plan) {
      std::fputs(SerializeVmPlan(run->plan).c_str(), stdout);
      return 0;
    }
    json plan_json = json::parse(SerializeVmPlan(run->plan));
    // A warm run that needs nothing back from the guest can start from a
    // memo next time, without this module (sandbox/run_memo.h).
    json memo_request = sandbox::RunMemoRequest(argc, argv);
    LeaveRunMemo(memo_request, *options, *run, plan_json);
    if (run->state.contains("post_install") && run->state["post_install"] == "run") {
      g_memo_after_capture = MemoAfterCapture{memo_request, *options};
    }
    json state = {{"plan", plan_json}, {"verbose_boot", options->verbose_boot}};
    *prepared = strdup(state.dump().c_str());
    g_print_record = options->json;
    g_prepared = run.release();
    return kRunPrepared;
  } catch (const sandbox::RequestError& e) {
    std::fprintf(stderr, "tr run: %s\n", e.what());
    return kExitUsage;
  } catch (const starlark::Error& e) {
    std::fprintf(stderr, "%s\n", e.Render().c_str());
    return kExitRunBuildFailed;
  } catch (const build::BuildError& e) {
    std::fprintf(stderr, "tr run: preparing the VM failed:\n%s\n", e.what());
    return kExitRunBuildFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tr run: %s\n", e.what());
    return kExitRunBuildFailed;
  }
}

extern "C" __attribute__((visibility("default"))) int tinyrange_run_finish(const char*, const char* outcome_text) {
  std::unique_ptr<sandbox::PreparedRun> prepared(g_prepared);
  g_prepared = nullptr;
  json outcome = json::parse(outcome_text, nullptr, false);
  if (!prepared || outcome.is_discarded()) {
    std::fprintf(stderr, "tr run: internal error: no prepared run to finish\n");
    return kExitVmmError;
  }
  json record = sandbox::FinishRun(*prepared, outcome);
  if (g_print_record) std::fprintf(stderr, "%s\n", record.dump().c_str());
  std::string stored;
  if (record.contains("post_install_state") && record["post_install_state"].is_string()) {
    stored = record["post_install_state"].get<std::string>();
  }
  if (g_memo_after_capture && (stored == "captured: stored" || stored == "captured: already cached")) {
    prepared.reset();  // its holds and capture disk go first
    try {
      CliRunOptions next = g_memo_after_capture->options;
      next.request.log = nullptr;  // quiet: everything is in the cache now
      std::unique_ptr<sandbox::PreparedRun> again = sandbox::PrepareRun(next.request);
      LeaveRunMemo(g_memo_after_capture->memo_request, next, *again, json::parse(SerializeVmPlan(again->plan)));
    } catch (const std::exception&) {
      // Only an optimisation: the next run prepares in full instead.
    }
  }
  g_memo_after_capture.reset();
  return outcome.value("exit_status", static_cast<int>(kExitVmmError));
}
