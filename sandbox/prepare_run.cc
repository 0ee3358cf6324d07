#include "sandbox/prepare_run.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "builder/build/build_file.h"
#include "builder/build/build_vm.h"
#include "builder/build/definitions.h"
#include "builder/build/install_archives.h"
#include "builder/build/kernel_bundle.h"
#include "builder/build/post_install_state.h"
#include "builder/fs_output/ext4_image.h"
#include "sandbox/build_vm_runner.h"
#include "sandbox/run_result.h"
#include "vmm/devices/control_device_abi.h"

namespace tinyrange::sandbox {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kArchivesDiskId = "tr-archives";
constexpr const char* kCaptureDiskId = "tr-capture";
constexpr const char* kStorageDiskId = "tr-storage";
// The input port a command without a terminal reads as stdin.
constexpr const char* kStdinPortName = "tinyrange.stdin";
// Sparse: only what guest-init writes takes space.
constexpr uint64_t kCaptureDiskBytes = 8ull << 30;

// DIR[:TAG][,ro] -> the VMM's share and guest-init's mount of it.
struct ShareSpec {
  PlanShare share;
  PlanInit::Mount mount;
};

ShareSpec ParseShare(std::string text, size_t index) {
  ShareSpec spec;
  if (text.size() > 3 && text.compare(text.size() - 3, 3, ",ro") == 0) {
    spec.share.read_only = true;
    text.resize(text.size() - 3);
  }
  std::string tag;
  size_t colon = text.rfind(':');
  if (colon != std::string::npos && colon > 0 && colon + 1 < text.size() &&
      text.find('/', colon) == std::string::npos) {
    tag = text.substr(colon + 1);
    text.resize(colon);
  }
  std::error_code ec;
  fs::path dir = fs::canonical(text, ec);
  if (ec || !fs::is_directory(dir)) throw RequestError("--share " + text + ": not a directory");
  spec.share.path = dir.string();
  spec.share.tag = tag.empty() ? "share" + std::to_string(index) : tag;
  spec.mount = {spec.share.tag, dir.string(), spec.share.read_only};
  return spec;
}

// The newest minimal kernel that scripts/build-kernel.sh left in the cache,
// or $TR_MINIMAL_KERNEL_DIR.
std::string MinimalKernel(const std::string& cache_root) {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("TR_MINIMAL_KERNEL_DIR")) candidates.push_back(dir);
  std::error_code ec;
  fs::path kernels = fs::path(cache_root) / "kernels";
  std::vector<std::pair<fs::file_time_type, fs::path>> built;
  for (const auto& entry : fs::directory_iterator(kernels, ec)) {
    if (entry.path().filename().string().rfind("minimal-", 0) != 0) continue;
    fs::path image = entry.path() / "vmlinux";
    if (fs::exists(image, ec)) built.emplace_back(fs::last_write_time(image, ec), entry.path());
  }
  std::sort(built.rbegin(), built.rend());
  for (const auto& [time, path] : built) candidates.push_back(path);
  for (const fs::path& dir : candidates) {
    if (fs::exists(dir / "vmlinux", ec)) return (dir / "vmlinux").string();
  }
  throw RequestError("--kernel minimal: no minimal kernel has been built (looked in $TR_MINIMAL_KERNEL_DIR and " +
                   kernels.string() + "). Build it once with scripts/build-kernel.sh (about 10 minutes), "
                   "or use --kernel debian.");
}

