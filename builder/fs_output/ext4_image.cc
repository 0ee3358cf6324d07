#include "builder/fs_output/ext4_image.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "builder/fs_output/atomic_file.h"
#include "builder/fs_output/subprocess.h"

namespace tinyrange::fs_output {

namespace {

constexpr uint64_t kBlockSize = 4096;
constexpr uint64_t kInodeSize = 256;
constexpr uint64_t kMiB = 1 << 20;
constexpr size_t kMaxLabel = 16;

// Pinned instead of the host's /etc/mke2fs.conf: the bookworm defaults for
// ext4. "tinyrange" is the usage type passed with -T, so mke2fs does not
// pick "small" or "floppy" settings by size.
constexpr const char* kMke2fsConf = R"([defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384

[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
	tinyrange = {
	}
)";

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// mke2fs's default journal size in blocks for a file system of `blocks`
// 4 KiB blocks (ext2fs_default_journal_size).
uint64_t JournalBlocks(uint64_t blocks) {
  if (blocks < 2048) return 0;
  if (blocks < 32768) return 1024;
  if (blocks < 256 * 1024) return 4096;
  if (blocks < 512 * 1024) return 8192;
  if (blocks < 4096 * 1024) return 16384;
  if (blocks < 8192 * 1024) return 32768;
  if (blocks < 16384 * 1024) return 65536;
  if (blocks < 32768 * 1024) return 131072;
  return 262144;
}

// Quotes an argument for debugfs's command parser (libss): inside double
// quotes everything is literal except a doubled quote, which is one quote.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  out += '"';
  return out;
}

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

// 16 bytes as a UUID string, made a valid version-4 (random) UUID so tools
// that check the version bits accept it.
std::string UuidFrom(const unsigned char* digest) {
  unsigned char b[16];
  std::memcpy(b, digest, 16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string hex = Hex(b, 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) +
         "-" + hex.substr(20);
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
      throw FsOutputError("cannot start SHA-256 (OpenSSL)");
    }
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes) { EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()); }
  // Length-prefixed, so adjacent fields cannot run into each other.
  void Field(std::string_view bytes) {
    Number(bytes.size());
    Update(bytes);
  }
  void Number(uint64_t value) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(value >> (8 * i));
    Update(std::string_view(reinterpret_cast<const char*>(b), 8));
  }
  std::string Finish() {
    unsigned char digest[32];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, digest, &size);
    return std::string(reinterpret_cast<const char*>(digest), 32);
  }

 private:
  EVP_MD_CTX* ctx_;
};

void WriteWholeFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw FsOutputError("cannot write " + path.string());
}

uint32_t ModeType(NodeType type) {
  switch (type) {
    case NodeType::kFile:
      return 0100000;
    case NodeType::kDirectory:
      return 0040000;
    case NodeType::kSymlink:
      return 0120000;
    case NodeType::kCharDevice:
      return 0020000;
    case NodeType::kBlockDevice:
      return 0060000;
    case NodeType::kFifo:
      return 0010000;
  }
  return 0;
}

// debugfs commands that set an inode's metadata.
void SetMetadata(std::ostream& script, const std::string& at, NodeType type, const Metadata& meta,
                 int64_t mtime) {
  script << "sif " << at << " mode 0" << std::oct << (ModeType(type) | (meta.mode & 07777)) << std::dec
         << "\n";
  script << "sif " << at << " uid " << meta.uid << "\n";
  script << "sif " << at << " gid " << meta.gid << "\n";
  for (const char* field : {"atime", "mtime", "ctime", "crtime"}) {
    script << "sif " << at << " " << field << " @" << mtime << "\n";
  }
}

// debugfs keeps going after a failed command and still exits 0, so its
// output is the only report: anything but the banner, the echoed commands
// and "Allocated inode" lines is an error of the command echoed before it.
std::string FindDebugfsError(const std::string& output, bool listing) {
  std::istringstream lines(output);
  std::string line;
  std::string last_command;
  while (std::getline(lines, line)) {
    if (line.rfind("debugfs: ", 0) == 0) {
      last_command = line.substr(9);
      continue;
    }
    if (line.empty() || line.rfind("Allocated inode:", 0) == 0) continue;
    // An `ls -p` line: "/ino/mode/uid/gid/name/size/".
    if (listing && line.size() > 2 && line[0] == '/' && line[1] >= '0' && line[1] <= '9' && line.back() == '/') {
      continue;
    }
    if (line.rfind("debugfs ", 0) == 0 && last_command.empty()) continue;  // version banner
    return "\"" + line + "\"" + (last_command.empty() ? "" : " after the command \"" + last_command + "\"");
  }
  return "";
}

