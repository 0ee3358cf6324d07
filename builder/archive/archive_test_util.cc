#include "builder/archive/archive_test_util.h"

#include <openssl/evp.h>

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "builder/archive/archive_reader.h"

namespace tinyrange::archive::testing {

namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  static int counter = 0;
  path_ = fs::temp_directory_path() / ("tr_archive_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& path, const std::string& data) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

bool Run(const std::string& command) { return std::system(command.c_str()) == 0; }

std::vector<std::string> ListDir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<ReadEntry> ReadArchive(const fs::path& path) {
  std::vector<ReadEntry> entries;
  ArchiveReader reader(path);
  while (auto entry = reader.Next()) {
    ReadEntry read{*entry, reader.ReadAll()};
    entries.push_back(std::move(read));
  }
  return entries;
}

const ReadEntry* FindEntry(const std::vector<ReadEntry>& entries, const std::string& name) {
  for (const auto& entry : entries) {
    if (entry.entry.name == name) return &entry;
  }
  return nullptr;
}

namespace {

// `width - 1` octal digits and a NUL, as ustar numeric fields are written.
void Octal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; value >>= 3) field[i] = static_cast<char>('0' + (value & 7));
}

void Pad(std::string& out) { out.append((512 - out.size() % 512) % 512, '\0'); }

void Header(std::string& out, const std::string& name, char type, uint64_t size, const TarEntry& e) {
  char h[512];
  std::memset(h, 0, sizeof h);
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  Octal(h + 100, 8, e.mode);
  Octal(h + 108, 8, e.uid);
  Octal(h + 116, 8, e.gid);
  Octal(h + 124, 12, size);
  Octal(h + 136, 12, static_cast<uint64_t>(e.mtime));
  h[156] = type;
  std::memcpy(h + 157, e.link.data(), std::min<size_t>(e.link.size(), 100));
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  Octal(h + 329, 8, e.dev_major);
  Octal(h + 337, 8, e.dev_minor);
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  out.append(h, sizeof h);
}

// One pax record: "LEN key=value\n", LEN counting itself.
std::string PaxRecord(const std::string& key, const std::string& value) {
  size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t length = body + 1;
  while (std::to_string(length).size() + body != length) ++length;
  return std::to_string(length) + " " + key + "=" + value + "\n";
}

}  // namespace

std::string Tar(const std::vector<TarEntry>& entries, bool end_blocks) {
  std::string out;
  for (const auto& e : entries) {
    if (!e.pax.empty()) {
      std::string records;
      for (const auto& [key, value] : e.pax) records += PaxRecord(key, value);
      TarEntry pax_header;
      pax_header.mtime = e.mtime;
      Header(out, e.pax_name.empty() ? "PaxHeader/" + e.name : e.pax_name, 'x', records.size(), pax_header);
      out += records;
      Pad(out);
    }
    Header(out, e.name, e.type, e.data.size(), e);
    out += e.data;
    Pad(out);
  }
  if (end_blocks) out.append(1024, '\0');
  return out;
}

std::string GzipMember(const std::string& data) {
  z_stream stream{};
  if (deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("zlib");
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int r = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (r != Z_STREAM_END) throw std::runtime_error("zlib deflate");
  out.resize(stream.total_out);
  return out;
}

std::string Sha1(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string Hex(const std::string& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) hex += std::string{kHex[c >> 4], kHex[c & 15]};
  return hex;
}

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace tinyrange::archive::testing
