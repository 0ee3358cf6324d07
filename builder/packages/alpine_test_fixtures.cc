#include "builder/packages/alpine_test_fixtures.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tinyrange::packages::testing {
namespace {

namespace fs = std::filesystem;

bool Run(const std::string& command) { return std::system((command + " 2>/dev/null").c_str()) == 0; }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

fs::path ScratchDir() {
  static int counter = 0;
  fs::path dir =
      fs::temp_directory_path() / ("tr_alpine_fixture_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  return dir;
}

void Octal(char* field, size_t width, uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(value));
}

}  // namespace

bool MakeRsaKey(const std::string& dir, const std::string& public_dir, const std::string& name) {
  fs::create_directories(dir);
  fs::create_directories(public_dir);
  std::string priv = (fs::path(dir) / (name + ".private")).string();
  return Run("openssl genrsa -out '" + priv + "' 2048") &&
         Run("openssl rsa -in '" + priv + "' -pubout -out '" + (fs::path(public_dir) / name).string() + "'");
}

std::string Tar(const std::vector<std::pair<std::string, std::string>>& entries, bool end_blocks) {
  std::string out;
  for (const auto& [name, content] : entries) {
    char h[512];
    std::memset(h, 0, sizeof h);
    std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
    Octal(h + 100, 8, 0644);
    Octal(h + 108, 8, 0);
    Octal(h + 116, 8, 0);
    Octal(h + 124, 12, content.size());
    Octal(h + 136, 12, 1700000000);
    h[156] = '0';
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    out.append(h, sizeof h);
    out += content;
    out.append((512 - content.size() % 512) % 512, '\0');
  }
  if (end_blocks) out.append(1024, '\0');
  return out;
}

std::string Gzip(const std::string& data) {
  fs::path dir = ScratchDir();
  WriteAll(dir / "in", data);
  std::string out;
  if (Run("gzip -9 -n -c '" + (dir / "in").string() + "' > '" + (dir / "out.gz").string() + "'")) {
    out = ReadAll(dir / "out.gz");
  }
  fs::remove_all(dir);
  return out;
}

std::string SignedApkIndex(const std::string& apkindex, const std::string& dir, const std::string& key,
                           const SignedIndexOptions& options) {
  std::string index_gz = Gzip(Tar({{"DESCRIPTION", options.description}, {"APKINDEX", apkindex}}, true));
  fs::path scratch = ScratchDir();
  WriteAll(scratch / "index.tar.gz", index_gz);
  std::string signature;
  if (Run(std::string("openssl dgst ") + (options.sha256 ? "-sha256" : "-sha1") + " -sign '" +
          (fs::path(dir) / (key + ".private")).string() + "' -out '" + (scratch / "sig").string() + "' '" +
          (scratch / "index.tar.gz").string() + "'")) {
    signature = ReadAll(scratch / "sig");
  }
  fs::remove_all(scratch);
  std::string entry = (options.sha256 ? ".SIGN.RSA256." : ".SIGN.RSA.") + key;
  std::vector<std::pair<std::string, std::string>> entries;
  if (!options.decoy_key.empty()) entries.emplace_back(".SIGN.RSA." + options.decoy_key, std::string(256, 'x'));
  entries.emplace_back(entry, signature);
  return Gzip(Tar(entries, false)) + index_gz;
}

}  // namespace tinyrange::packages::testing