// The environment that makes mke2fs read kMke2fsConf (written into `work`)
// instead of the host's /etc/mke2fs.conf.
std::map<std::string, std::string> PinnedMke2fsEnv(const std::filesystem::path& work) {
  WriteWholeFile(work / "mke2fs.conf", kMke2fsConf);
  return {{"MKE2FS_CONFIG", (work / "mke2fs.conf").string()}};
}

// Runs mke2fs as `mkfs` says; throws naming the command and its output.
void RunMke2fs(const std::vector<std::string>& mkfs, const std::map<std::string, std::string>& env,
               const std::string& what) {
  ProcessResult made = RunProcess(mkfs, env);
  if (made.exit_code != 0) {
    throw FsOutputError(what + ": \"" + CommandLine(mkfs) + "\" failed (exit code " +
                        std::to_string(made.exit_code) + "): " + made.output);
  }
}

}  // namespace

uint64_t EstimateExt4ImageSize(const FsTree& tree) {
  std::vector<OutputEntry> entries = tree.Entries(std::nullopt);
  uint64_t blocks = 0;
  uint64_t inodes = 16;  // reserved inodes, root, lost+found
  std::map<std::string, uint64_t> dir_bytes;  // directory entry bytes per parent
  for (const OutputEntry& out : entries) {
    const Inode& inode = *out.inode;
    std::string parent = out.path.substr(0, out.path.rfind('/') == std::string::npos ? 0 : out.path.rfind('/'));
    dir_bytes[parent] += 8 + CeilDiv(out.path.size() - parent.size(), 4) * 4 + 4;
    if (!out.hardlink_to.empty()) continue;
    ++inodes;
    if (inode.type == NodeType::kFile) {
      uint64_t data = CeilDiv(inode.size, kBlockSize);
      blocks += data + data / 340;  // extent tree blocks for fragmented files
    }
    if (inode.type == NodeType::kSymlink && inode.symlink_target.size() >= 60) ++blocks;
    size_t xattr_bytes = 0;
    for (const auto& [key, value] : inode.meta.xattrs) xattr_bytes += key.size() + value.size() + 20;
    if (xattr_bytes > 96) blocks += CeilDiv(xattr_bytes, kBlockSize);  // beyond the in-inode space
  }
  for (const auto& [dir, bytes] : dir_bytes) blocks += CeilDiv(bytes, kBlockSize);
  blocks += entries.size() / 64 + 1;  // directories' own blocks and htree index blocks
  inodes += inodes / 10 + 64;
  uint64_t inode_table = CeilDiv(inodes * kInodeSize, kBlockSize);
  uint64_t used = blocks + inode_table;
  uint64_t total = used + used / 4 + CeilDiv(4 * kMiB, kBlockSize);  // ~20% free, group metadata
  total += JournalBlocks(total);
  uint64_t bytes = CeilDiv(total * kBlockSize, kMiB) * kMiB;
  return std::max<uint64_t>(bytes, 16 * kMiB);
}