// A kernel named on the command line that needs no bundle: "minimal" or a
// kernel file.
std::string KernelFile(const std::string& choice, const std::string& cache_root) {
  if (choice == "minimal") return MinimalKernel(cache_root);
  std::error_code ec;
  if (!fs::is_regular_file(choice, ec)) {
    throw RequestError("--kernel " + choice + ": not distro, debian, minimal or an existing kernel file");
  }
  return fs::absolute(choice).string();
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Sums of build time per phase, from the engine's records.
json PhaseTimings(const build::BuildEngine& engine, size_t* built, size_t* cached) {
  double plan = 0, fetch = 0, convert = 0, other = 0;
  *built = *cached = 0;
  for (const auto& [hash, record] : engine.Records()) {
    if (record.cached) {
      ++*cached;
      continue;
    }
    ++*built;
    const std::string& d = record.describe;
    if (d.rfind("fetch_http", 0) == 0) {
      fetch += record.seconds;
    } else if (d.rfind("read_archive", 0) == 0) {
      convert += record.seconds;
    } else if (d.rfind("plan", 0) == 0) {
      plan += record.seconds;
    } else {
      other += record.seconds;
    }
  }
  return {{"plan_ms", plan * 1000}, {"fetch_ms", fetch * 1000}, {"convert_ms", convert * 1000},
          {"assemble_ms", other * 1000}};
}

// A package request for `distro` from where the run request says packages
// come from (its mirrors and keys); the caller names the packages.
build::PackageRequest PackageSource(const RunRequest& o, const std::string& distro) {
  build::PackageRequest request;
  request.distro = distro;
  request.debian_mirror = o.debian_mirror;
  request.alpine_mirror = o.alpine_mirror;
  request.alpine_keys = o.alpine_keys;
  return request;
}

// A run's own disk (capture or storage): a sparse file of `bytes` in the
// cache's temporaries, named KIND-XXXXXX (mkstemp: several runs may prepare
// at once, in one process or many). Returns its fd, flocked: held until the
// run is finished, so `tr cache gc` leaves it alone.
int CreateRunDisk(build::BuildCache& cache, const std::string& kind, uint64_t bytes, std::string* path) {
  fs::create_directories(cache.root() + "/tmp");
  std::string disk = cache.root() + "/tmp/" + kind + "-XXXXXX";
  int fd = mkostemp(disk.data(), O_CLOEXEC);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    int err = errno;
    if (fd >= 0) {
      close(fd);
      unlink(disk.c_str());
    }
    throw build::BuildError("cannot create the " + kind + " disk " + disk + ": " + std::strerror(err));
  }
  flock(fd, LOCK_EX);
  *path = disk;
  return fd;
}

// What every run sets the same way, whatever made its root: the console
// (split: the kernel's and guest-init's messages on the serial port, the
// host's stderr; the command on a virtio-console, with its stderr on the
// serial port unless it is interactive, so its stdout and stderr stay
// apart), the environment, shares, network, CPUs, memory and timeout.
// `archive_bytes` sizes the default memory: the root lives in a tmpfs.
void ApplyRunSettings(const RunRequest& o, uint64_t archive_bytes, VmPlan* plan, PlanInit* init) {
  plan->console = "split";
  init->console = "/dev/hvc0";
  if (!o.interactive) init->stderr_console = "/dev/ttyS0";
  if (!o.interactive && !o.terminal) {
    plan->input_port = kStdinPortName;
    init->stdin_port = kStdinPortName;
  }
  init->binary = o.guest_init;
  init->env = {"HOME=/root"};
  if (!o.term.empty()) init->env.push_back("TERM=" + o.term);
  for (const std::string& e : o.env) init->env.push_back(e);
  for (size_t i = 0; i < o.shares.size(); ++i) {
    ShareSpec share = ParseShare(o.shares[i], i);
    plan->shares.push_back(share.share);
    init->mounts.push_back(share.mount);
  }
  init->cwd = !o.workdir.empty() ? o.workdir : !init->mounts.empty() ? init->mounts[0].path : "/root";
  if (o.net) {
    plan->net = PlanNet{};
    plan->net->publish = o.publish;
    init->network = kUserNetworkGuestConfig;
  }
  plan->cpus = o.cpus;
  // tmpfs holds the unpacked root in guest memory: leave room for it, the
  // page cache of the archive disk and the command. Untouched guest memory
  // costs the host nothing. On a storage disk the root takes no memory.
  uint64_t needed_mib = 256 + (o.storage_mib ? 0 : 2 * (archive_bytes >> 20));
  uint64_t default_mib = std::max<uint64_t>(512, (needed_mib + 255) / 256 * 256);
  if (o.memory_mib && *o.memory_mib < needed_mib) {
    throw RequestError("--memory " + std::to_string(*o.memory_mib) + ": too little for this root file system. Its " +
                     std::to_string(archive_bytes >> 20) + " MiB of archives are unpacked into guest memory; give at least " +
                     std::to_string(needed_mib) + " MiB (or leave --memory out: the default is " +
                     std::to_string(default_mib) + " MiB), or put the root on a disk with --storage.");
  }
  plan->memory_mib = o.memory_mib.value_or(default_mib);
  if (o.timeout_seconds > 0) plan->timeout_ms = static_cast<uint64_t>(o.timeout_seconds * 1000);
  plan->init = *init;
  ValidateVmPlan(*plan, "");
}

}  // namespace

