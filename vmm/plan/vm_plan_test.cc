#include "vmm/plan/vm_plan.h"

#include <gtest/gtest.h>

#include "vmm/plan/plan_machine.h"
#include "vmm/vmm_error.h"

namespace tinyrange {
namespace {

std::string ErrorOf(const std::string& json) {
  try {
    ParseVmPlan(json, "plan.json", "/base");
  } catch (const VmmError& e) {
    return e.what();
  }
  return "";
}

TEST(VmPlanTest, ParsesAFullPlan) {
  VmPlan p = ParseVmPlan(R"({
    "version": 1, "kernel": "k/vmlinux", "initrd": ["/abs.cpio", "rel.cpio"],
    "cmdline": "quiet", "default_cmdline": false, "cpus": 2, "memory_mib": 512, "timeout_ms": 1000,
    "init": {"argv": ["/bin/sh", "-c", "echo hi"], "env": ["A=1"], "cwd": "/tmp", "hostname": "h",
             "uid": 1000, "gid": 100, "modules": ["/lib/m.ko"],
             "files": [{"host": "busybox", "guest": "/bin/busybox", "mode": 493}]}
  })", "plan.json", "/base");
  EXPECT_EQ(p.kernel, "/base/k/vmlinux");
  ASSERT_EQ(p.initrd.size(), 2u);
  EXPECT_EQ(p.initrd[0], "/abs.cpio");
  EXPECT_EQ(p.initrd[1], "/base/rel.cpio");
  EXPECT_FALSE(p.default_cmdline);
  EXPECT_EQ(p.cpus, 2u);
  EXPECT_EQ(p.memory_mib, 512u);
  ASSERT_TRUE(p.init.has_value());
  EXPECT_EQ(p.init->argv.size(), 3u);
  EXPECT_EQ(p.init->uid, 1000u);
  ASSERT_EQ(p.init->files.size(), 1u);
  EXPECT_EQ(p.init->files[0].host, "/base/busybox");
  EXPECT_EQ(*p.init->files[0].mode, 0755u);
}

TEST(VmPlanTest, SerializeRoundTrips) {
  VmPlan p;
  p.kernel = "/k";
  p.cpus = 3;
  p.init = PlanInit{};
  p.init->argv = {"/bin/true"};
  p.init->files.push_back({"/h", "/g", 0644});
  p.disks.push_back({"/d.img", {}, true, "root"});
  VmPlan q = ParseVmPlan(SerializeVmPlan(p), "x", "");
  EXPECT_EQ(q.kernel, "/k");
  EXPECT_EQ(q.cpus, 3u);
  ASSERT_TRUE(q.init.has_value());
  EXPECT_EQ(q.init->argv, p.init->argv);
  EXPECT_EQ(*q.init->files[0].mode, 0644u);
  ASSERT_EQ(q.disks.size(), 1u);
  EXPECT_TRUE(q.disks[0].read_only);
  EXPECT_EQ(q.disks[0].id, "root");
}

TEST(VmPlanTest, ErrorsNameFileAndField) {
  EXPECT_NE(ErrorOf(R"({"version": 1})").find("plan.json: .kernel: required"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 2, "kernel": "k"})").find("not supported"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"kernel": "k"})").find(".version: required"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "cpu": 2})").find(".cpu: unknown field"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "cpus": "2"})").find(".cpus: expected a non-negative integer"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "cpus": -1})").find(".cpus"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "cpus": 0})").find("between 1 and 254"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "memory_mib": 8})").find(".memory_mib"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "bzimage_entry": "fast"})").find(".bzimage_entry"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "disks": [{"read_only": true}]})").find(".disks[0].path"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "disks": [{"path": "d", "parts": ["a"]}]})").find("either"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "disks": [{"path": "d", "ro": true}]})").find(".disks[0].ro"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "init": {"argv": ["a", 3]}})").find(".init.argv[1]: expected a string"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "init": {}})").find(".init.argv: required"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "init": {"argv": ["a"], "env": ["NOEQUALS"]}})")
                .find(".init.env[0]"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "k", "init": {"argv": ["a"], "files": [{"host": "h"}]}})")
                .find("needs both"),
            std::string::npos);
}

TEST(VmPlanTest, SyntaxErrorsHaveLineAndColumn) {
  std::string e = ErrorOf("{\n  \"version\": 1,\n  \"kernel\": \n}");
  EXPECT_NE(e.find("plan.json:4:"), std::string::npos) << e;
}