namespace {

// Runs one debugfs script on the image and returns what it printed; throws
// naming the command and the failing script line. `listing` scripts print
// `ls -p` lines, which are not errors.
std::string RunDebugfs(const Ext4ImageOptions& options, const std::string& what,
                       const std::filesystem::path& image, const std::filesystem::path& script_path,
                       const std::string& script, bool writable, const std::map<std::string, std::string>& env) {
  WriteWholeFile(script_path, script);
  std::vector<std::string> argv = {options.debugfs};
  if (writable) argv.push_back("-w");
  argv.insert(argv.end(), {"-f", script_path.string(), image.string()});
  ProcessResult result = RunProcess(argv, env);
  std::string error = FindDebugfsError(result.output, /*listing=*/!writable);
  if (result.exit_code == 0 && error.empty()) return result.output;
  std::string hint;
  if (result.output.find("Could not allocate") != std::string::npos ||
      result.output.find("No free space") != std::string::npos) {
    hint = "; the image is too small for the tree: give a bigger size (or none, to compute it)";
  }
  throw FsOutputError(what + ": \"" + CommandLine(argv) + "\" failed" +
                      (result.exit_code != 0 ? " (exit code " + std::to_string(result.exit_code) + ")" : "") +
                      ": " + (error.empty() ? result.output : error) + hint);
}

// Parses the output of a script of `ls -p -r "/dir"` commands into the
// inode number of every listed path. Lines are "/ino/mode/uid/gid/name/size/".
std::map<std::string, uint64_t> ParseListing(const std::string& output) {
  std::map<std::string, uint64_t> inodes;
  std::istringstream lines(output);
  std::string line;
  std::string dir;
  while (std::getline(lines, line)) {
    if (line.rfind("debugfs: ls -p -r ", 0) == 0) {
      // The echoed command: the quoted directory, unquoted again.
      std::string quoted = line.substr(18);
      dir.clear();
      for (size_t i = 1; i + 1 < quoted.size(); ++i) {
        dir += quoted[i];
        if (quoted[i] == '"') ++i;
      }
      if (dir == "/") dir.clear();
      continue;
    }
    if (line.size() < 2 || line[0] != '/' || line.back() != '/') continue;
    size_t pos = 1;
    size_t slash = line.find('/', pos);
    uint64_t ino = std::stoull(line.substr(pos, slash - pos));
    for (int field = 0; field < 3; ++field) slash = line.find('/', slash + 1);  // mode, uid, gid
    std::string rest = line.substr(slash + 1);  // "name/size/"
    rest.pop_back();
    std::string name = rest.substr(0, rest.rfind('/'));
    if (name == "." || name == "..") continue;
    std::string path = dir.empty() ? name : dir.substr(1) + "/" + name;
    inodes[path] = ino;
  }
  return inodes;
}

}  // namespace