PreparedRun::~PreparedRun() {
  if (keep_generated_files_) {
    capture_disk.clear();
    storage_disk_.clear();
    scratch_dir_.clear();
  }
  if (!storage_disk_.empty()) {
    std::error_code ec;
    fs::remove(storage_disk_, ec);
  }
  if (storage_fd_ >= 0) close(storage_fd_);
  if (!capture_disk.empty()) {
    std::error_code ec;
    fs::remove(capture_disk, ec);
  }
  if (capture_fd_ >= 0) close(capture_fd_);
  if (!scratch_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(scratch_dir_, ec);
  }
  if (scratch_fd_ >= 0) close(scratch_fd_);
}

void PreparedRun::AddStorageDisk(build::BuildCache& cache, const RunRequest& o, uint64_t archive_bytes,
                                 VmPlan* vm_plan, PlanInit* init) {
  if (!o.storage_mib) return;
  // The unpacked root takes about what its archives hold; leave room for
  // the file system's own blocks and for what the command writes.
  uint64_t needed_mib = std::max<uint64_t>(64, (archive_bytes >> 20) * 5 / 4 + 32);
  if (*o.storage_mib < needed_mib) {
    throw RequestError("--storage " + std::to_string(*o.storage_mib) + ": too small for this root file system (" +
                       std::to_string(archive_bytes >> 20) + " MiB of archives); give at least " +
                       std::to_string(needed_mib) + " MiB, and more for what the command writes.");
  }
  std::string disk;
  storage_fd_ = CreateRunDisk(cache, "storage", *o.storage_mib << 20, &disk);
  storage_disk_ = disk;
  try {
    fs_output::FormatEmptyExt4(disk);
  } catch (const fs_output::FsOutputError& e) {
    throw build::BuildError(e.what());
  }
  PlanDisk storage;
  storage.path = disk;
  storage.id = kStorageDiskId;
  vm_plan->disks.push_back(storage);
  init->root_disk = kStorageDiskId;
}

std::string PreparedRun::UsePostInstallState(build::BuildCache& cache, const std::vector<std::string>& identities,
                                             size_t steps_part, PlanDisk* archives, uint64_t* archive_bytes,
                                             VmPlan* vm_plan, PlanInit* init) {
  std::string key = build::PostInstallStateKey(identities);
  std::unique_ptr<build::BuildCache::Hold> hold;
  if (auto cached_state = build::FindPostInstallState(cache, key, &hold)) {
    entries.push_back(key);
    // Last: the scripts ran over everything unpacked before them.
    archives->parts.erase(archives->parts.begin() + static_cast<std::ptrdiff_t>(steps_part));
    archives->parts.push_back(*cached_state);
    *archive_bytes += FileSize(*cached_state);
    holds_.push_back(std::move(hold));
    return "cached";
  }
  std::string disk;
  capture_fd_ = CreateRunDisk(cache, "capture", kCaptureDiskBytes, &disk);
  PlanDisk capture;
  capture.path = disk;
  capture.id = kCaptureDiskId;
  vm_plan->disks.push_back(capture);
  init->capture_disk = kCaptureDiskId;
  capture_disk = disk;
  capture_key_ = key;
  capture_archives_ = identities;
  return "run";
}

