#include "guest-init/command_env.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "guest-init/init_config_writer.h"
#include "guest-init/path_search.h"

namespace tinyrange {
namespace {

std::vector<std::string> Env(const std::vector<std::string>& entries, std::string* storage) {
  InitConfig c;
  c.argv = {"true"};
  c.env = entries;
  *storage = EncodeInitConfig(c);
  InitConfigView view;
  InitConfigError error;
  EXPECT_TRUE(ParseInitConfig(*storage, &view, &error)) << error.message;
  size_t slots = CommandEnvSlots(view);
  const char* envp[16];
  EXPECT_LE(slots, 16u);
  for (const char*& e : envp) e = "unset";
  BuildCommandEnv(view, envp);
  EXPECT_TRUE(envp[slots - 1] == nullptr);
  std::vector<std::string> out;
  for (size_t i = 0; i + 1 < slots; ++i) out.push_back(envp[i]);
  return out;
}

TEST(CommandEnvTest, DefaultPathIsAddedWhenMissing) {
  std::string storage;
  EXPECT_EQ(Env({}, &storage), std::vector<std::string>{std::string("PATH=") + kDefaultPath});
  EXPECT_EQ(Env({"A=1", "B=2"}, &storage),
            (std::vector<std::string>{"A=1", "B=2", std::string("PATH=") + kDefaultPath}));
}

TEST(CommandEnvTest, ConfiguredPathIsKept) {
  std::string storage;
  EXPECT_EQ(Env({"A=1", "PATH=/opt/bin", "Z=9"}, &storage),
            (std::vector<std::string>{"A=1", "PATH=/opt/bin", "Z=9"}));
  // PATHX is not PATH.
  EXPECT_EQ(Env({"PATHX=1"}, &storage).size(), 2u);
}

TEST(CommandEnvTest, FindPathInEnvTakesTheFirst) {
  const char* envp[] = {"PATHX=no", "PATH=/first", "PATH=/second", nullptr};
  EXPECT_STREQ(FindPathInEnv(envp), "/first");
  const char* none[] = {"HOME=/", nullptr};
  EXPECT_TRUE(FindPathInEnv(none) == nullptr);
  const char* empty[] = {"PATH=", nullptr};
  EXPECT_STREQ(FindPathInEnv(empty), "");
}

}  // namespace
}  // namespace tinyrange