void WriteExt4Image(const FsTree& tree, const std::filesystem::path& output,
                    const Ext4ImageOptions& options) {
  std::string what = "ext4 image " + output.string();
  if (options.label.size() > kMaxLabel) {
    throw FsOutputError(what + ": the label \"" + options.label + "\" is longer than 16 bytes");
  }
  uint64_t size = options.size_bytes ? *options.size_bytes : EstimateExt4ImageSize(tree);
  if (size % kBlockSize != 0 || size < kMiB) {
    throw FsOutputError(what + ": the size " + std::to_string(size) +
                        " is not a multiple of 4096 bytes of at least 1 MiB");
  }
  std::optional<int64_t> epoch = ResolveSourceDateEpoch(options.source_date_epoch);
  std::vector<OutputEntry> entries = tree.Entries(epoch);

  TempDir work(output);
  std::filesystem::create_directory(work.path() / "data");
  std::filesystem::create_directory(work.path() / "xattr");
  FileDataReader reader(tree);
  Sha256 tree_hash;
  // Three debugfs runs: create every entry by path; list the directories to
  // learn the inode numbers; set metadata by inode number. Setting it by
  // path would look each name up in its directory (a linear scan in
  // debugfs) seven times per entry, which made big directories quadratic.
  std::ostringstream create;
  std::ostringstream listing;
  int64_t newest = 0;
  size_t staged = 0;
  uint64_t inode_count = 16;

  auto hash_inode = [&](const Inode& inode, int64_t mtime) {
    tree_hash.Number(static_cast<uint64_t>(inode.type));
    tree_hash.Number(inode.meta.mode & 07777);
    tree_hash.Number(inode.meta.uid);
    tree_hash.Number(inode.meta.gid);
    tree_hash.Number(static_cast<uint64_t>(mtime));
    tree_hash.Number(inode.meta.xattrs.size());
    for (const auto& [key, value] : inode.meta.xattrs) {
      tree_hash.Field(key);
      tree_hash.Field(value);
    }
  };
  const Inode& root = tree.root();
  int64_t root_mtime = epoch ? std::min(root.meta.mtime, *epoch) : root.meta.mtime;
  hash_inode(root, root_mtime);
  listing << "ls -p -r /\n";

  const Inode* lost_found = tree.Find("lost+found");
  if (lost_found != nullptr && lost_found->type != NodeType::kDirectory) create << "rmdir /lost+found\n";

  for (const OutputEntry& out : entries) {
    const Inode& inode = *out.inode;
    if (out.path.find_first_of("\n\r") != std::string::npos ||
        inode.symlink_target.find_first_of("\n\r") != std::string::npos) {
      throw FsOutputError(what + ": entry \"" + out.path + "\" (" + inode.origin +
                          "): a name or symlink target with a line break cannot be passed to debugfs");
    }
    std::string at = Quote("/" + out.path);
    newest = std::max(newest, out.mtime);
    tree_hash.Field(out.path);
    if (!out.hardlink_to.empty()) {
      tree_hash.Field(out.hardlink_to);
      create << "ln " << Quote("/" + out.hardlink_to) << " " << at << "\n";
      continue;
    }
    ++inode_count;
    hash_inode(inode, out.mtime);
    switch (inode.type) {
      case NodeType::kDirectory:
        if (out.path != "lost+found") create << "mkdir " << at << "\n";
        listing << "ls -p -r " << at << "\n";
        break;
      case NodeType::kFile: {
        std::filesystem::path staged_path = work.path() / "data" / std::to_string(staged++);
        Sha256 data_hash;
        {
          std::ofstream file(staged_path, std::ios::binary | std::ios::trunc);
          reader.Read(inode, [&](std::string_view chunk) {
            data_hash.Update(chunk);
            file.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          });
          file.close();
          if (!file) {
            throw FsOutputError(what + ": cannot stage the data of " + inode.origin + " in " +
                                staged_path.string() + "; is the disk full?");
          }
        }
        tree_hash.Number(inode.size);
        tree_hash.Field(data_hash.Finish());
        create << "write " << Quote(staged_path.string()) << " " << at << "\n";
        break;
      }
      case NodeType::kSymlink:
        tree_hash.Field(inode.symlink_target);
        create << "symlink " << at << " " << Quote(inode.symlink_target) << "\n";
        break;
      case NodeType::kCharDevice:
      case NodeType::kBlockDevice:
      case NodeType::kFifo: {
        // debugfs's mknod takes a name in the current directory, not a path.
        size_t slash = out.path.rfind('/');
        std::string parent = slash == std::string::npos ? "" : out.path.substr(0, slash);
        std::string base = slash == std::string::npos ? out.path : out.path.substr(slash + 1);
        tree_hash.Number(inode.dev_major);
        tree_hash.Number(inode.dev_minor);
        create << "cd " << Quote("/" + parent) << "\n";
        create << "mknod " << Quote(base);
        if (inode.type == NodeType::kFifo) {
          create << " p\n";
        } else {
          create << (inode.type == NodeType::kCharDevice ? " c " : " b ") << inode.dev_major << " "
                 << inode.dev_minor << "\n";
        }
        create << "cd /\n";
        break;
      }
    }
  }
  tree_hash.Number(size);
  tree_hash.Field(options.label);
  std::string digest = tree_hash.Finish();
  const auto* d = reinterpret_cast<const unsigned char*>(digest.data());
  std::string uuid = UuidFrom(d);
  std::string hash_seed = UuidFrom(d + 16);
  // 0 would mean "the current time" to e2fsprogs.
  int64_t fake_time = std::max<int64_t>(epoch ? *epoch : newest, 1);
  std::map<std::string, std::string> env = PinnedMke2fsEnv(work.path());
  env["E2FSPROGS_FAKE_TIME"] = std::to_string(fake_time);

  AtomicFile file(output);
  if (::ftruncate(file.fd(), static_cast<off_t>(size)) != 0) {
    throw FsOutputError(what + ": cannot size " + file.temp_path().string() + " to " + std::to_string(size) +
                        " bytes: " + std::strerror(errno));
  }
  file.CloseFd();

  uint64_t total_blocks = size / kBlockSize;
  uint64_t inodes = std::max<uint64_t>(inode_count + inode_count / 10 + 64, size / 16384);
  std::vector<std::string> mkfs = {
      options.mke2fs, "-q", "-F", "-t", "ext4", "-T", "tinyrange", "-b", std::to_string(kBlockSize),
      "-I", std::to_string(kInodeSize), "-N", std::to_string(inodes), "-m", "0", "-U", uuid,
      // The new file reads as zeros, so there is nothing to zero or discard;
      // saying so also keeps the image sparse and the result host-independent.
      "-E", "hash_seed=" + hash_seed + ",assume_storage_prezeroed=1,nodiscard"};
  if (!options.label.empty()) {
    mkfs.push_back("-L");
    mkfs.push_back(options.label);
  }
  mkfs.push_back(file.temp_path().string());
  mkfs.push_back(std::to_string(total_blocks));
  RunMke2fs(mkfs, env, what);

  const std::filesystem::path& image = file.temp_path();
  RunDebugfs(options, what, image, work.path() / "create.debugfs", create.str(), true, env);
  std::map<std::string, uint64_t> numbers =
      ParseListing(RunDebugfs(options, what, image, work.path() / "list.debugfs", listing.str(), false, env));

  std::ostringstream metadata;
  SetMetadata(metadata, "<2>", NodeType::kDirectory, root.meta, root_mtime);
  for (const OutputEntry& out : entries) {
    if (!out.hardlink_to.empty()) continue;
    const Inode& inode = *out.inode;
    auto number = numbers.find(out.path);
    if (number == numbers.end()) {
      throw FsOutputError(what + ": entry \"" + out.path + "\" (" + inode.origin +
                          ") is missing from the image after debugfs created it");
    }
    std::string at = "<" + std::to_string(number->second) + ">";
    SetMetadata(metadata, at, inode.type, inode.meta, out.mtime);
    // debugfs's ln adds a name without counting it.
    if (out.link_group.size() > 1) metadata << "sif " << at << " links_count " << out.link_group.size() << "\n";
    for (const auto& [key, value] : inode.meta.xattrs) {
      // Values go through files: they may hold any bytes.
      std::filesystem::path value_path = work.path() / "xattr" / std::to_string(staged++);
      WriteWholeFile(value_path, value);
      metadata << "ea_set " << at << " " << Quote(key) << " -f " << Quote(value_path.string()) << "\n";
    }
  }
  RunDebugfs(options, what, image, work.path() / "metadata.debugfs", metadata.str(), true, env);

  // A full check, which also proves the image sound, and -D to index the
  // directories: debugfs adds names to plain linear directories, which the
  // kernel would search name by name. E2FSCK_TIME pins the check times.
  std::vector<std::string> fsck = {options.e2fsck, "-f", "-y", "-D", image.string()};
  std::map<std::string, std::string> fsck_env = env;
  fsck_env["E2FSCK_TIME"] = std::to_string(fake_time);
  fsck_env["E2FSCK_CONFIG"] = "/dev/null";
  ProcessResult checked = RunProcess(fsck, fsck_env);
  if (checked.exit_code != 0) {
    throw FsOutputError(what + ": \"" + CommandLine(fsck) + "\" found problems in the new image (exit code " +
                        std::to_string(checked.exit_code) + "); this is a bug in the image writer: " +
                        checked.output);
  }
  file.Commit();
}


void FormatEmptyExt4(const std::filesystem::path& path, const std::string& mke2fs) {
  std::string what = "ext4 scratch disk " + path.string();
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw FsOutputError(what + ": " + ec.message());
  if (size < 16 * kMiB) throw FsOutputError(what + ": smaller than 16 MiB");
  TempDir work(path);
  std::vector<std::string> mkfs = {mke2fs, "-q", "-F", "-t", "ext4", "-T", "tinyrange", "-b", std::to_string(kBlockSize),
                                   "-O", "^has_journal", "-m", "0", "-E", "assume_storage_prezeroed=1,nodiscard",
                                   path.string(), std::to_string(size / kBlockSize)};
  RunMke2fs(mkfs, PinnedMke2fsEnv(work.path()), what);
}

}  // namespace tinyrange::fs_output