// `tr run --file FILE:NAME` where NAME is a define.build_vm: the VM's
// root, environment and setup commands, then the user's command — or its
// default_interactive command, or a shell. Its output file is not kept:
// that is what `tr build` is for. The install scripts' effect is cached as
// for a package run; the setup commands run at every boot.
std::unique_ptr<PreparedRun> PreparedRun::PrepareVmDefinitionRun(const RunRequest& o, const build::VmBuildSpec& spec,
                                                                 std::unique_ptr<PreparedRun> prepared_run,
                                                                 std::chrono::steady_clock::time_point start) {
  build::BuildEngine& engine = *prepared_run->engine_;
  const std::string& cache_root = engine.options().cache_root;
  // The generated archives (added files, the commands' script) live in a
  // flocked directory among the cache's temporaries until the run ends.
  fs::create_directories(engine.cache().root() + "/tmp");
  std::string scratch = engine.cache().root() + "/tmp/run-XXXXXX";
  if (!mkdtemp(scratch.data())) throw build::BuildError("cannot create " + scratch + ": " + std::strerror(errno));
  prepared_run->scratch_dir_ = scratch;
  prepared_run->scratch_fd_ = open(scratch.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (prepared_run->scratch_fd_ >= 0) flock(prepared_run->scratch_fd_, LOCK_EX);

  VmPlan plan;
  PlanInit init;
  std::string what = "tr run --file " + o.file_target;
  if (o.kernel == "default" || o.kernel == "distro") {  // the VM's own kernel
    build::AddVmKernel(engine.Build(spec.kernel), &plan, &init, what);
  } else if (o.kernel == "debian") {
    build::AddVmKernel(engine.Build(build::DebianCloudKernel("debian:bookworm")), &plan, &init, what);
  } else {
    plan.kernel = KernelFile(o.kernel, cache_root);
  }
  PlanDisk archives;
  archives.id = kArchivesDiskId;
  archives.read_only = true;
  build::VmRootParts root = build::AssembleVmRoot(
      spec, [&engine](const build::DefinitionPtr& d) { return engine.Build(d); }, scratch, cache_root, what);
  archives.parts = root.parts;
  uint64_t archive_bytes = 0;
  for (const std::string& part : archives.parts) archive_bytes += FileSize(part);
  std::string post_install = "none";
  if (root.steps_part) {
    // The scripts run over every part unpacked before them, so every part
    // names the state, except the commands' script: it only lands in
    // tinyrange's own /.tinyrange/build, and editing a setup command
    // should not run the package scripts again.
    std::vector<std::string> identities;
    for (size_t i = 0; i < root.parts.size(); ++i) {
      if (i != root.script_part) identities.push_back(build::ArchiveIdentity(engine.cache(), root.parts[i]));
    }
    post_install = prepared_run->UsePostInstallState(engine.cache(), identities, *root.steps_part, &archives,
                                                     &archive_bytes, &plan, &init);
  }
  plan.disks.insert(plan.disks.begin(), archives);
  init.archives_disk = kArchivesDiskId;
  init.ignore_script_errors = o.ignore_script_errors;

  std::string interactive;
  for (const build::FsDirective& d : spec.directives) {
    if (d.type == build::FsDirective::Type::kDefaultInteractive) interactive = d.command;
  }
  init.argv = {"/bin/sh", "/" + std::string(build::kVmCommandScript)};
  if (!o.command.empty()) {
    init.argv.insert(init.argv.end(), o.command.begin(), o.command.end());
  } else if (!interactive.empty()) {
    init.argv.insert(init.argv.end(), {"/bin/sh", "-c", interactive});
  } else {
    init.argv.insert(init.argv.end(), {"/bin/sh", "-l"});
  }
  prepared_run->AddStorageDisk(engine.cache(), o, archive_bytes, &plan, &init);
  ApplyRunSettings(o, archive_bytes, &plan, &init);
  // The VM's own environment applies to the command too (the script
  // exports it before it runs the command).

  size_t built = 0, cached = 0;
  json timings = PhaseTimings(engine, &built, &cached);
  timings["prepare_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  prepared_run->post_install_ = post_install;
  prepared_run->plan = std::move(plan);
  prepared_run->state = {
      {"post_install", post_install}, {"timings", timings}, {"built", built}, {"cached", cached}};
  return prepared_run;
}

std::unique_ptr<PreparedRun> PrepareRun(const RunRequest& o) {
  auto start = std::chrono::steady_clock::now();
  auto prepared_run = std::unique_ptr<PreparedRun>(new PreparedRun());
  prepared_run->keep_generated_files_ = o.keep_generated_files;

  build::EngineOptions engine_options;
  engine_options.jobs = o.jobs;
  engine_options.offline = o.offline;
  engine_options.cache_root = o.cache_root;
  engine_options.log = o.log;
  engine_options.run_vm = RunVmForBuild;
  prepared_run->engine_ = std::make_unique<build::BuildEngine>(engine_options);
  build::BuildEngine& engine = *prepared_run->engine_;
  const std::string& cache_root = engine.options().cache_root;

  // The root file system's packages.
  build::DefinitionPtr root_plan;
  std::string family;
  if (!o.file_target.empty()) {
    size_t colon = o.file_target.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == o.file_target.size()) {
      throw RequestError("--file " + o.file_target + ": expected FILE.star:NAME");
    }
    build::BuildFile file = build::EvaluateBuildFile(o.file_target.substr(0, colon));
    root_plan = build::ResolveTarget(file, o.file_target.substr(colon + 1));
    if (const build::VmBuildSpec* spec = build::VmBuildSpecOf(*root_plan)) {
      return PreparedRun::PrepareVmDefinitionRun(o, *spec, std::move(prepared_run), start);
    }
    if (root_plan->Kind() != "plan") {
      throw RequestError("--file " + o.file_target + " is a " + root_plan->Kind() +
                       ", not a package plan or a VM (define.plan, a collection's .plan, or define.build_vm)");
    }
  } else {
    build::PackageRequest request = PackageSource(o, o.distro);
    request.packages = o.packages.empty() ? std::vector<std::string>{"busybox"} : o.packages;
    if (o.distro.rfind("debian:", 0) == 0) request.base = o.base;
    root_plan = build::PackagePlan(request);
  }
  std::string plan_dir = engine.Build(root_plan);
  json plan_json;
  {
    std::ifstream in(plan_dir + "/plan.json");
    plan_json = json::parse(in, nullptr, false);
  }
  if (plan_json.is_discarded() || !plan_json.contains("packages")) {
    throw build::BuildError(plan_dir + "/plan.json is not a plan");
  }
  family = plan_json.value("family", "");

  // Install database and steps, and the kernel, in parallel.
  build::DefinitionPtr install = build::InstallArchives(root_plan);
  std::string kernel_choice = o.kernel == "default" ? "distro" : o.kernel;
  build::DefinitionPtr kernel_bundle;
  if (kernel_choice == "debian" && family != "debian") {
    throw RequestError("--kernel debian needs a Debian plan; for this " + family +
                       " plan use --kernel distro (its own kernel), minimal or a PATH");
  }
  if (kernel_choice == "debian" || kernel_choice == "distro") {
    // The plan's own distribution and release (a --file plan names it),
    // from the mirror the request names, if it does.
    build::PackageRequest source = PackageSource(
        o, plan_json.contains("distro") && plan_json["distro"].is_string() ? plan_json["distro"].get<std::string>()
                                                                          : o.distro);
    // A root on a storage disk needs the kernel's ext4.
    kernel_bundle = build::DistributionKernel(source, o.storage_mib ? std::vector<std::string>{"ext4"}
                                                                    : std::vector<std::string>{});
  }
  std::vector<build::DefinitionPtr> wanted = {install};
  if (kernel_bundle) wanted.push_back(kernel_bundle);
  std::vector<std::string> outputs = engine.BuildAll(wanted);
  std::string install_dir = outputs[0];

  VmPlan plan;
  PlanInit init;
  if (kernel_bundle) {
    std::string bundle_dir = outputs[1];
    prepared_run->holds_.push_back(engine.cache().Acquire(kernel_bundle->Hash()));
    prepared_run->entries.push_back(kernel_bundle->Hash());
    build::AddVmKernel(bundle_dir, &plan, &init, kernel_bundle->Describe());
  } else {
    plan.kernel = KernelFile(kernel_choice, cache_root);
  }

  // The archive disk: every package archive in plan order, the install
  // database, then either the cached post-install state or the steps.
  std::vector<std::string> archive_hashes;
  for (const auto& package : plan_json["packages"]) archive_hashes.push_back(package.value("archive", ""));
  build::BuildCache& cache = engine.cache();
  PlanDisk archives;
  archives.id = kArchivesDiskId;
  archives.read_only = true;
  uint64_t archive_bytes = 0;
  // Debian's merged-/usr layout comes before every package.
  std::string layout = install_dir + "/" + build::kInstallLayoutArchive;
  bool has_layout = fs::exists(layout);
  if (has_layout) archives.parts.push_back(layout);
  for (const std::string& hash : archive_hashes) {
    auto hold = cache.Acquire(hash);
    prepared_run->entries.push_back(hash);
    if (!hold->exists()) throw build::BuildError("the archive " + hash + " left the cache while the run started; run again");
    archives.parts.push_back(cache.OutputPath(hash));
    archive_bytes += FileSize(archives.parts.back());
    prepared_run->holds_.push_back(std::move(hold));
  }
  {
    auto hold = cache.Acquire(install->Hash());
    prepared_run->entries.push_back(install->Hash());
    prepared_run->holds_.push_back(std::move(hold));
  }
  archives.parts.push_back(install_dir + "/" + build::kInstallDatabaseArchive);
  archive_hashes.push_back(install->Hash() + "/" + build::kInstallDatabaseArchive);
  if (has_layout) archive_hashes.insert(archive_hashes.begin(), install->Hash() + "/" + build::kInstallLayoutArchive);
  std::string steps_archive = install_dir + "/" + build::kInstallStepsArchive;
  std::string post_install = "none";
  if (fs::exists(steps_archive)) {
    archives.parts.push_back(steps_archive);
    archive_hashes.push_back(install->Hash() + "/" + build::kInstallStepsArchive);
    post_install = prepared_run->UsePostInstallState(cache, archive_hashes, archives.parts.size() - 1, &archives,
                                                     &archive_bytes, &plan, &init);
  }
  plan.disks.insert(plan.disks.begin(), archives);
  init.archives_disk = kArchivesDiskId;
  init.ignore_script_errors = o.ignore_script_errors;

  init.argv = o.command.empty() ? std::vector<std::string>{"/bin/sh", "-l"} : o.command;
  prepared_run->AddStorageDisk(cache, o, archive_bytes, &plan, &init);
  ApplyRunSettings(o, archive_bytes, &plan, &init);

  size_t built = 0, cached = 0;
  json timings = PhaseTimings(engine, &built, &cached);
  timings["prepare_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  json state = {
                {"post_install", post_install},
                {"timings", timings},
                {"built", built},
                {"cached", cached}};
  prepared_run->post_install_ = post_install;
  prepared_run->plan = std::move(plan);
  prepared_run->state = std::move(state);
  return prepared_run;
}


json FinishRun(PreparedRun& prepared, const json& outcome) {
  std::string post_install = prepared.post_install_;
  if (!prepared.capture_disk.empty()) {
    // Only a guest that finished its install steps wrote a capture.
    bool scripts_done = false;
    if (outcome.contains("marks")) {
      for (const auto& mark : outcome["marks"]) {
        if (mark[0].get<uint32_t>() == control::kBootMarkScriptsDone) scripts_done = true;
      }
    }
    if (scripts_done && prepared.engine_) {
      try {
        build::CaptureOutcome stored = build::StorePostInstallState(
            prepared.engine_->cache(), prepared.capture_key_, prepared.capture_disk, prepared.capture_archives_);
        post_install = std::string("captured: ") + build::CaptureOutcomeName(stored);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "tinyrange: the install scripts' effect was not cached: %s\n", e.what());
        post_install = "capture failed";
      }
    }
  }
  return MakeRunResult(prepared.state, outcome, post_install);
}

}  // namespace tinyrange::sandbox