TEST(VmPlanTest, NetworkAndShares) {
  VmPlan p = ParseVmPlan(R"({
    "version": 1, "kernel": "/k",
    "net": {"backend": "user", "mac": "02:00:00:00:00:07", "publish": ["8080:80", "5353:53/udp"]},
    "shares": [{"path": "src", "tag": "project"}, {"path": "/data", "tag": "data", "read_only": true}]
  })", "plan.json", "/base");
  ASSERT_TRUE(p.net);
  EXPECT_EQ(p.net->publish.size(), 2u);
  ASSERT_EQ(p.shares.size(), 2u);
  EXPECT_EQ(p.shares[0].path, "/base/src");
  EXPECT_TRUE(p.shares[1].read_only);
  ValidateVmPlan(p, "plan.json");
  virtio::NetOptions net = ToNetOptions(*p.net);
  EXPECT_EQ(net.publish[1].udp, true);
  EXPECT_EQ(net.publish[1].guest_port, 53);
  EXPECT_EQ(net.mac[5], 7);
  VmPlan back = ParseVmPlan(SerializeVmPlan(p), "again.json", "/elsewhere");
  EXPECT_EQ(back.net->publish, p.net->publish);
  EXPECT_EQ(back.shares[0].path, "/base/src");
  EXPECT_EQ(back.shares[1].tag, "data");
}

TEST(VmPlanTest, NetworkAndShareErrorsNameTheField) {
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "/k", "net": {"backend": "user", "speed": 1}})").find(".net.speed"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"version": 1, "kernel": "/k", "shares": [{"path": "/x"}]})").find(".shares[0]: needs both"),
            std::string::npos);
  auto invalid = [](const std::string& json) {
    try {
      ValidateVmPlan(ParseVmPlan(json, "plan.json", "/"), "plan.json");
    } catch (const VmmError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(invalid(R"({"version": 1, "kernel": "/k", "net": {"publish": ["x:80"]}})").find("plan.json: .net: invalid published port"),
            std::string::npos);
  EXPECT_NE(invalid(R"({"version": 1, "kernel": "/k", "shares": [{"path": "/a", "tag": "t"}, {"path": "/b", "tag": "t"}]})")
                .find(".shares[1].tag: \"t\" is used by two shares"),
            std::string::npos);
  EXPECT_NE(invalid(R"({"version": 1, "kernel": "/k", "shares": [{"path": "/a", "tag": ""}]})").find("1 to 36 bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace tinyrange

namespace tinyrange {
namespace {

std::string ValidationError(const std::string& json) {
  try {
    ValidateVmPlan(ParseVmPlan(json, "plan.json", "/"), "plan.json");
  } catch (const VmmError& e) {
    return e.what();
  }
  return "";
}

TEST(VmPlanTest, NewRootInitFieldsRoundTrip) {
  VmPlan p = ParseVmPlan(R"({
    "version": 1, "kernel": "/k",
    "disks": [{"parts": ["/a.trfrag", "/b.trfrag"], "id": "tr-archives"}, {"path": "/cap", "id": "tr-capture"},
              {"path": "/root.ext4", "id": "tr-storage"}],
    "init": {"argv": ["/bin/true"], "archives_disk": "tr-archives", "capture_disk": "tr-capture",
             "root_disk": "tr-storage", "script_errors": "ignore", "mounts": [{"tag": "project", "path": "/work", "read_only": true}]}
  })", "plan.json", "/");
  ValidateVmPlan(p, "plan.json");
  ASSERT_TRUE(p.init);
  EXPECT_EQ(p.init->archives_disk, "tr-archives");
  EXPECT_EQ(p.init->capture_disk, "tr-capture");
  EXPECT_TRUE(p.init->ignore_script_errors);
  ASSERT_EQ(p.init->mounts.size(), 1u);
  EXPECT_TRUE(p.init->mounts[0].read_only);
  VmPlan q = ParseVmPlan(SerializeVmPlan(p), "again.json", "/");
  EXPECT_EQ(q.init->archives_disk, "tr-archives");
  EXPECT_EQ(q.init->capture_disk, "tr-capture");
  EXPECT_EQ(q.init->root_disk, "tr-storage");
  EXPECT_TRUE(q.init->ignore_script_errors);
  EXPECT_EQ(q.init->mounts[0].tag, "project");
  EXPECT_EQ(q.init->mounts[0].path, "/work");
}

TEST(VmPlanTest, NewRootInitFieldErrors) {
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "init": {"argv": ["a"], "archives_disk": "x"}})")
                .find(".init.archives_disk: no disk has the id \"x\""),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "disks": [{"path": "/c", "id": "c"}],
                               "init": {"argv": ["a"], "capture_disk": "c"}})")
                .find(".init.capture_disk: needs archives_disk"),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "disks": [{"path": "/r", "id": "r"}],
                               "init": {"argv": ["a"], "root_disk": "r"}})")
                .find(".init.root_disk: needs archives_disk"),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "disks": [{"parts": ["/a"], "id": "a"}],
                               "init": {"argv": ["a"], "archives_disk": "a", "root_disk": "a"}})")
                .find(".init.root_disk: the disk \"a\" is read-only"),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "disks": [{"parts": ["/a"], "id": "a"}],
                               "init": {"argv": ["a"], "archives_disk": "a", "root_disk": "nope"}})")
                .find(".init.root_disk: no disk has the id \"nope\""),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "init": {"argv": ["a"], "script_errors": "maybe"}})")
                .find(".init.script_errors: expected"),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "init": {"argv": ["a"], "mounts": [{"tag": "t", "path": "rel"}]}})")
                .find(".init.mounts[0].path: must be an absolute guest path"),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "init": {"argv": ["a"], "mounts": [{"tag": "t"}]}})")
                .find(".init.mounts[0]: needs both"),
            std::string::npos);
}

