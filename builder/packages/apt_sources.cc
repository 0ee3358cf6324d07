#include "builder/packages/apt_sources.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "builder/packages/control_file.h"

namespace tinyrange::packages {
namespace {

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  for (auto w : ValueWords(s)) out.emplace_back(w);
  return out;
}

std::string StripSlash(std::string uri) {
  while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
  return uri;
}

bool ReadText(const std::filesystem::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

bool IsEnabled(std::string_view value) {
  std::string v(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return !(v == "no" || v == "false" || v == "0");
}

}  // namespace

std::optional<std::vector<AptSource>> ParseOneLineSources(const std::string& text, const std::string& path,
                                                          std::string* error) {
  std::vector<AptSource> sources;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::vector<std::string> words = Words(line);
    if (words.empty()) continue;
    AptSource s;
    s.origin = path + ":" + std::to_string(number);
    size_t i = 0;
    s.types.push_back(words[i++]);
    if (s.types[0] != "deb" && s.types[0] != "deb-src") {
      if (error) *error = s.origin + ": expected 'deb' or 'deb-src', found '" + s.types[0] + "'";
      return std::nullopt;
    }
    // Options: "[ key=value ... ]", the brackets possibly glued to words.
    if (i < words.size() && words[i].front() == '[') {
      std::string options;
      while (i < words.size()) {
        options += words[i] + " ";
        if (words[i++].back() == ']') break;
      }
      if (options.find(']') == std::string::npos) {
        if (error) *error = s.origin + ": the options '[' are not closed with ']'";
        return std::nullopt;
      }
      for (const auto& option : Words(options.substr(1, options.rfind(']') - 1))) {
        size_t eq = option.find('=');
        if (eq == std::string::npos) continue;
        std::string key = option.substr(0, eq), value = option.substr(eq + 1);
        if (key == "arch") {
          std::stringstream list(value);
          for (std::string a; std::getline(list, a, ',');) s.architectures.push_back(a);
        } else if (key == "signed-by") {
          s.signed_by = value;
        }
      }
    }
    if (words.size() < i + 2) {
      if (error) *error = s.origin + ": expected 'deb [options] URI SUITE [COMPONENT...]'";
      return std::nullopt;
    }
    s.uris.push_back(StripSlash(words[i++]));
    s.suites.push_back(words[i++]);
    while (i < words.size()) s.components.push_back(words[i++]);
    sources.push_back(std::move(s));
  }
  return sources;
}

std::optional<std::vector<AptSource>> ParseDeb822Sources(const std::string& text, const std::string& path,
                                                         std::string* error) {
  std::string parse_error;
  ControlParseOptions options;
  options.allow_comments = true;
  auto paragraphs = ParseControlParagraphs(text, options, &parse_error);
  if (!paragraphs) {
    if (error) *error = path + ": " + parse_error;
    return std::nullopt;
  }
  std::vector<AptSource> sources;
  for (const auto& p : *paragraphs) {
    if (auto enabled = p.Get("Enabled"); enabled && !IsEnabled(*enabled)) continue;
    AptSource s;
    s.origin = path + ":" + std::to_string(p.line);
    auto types = p.Get("Types"), uris = p.Get("URIs"), suites = p.Get("Suites");
    if (!types || !uris || !suites) {
      if (error) *error = s.origin + ": a source needs Types, URIs and Suites";
      return std::nullopt;
    }
    s.types = Words(*types);
    for (auto& u : Words(*uris)) s.uris.push_back(StripSlash(u));
    s.suites = Words(*suites);
    if (auto c = p.Get("Components")) s.components = Words(*c);
    if (auto a = p.Get("Architectures")) s.architectures = Words(*a);
    // Signed-By is a path, a fingerprint list, or an embedded key block;
    // only a path is useful to gpgv as a keyring.
    if (auto k = p.Get("Signed-By"); k && !k->empty() && k->front() == '/' && k->find('\n') == std::string_view::npos) {
      s.signed_by = std::string(*k);
    }
    sources.push_back(std::move(s));
  }
  return sources;
}

std::optional<std::vector<AptSource>> ReadAptSources(const std::string& root, std::string* error) {
  namespace fs = std::filesystem;
  fs::path base = fs::path(root) / "etc/apt";
  std::vector<AptSource> all;
  auto add = [&](const fs::path& path, bool deb822) {
    std::string text;
    if (!ReadText(path, &text)) return true;  // absent or unreadable: apt skips it too
    auto parsed = deb822 ? ParseDeb822Sources(text, path.string(), error) : ParseOneLineSources(text, path.string(), error);
    if (!parsed) return false;
    all.insert(all.end(), parsed->begin(), parsed->end());
    return true;
  };
  if (!add(base / "sources.list", false)) return std::nullopt;
  std::vector<fs::path> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base / "sources.list.d", ec)) {
    if (entry.path().extension() == ".list" || entry.path().extension() == ".sources") parts.push_back(entry.path());
  }
  std::sort(parts.begin(), parts.end());
  for (const auto& p : parts) {
    if (!add(p, p.extension() == ".sources")) return std::nullopt;
  }
  return all;
}

std::optional<DebianMirror> FindDebianMirror(const std::vector<AptSource>& sources, const std::string& suite,
                                             const std::string& override_uri, std::string* error) {
  if (!override_uri.empty()) return DebianMirror{StripSlash(override_uri), "", "the --debian-mirror override", {}};
  if (const char* env = std::getenv("TR_DEBIAN_MIRROR"); env && *env) {
    return DebianMirror{StripSlash(env), "", "TR_DEBIAN_MIRROR", {}};
  }
  for (const auto& s : sources) {
    if (std::find(s.types.begin(), s.types.end(), "deb") == s.types.end()) continue;
    if (std::find(s.suites.begin(), s.suites.end(), suite) == s.suites.end()) continue;
    if (s.uris.empty()) continue;
    return DebianMirror{s.uris.front(), s.signed_by, s.origin, s.components};
  }
  if (error) {
    *error = "no apt source lists the suite '" + suite +
             "' (searched /etc/apt/sources.list and /etc/apt/sources.list.d/). Add one, or name a mirror with "
             "--debian-mirror URL or the TR_DEBIAN_MIRROR environment variable.";
  }
  return std::nullopt;
}

}  // namespace tinyrange::packages
