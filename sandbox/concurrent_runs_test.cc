// Several VMs at once from one process, through the C API as an embedder
// uses it: three threads each run a command in its own VM (sharing one
// cache), and every command's output and status come back to its own
// caller, none mixed up with another's. Needs a /dev/kvm that runs Linux
// (scripts/test.sh runs it in the nested test bed elsewhere) and the Debian
// mirror from the apt sources.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <tinyrange.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kvm_required.h"

namespace {

struct VmRun {
  int index = 0;
  std::string out;
  std::string err;
  int ran = -2;
  int status = -1;
  std::string error;
};

void Collect(void* user, const char* data, size_t length) {
  static_cast<std::string*>(user)->append(data, length);
}

void RunOne(const std::string& cache, VmRun* run) {
  tinyrange_request* request = tinyrange_request_new();
  tinyrange_request_set_base(request, "none");
  tinyrange_request_add_package(request, "busybox-static");
  tinyrange_request_set_cache_dir(request, cache.c_str());
  tinyrange_request_set_timeout(request, 900);
  std::string script = "echo vm-" + std::to_string(run->index) + "; busybox sleep 1; exit " +
                       std::to_string(10 + run->index);
  const char* argv[] = {"busybox", "sh", "-c", script.c_str(), nullptr};
  tinyrange_request_set_command(request, argv);
  // Both streams into one string: the two callbacks share one user pointer.
  tinyrange_io io = {sizeof io, -1, -1, -1, Collect, Collect, &run->out};
  tinyrange_result* result = nullptr;
  run->ran = tinyrange_run(request, &io, &result);
  if (result) {
    run->status = tinyrange_result_exit_status(result);
    if (const char* e = tinyrange_result_error(result)) run->error = e;
    tinyrange_result_free(result);
  }
  tinyrange_request_free(request);
}

TEST(ConcurrentRunsTest, ThreeVmsAtOnceEachGetItsOwnOutputAndStatus) {
  TR_REQUIRE_KVM();
  char tmpl[] = "/tmp/tr_concurrent_runs.XXXXXX";
  std::filesystem::path cache = mkdtemp(tmpl);
  // Warm the cache first, so the three runs boot together rather than
  // waiting on one another's downloads.
  VmRun warm;
  warm.index = 0;
  RunOne(cache, &warm);
  ASSERT_EQ(warm.status, 10) << warm.error << warm.out;

  std::vector<VmRun> runs(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    runs[i].index = i + 1;
    threads.emplace_back(RunOne, cache.string(), &runs[i]);
  }
  for (auto& t : threads) t.join();
  for (const VmRun& run : runs) {
    EXPECT_EQ(run.ran, 0) << run.error;
    EXPECT_EQ(run.status, 10 + run.index) << run.error << run.out;
    EXPECT_NE(run.out.find("vm-" + std::to_string(run.index) + "\n"), std::string::npos) << run.out;
    for (const VmRun& other : runs) {
      if (other.index != run.index) {
        EXPECT_EQ(run.out.find("vm-" + std::to_string(other.index) + "\n"), std::string::npos) << run.out;
      }
    }
  }
  std::filesystem::remove_all(cache);
}

}  // namespace