TEST(VmPlanTest, InputPortRoundTripsAndIsChecked) {
  VmPlan p = ParseVmPlan(R"({"version": 1, "kernel": "/k", "console": "split", "input_port": "tinyrange.stdin",
                             "init": {"argv": ["cat"], "stdin_port": "tinyrange.stdin"}})",
                         "plan.json", "/");
  ValidateVmPlan(p, "plan.json");
  EXPECT_EQ(p.input_port, "tinyrange.stdin");
  VmPlan q = ParseVmPlan(SerializeVmPlan(p), "again.json", "/");
  EXPECT_EQ(q.input_port, "tinyrange.stdin");
  EXPECT_EQ(q.init->stdin_port, "tinyrange.stdin");
  q.init.reset();  // no guest-init binary needed for the machine's shape
  EXPECT_EQ(MachineConfigFor(q, false, nullptr, nullptr).input_port, "tinyrange.stdin");

  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "input_port": "has space"})")
                .find(".input_port: \"has space\" must be 1 to 64 letters"),
            std::string::npos);
  EXPECT_NE(ValidationError(R"({"version": 1, "kernel": "/k", "init": {"argv": ["a"], "stdin_port": "p"}})")
                .find(".init.stdin_port: \"p\" is not the plan's input_port"),
            std::string::npos);
}

TEST(VmPlanTest, TerminalSizeRoundTripsAndIsChecked) {
  VmPlan p = ParseVmPlan(R"({"version": 1, "kernel": "/k",
                             "init": {"argv": ["sh"], "terminal_size": {"cols": 132, "rows": 43}}})",
                         "plan.json", "/");
  EXPECT_EQ(p.init->terminal_cols, 132);
  EXPECT_EQ(p.init->terminal_rows, 43);
  VmPlan q = ParseVmPlan(SerializeVmPlan(p), "again.json", "/");
  EXPECT_EQ(q.init->terminal_cols, 132);
  EXPECT_EQ(q.init->terminal_rows, 43);
  auto error = [](const std::string& size) {
    try {
      ParseVmPlan(R"({"version": 1, "kernel": "/k", "init": {"argv": ["sh"], "terminal_size": )" + size + "}}",
                  "plan.json", "/");
    } catch (const VmmError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error(R"({"cols": 80})").find(".init.terminal_size: needs both"), std::string::npos);
  EXPECT_NE(error(R"({"cols": 0, "rows": 5})").find("at least 1"), std::string::npos);
  EXPECT_NE(error(R"({"cols": 70000, "rows": 5})").find(".init.terminal_size.cols: must be at most 65535"),
            std::string::npos);
  EXPECT_NE(error(R"({"cols": 8, "rows": 5, "x": 1})").find(".init.terminal_size"), std::string::npos);
}

}  // namespace
}  // namespace tinyrange
