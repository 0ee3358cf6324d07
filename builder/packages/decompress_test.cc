#include "builder/packages/decompress.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <cstdio>
#include <string>

namespace tinyrange::packages {
namespace {

// Compresses with a real command-line tool (a filter from stdin to
// stdout), as the upstream files are. The input file is unique: ctest runs
// these tests as parallel processes.
std::string Compress(const std::string& tool, const std::string& data) {
  std::string path = ::testing::TempDir() + "/decompress_input.XXXXXX";
  int fd = mkstemp(path.data());
  EXPECT_GE(fd, 0) << path;
  FILE* f = fdopen(fd, "wb");
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
  std::string out;
  FILE* p = popen((tool + " < " + path).c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, p)) > 0) out.append(buffer, n);
  pclose(p);
  std::remove(path.c_str());
  return out;
}

TEST(DecompressTest, EveryIndexCompression) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "Package: p" + std::to_string(i) + "\nVersion: 1\n\n";
  for (const char* tool : {"xz -c", "gzip -c", "zstd -q -c", "bzip2 -c", "cat"}) {
    std::string compressed = Compress(tool, text);
    ASSERT_FALSE(compressed.empty()) << tool;
    std::string error;
    auto out = DecompressBuffer(compressed, "Packages", &error);
    ASSERT_TRUE(out) << tool << ": " << error;
    EXPECT_EQ(*out, text) << tool;
  }
}

TEST(DecompressTest, TruncatedInputIsAnErrorNamingTheFile) {
  std::string text(100000, 'x');
  std::string compressed = Compress("xz -c", text);
  std::string error;
  EXPECT_FALSE(DecompressBuffer(compressed.substr(0, compressed.size() / 2), "main/Packages.xz", &error));
  EXPECT_NE(error.find("main/Packages.xz: "), std::string::npos) << error;
}

TEST(DecompressTest, OutputIsCapped) {
  std::string compressed = Compress("gzip -c", std::string(1 << 20, 'a'));
  std::string error;
  EXPECT_FALSE(DecompressBuffer(compressed, "bomb.gz", &error, 1 << 16));
  EXPECT_NE(error.find("more than"), std::string::npos) << error;
}

TEST(DecompressTest, MissingFileIsNamed) {
  std::string error;
  EXPECT_FALSE(DecompressFile("/nonexistent/Packages.xz", &error));
  EXPECT_NE(error.find("/nonexistent/Packages.xz"), std::string::npos) << error;
}

}  // namespace
}  // namespace tinyrange::packages
