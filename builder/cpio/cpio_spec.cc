#include "builder/cpio/cpio_spec.h"

#include <charconv>
#include <map>

namespace tinyrange {

namespace {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

class LineContext {
 public:
  LineContext(std::string_view origin, int line) : origin_(origin), line_(line) {}

  [[noreturn]] void Fail(const std::string& what) const {
    throw CpioSpecError(std::string(origin_) + ":" + std::to_string(line_) + ": " + what);
  }

  uint32_t Number(std::string_view text, int base, std::string_view what) const {
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc() || end != text.data() + text.size()) {
      Fail(std::string(what) + " '" + std::string(text) + "' is not a" + (base == 8 ? "n octal" : " decimal") +
           " number");
    }
    return value;
  }

  std::string Name(std::string_view text) const {
    while (!text.empty() && text.front() == '/') text.remove_prefix(1);
    std::string problem = CpioWriter::CheckName(text);
    if (!problem.empty()) Fail(problem);
    return std::string(text);
  }

 private:
  std::string_view origin_;
  int line_;
};

struct KindSyntax {
  CpioSpecKind kind;
  size_t fields;  // including the keyword
  const char* usage;
};

const std::map<std::string_view, KindSyntax>& Syntax() {
  static const std::map<std::string_view, KindSyntax> syntax = {
      {"file", {CpioSpecKind::kFile, 6, "file NAME LOCATION MODE UID GID"}},
      {"dir", {CpioSpecKind::kDirectory, 5, "dir NAME MODE UID GID"}},
      {"slink", {CpioSpecKind::kSymlink, 6, "slink NAME TARGET MODE UID GID"}},
      {"nod", {CpioSpecKind::kCharDevice, 8, "nod NAME MODE UID GID b|c MAJ MIN"}},
      {"pipe", {CpioSpecKind::kFifo, 5, "pipe NAME MODE UID GID"}},
  };
  return syntax;
}

}  // namespace

std::vector<CpioSpecEntry> ParseCpioSpec(std::string_view text, std::string_view origin) {
  std::vector<CpioSpecEntry> entries;
  int number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) continue;
    LineContext context(origin, number);
    auto it = Syntax().find(f[0]);
    if (it == Syntax().end()) {
      context.Fail("unknown entry type '" + std::string(f[0]) + "' (file, dir, slink, nod or pipe)");
    }
    const KindSyntax& syntax = it->second;
    if (f.size() != syntax.fields) {
      context.Fail("expected '" + std::string(syntax.usage) + "', got " + std::to_string(f.size()) + " fields");
    }
    CpioSpecEntry e;
    e.kind = syntax.kind;
    e.line = number;
    e.name = context.Name(f[1]);
    // The fields after NAME (and LOCATION or TARGET): MODE UID GID.
    size_t mode_at = (e.kind == CpioSpecKind::kFile || e.kind == CpioSpecKind::kSymlink) ? 3 : 2;
    if (mode_at == 3) e.source = std::string(f[2]);
    e.mode = context.Number(f[mode_at], 8, "mode");
    if (e.mode > 07777) context.Fail("mode " + std::string(f[mode_at]) + " has bits beyond 07777");
    e.uid = context.Number(f[mode_at + 1], 10, "uid");
    e.gid = context.Number(f[mode_at + 2], 10, "gid");
    if (e.kind == CpioSpecKind::kCharDevice) {
      if (f[5] == "b") {
        e.kind = CpioSpecKind::kBlockDevice;
      } else if (f[5] != "c") {
        context.Fail("device type '" + std::string(f[5]) + "' is neither b nor c");
      }
      e.major = context.Number(f[6], 10, "major");
      e.minor = context.Number(f[7], 10, "minor");
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

void WriteCpioSpec(const std::vector<CpioSpecEntry>& entries, std::string_view origin, CpioWriter* writer) {
  for (const CpioSpecEntry& e : entries) {
    CpioMetadata meta(e.mode, e.uid, e.gid);
    try {
      switch (e.kind) {
        case CpioSpecKind::kFile:
          writer->AddFileFromHost(e.name, e.source, meta);
          break;
        case CpioSpecKind::kDirectory:
          writer->AddDirectory(e.name, meta);
          break;
        case CpioSpecKind::kSymlink:
          writer->AddSymlink(e.name, e.source, meta);
          break;
        case CpioSpecKind::kCharDevice:
          writer->AddCharDevice(e.name, e.major, e.minor, meta);
          break;
        case CpioSpecKind::kBlockDevice:
          writer->AddBlockDevice(e.name, e.major, e.minor, meta);
          break;
        case CpioSpecKind::kFifo:
          writer->AddFifo(e.name, meta);
          break;
      }
    } catch (const CpioError& error) {
      throw CpioSpecError(std::string(origin) + ":" + std::to_string(e.line) + ": " + error.what());
    }
  }
}

}  // namespace tinyrange
