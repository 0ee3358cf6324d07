// The machine's apt sources: where Debian packages come from unless the
// user says otherwise. Nothing in tinyrange names a mirror host; the
// mirror is read from /etc/apt/sources.list and /etc/apt/sources.list.d/
// (one-line ".list" files and deb822 ".sources" files, sources.list(5)),
// or given with --debian-mirror / TR_DEBIAN_MIRROR.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tinyrange::packages {

struct AptSource {
  std::vector<std::string> types;  // "deb", "deb-src"
  std::vector<std::string> uris;
  std::vector<std::string> suites;
  std::vector<std::string> components;
  std::vector<std::string> architectures;  // empty: the machine's
  std::string signed_by;                   // a keyring path, or ""
  std::string origin;                      // "FILE:LINE", for messages
};

// Reads every enabled source under `root` (normally "/"), in apt's order:
// sources.list, then sources.list.d/ files sorted by name. Files apt
// ignores (other extensions) are ignored. Returns nullopt on a malformed
// file with *error naming it and the line.
std::optional<std::vector<AptSource>> ReadAptSources(const std::string& root, std::string* error);

// Parses the text of one file; `path` names it in errors and origins.
std::optional<std::vector<AptSource>> ParseOneLineSources(const std::string& text, const std::string& path,
                                                          std::string* error);
std::optional<std::vector<AptSource>> ParseDeb822Sources(const std::string& text, const std::string& path,
                                                         std::string* error);

struct DebianMirror {
  std::string uri;        // without a trailing '/'
  std::string signed_by;  // keyring from the source, or ""
  std::string origin;     // where it came from, for messages
  // The components the source enables for the suite; empty for an
  // override (the caller's default, "main", applies).
  std::vector<std::string> components;
};

// The mirror for `suite` (e.g. "bookworm", "bookworm-security"): the
// explicit override if given (the flag, else the TR_DEBIAN_MIRROR
// environment variable), else the first "deb" source listing the suite.
// On failure returns nullopt with *error saying what was searched and how
// to set a mirror.
std::optional<DebianMirror> FindDebianMirror(const std::vector<AptSource>& sources, const std::string& suite,
                                             const std::string& override_uri, std::string* error);

}  // namespace tinyrange::packages
