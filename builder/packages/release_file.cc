#include "builder/packages/release_file.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "builder/packages/control_file.h"

extern char** environ;

namespace tinyrange::packages {
namespace {

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Runs a program and collects its stdout and stderr; returns its exit
// status, or -1 if it could not be started.
int Run(const std::vector<std::string>& argv, std::string* out, std::string* err) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return -1;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return -1;
  }
  // stdout first, to its end: gpgv writes only a few lines to stderr, so
  // it cannot block on a full stderr pipe meanwhile.
  char buffer[65536];
  ssize_t n;
  while ((n = read(out_pipe[0], buffer, sizeof buffer)) > 0) out->append(buffer, static_cast<size_t>(n));
  while ((n = read(err_pipe[0], buffer, sizeof buffer)) > 0) err->append(buffer, static_cast<size_t>(n));
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::optional<std::time_t> ParseReleaseDate(const std::string& text) {
  struct tm tm {};
  // "Sat, 11 Jul 2026 10:16:37 UTC"; the weekday is optional.
  const char* rest = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!rest) rest = strptime(text.c_str(), "%d %b %Y %H:%M:%S", &tm);
  if (!rest) return std::nullopt;
  while (*rest == ' ') ++rest;
  if (*rest && std::strcmp(rest, "UTC") != 0 && std::strcmp(rest, "GMT") != 0 && std::strcmp(rest, "+0000") != 0 &&
      std::strcmp(rest, "Z") != 0) {
    return std::nullopt;  // other zones do not appear in Debian's files
  }
  return timegm(&tm);
}

std::optional<ReleaseFile> ParseReleaseFile(const std::string& text, const std::string& name, std::string* error) {
  std::string parse_error;
  auto paragraphs = ParseControlParagraphs(text, {}, &parse_error);
  if (!paragraphs || paragraphs->empty()) {
    if (error) *error = name + ": " + (paragraphs ? "empty Release file" : parse_error);
    return std::nullopt;
  }
  const ControlParagraph& p = (*paragraphs)[0];
  ReleaseFile release;
  if (auto v = p.Get("Suite")) release.suite = std::string(*v);
  if (auto v = p.Get("Codename")) release.codename = std::string(*v);
  if (auto v = p.Get("Acquire-By-Hash")) release.acquire_by_hash = *v == "yes";
  if (auto v = p.Get("Valid-Until")) {
    release.valid_until = ParseReleaseDate(std::string(*v));
    if (!release.valid_until) {
      if (error) *error = name + ":" + std::to_string(p.Find("Valid-Until")->line) + ": unreadable Valid-Until date";
      return std::nullopt;
    }
  }
  const ControlField* sha = p.Find("SHA256");
  if (!sha) {
    if (error) *error = name + ": no SHA256 list (a Release file without SHA-256 sums cannot be trusted)";
    return std::nullopt;
  }
  uint32_t line = sha->line;
  for (auto l : ValueLines(sha->value)) {
    ++line;
    auto words = ValueWords(l);
    uint64_t size = 0;
    if (words.size() != 3 || !IsHex64(words[0]) ||
        std::from_chars(words[1].data(), words[1].data() + words[1].size(), size).ec != std::errc()) {
      if (error) *error = name + ":" + std::to_string(line) + ": expected 'SHA256 SIZE PATH' in the SHA256 list";
      return std::nullopt;
    }
    release.files[std::string(words[2])] = {std::string(words[0]), size};
  }
  return release;
}

std::optional<std::string> VerifyInRelease(const std::string& in_release_path, const std::string& keyring,
                                           std::string* error) {
  if (access(keyring.c_str(), R_OK) != 0) {
    if (error) {
      *error = "cannot read the keyring " + keyring +
               " to check " + in_release_path + " (install the distribution's keyring package, e.g. debian-archive-keyring)";
    }
    return std::nullopt;
  }
  std::string out, err;
  int status = Run({"gpgv", "--quiet", "--keyring", keyring, "--output", "-", in_release_path}, &out, &err);
  if (status == -1) {
    if (error) *error = "cannot run gpgv to check " + in_release_path + " (install the gpgv package)";
    return std::nullopt;
  }
  if (status != 0 || out.empty()) {
    while (!err.empty() && err.back() == '\n') err.pop_back();
    if (error) {
      *error = in_release_path + ": the signature does not verify against " + keyring + ":\n" + err +
               "\nNothing from this repository was used.";
    }
    return std::nullopt;
  }
  return out;
}

}  // namespace tinyrange::packages
