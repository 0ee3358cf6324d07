// Install steps: the package scripts guest-init runs after it has unpacked
// a plan's archives into the new root. The host (builder/install/) knows
// the packages, their order and their scripts' calling conventions; it
// writes the steps into an archive, so guest-init only has to run a list of
// programs in order and report the first that fails.
//
// Location: /.tinyrange/install/steps inside the new root (guest-init
// deletes the whole /.tinyrange/install directory once the steps ran).
//
// Format, version 1 (the same record syntax as init_config.h)
// ------------------------------------------------------------
//   file    = magic step* end
//   magic   = "tinyrange-install-steps 1\n"
//   record  = key NUL value NUL
//   step    = "step" NUL label NUL          what to call it in messages,
//                                           e.g. "busybox: postinst configure"
//             ("argv" NUL arg NUL)+         the program (an absolute path
//                                           inside the new root) and its arguments
//             ("env" NUL NAME=value NUL)*   added to the steps' base environment
//   end     = "end" NUL NUL                 nothing may follow it
//
// Each step runs chrooted into the new root with "/" as its working
// directory, stdin from /dev/null, stdout and stderr into one pipe, as root.
// Its environment is the base (PATH, HOME=/root, TERM, LANG=C) plus its
// env records; an env record replaces a base entry of the same name.
//
// Errors (unknown key, a step without argv, an empty label, argv or env
// before the first step, argv[0] not absolute, env without '=', missing
// `end`, data after `end`, bad magic) name the key and byte offset, as for
// the init config (FormatInitConfigError formats them).
//
// The parser allocates nothing and throws nothing: it is compiled into
// guest-init as well as into the host's tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guest-init/init_config.h"

namespace tinyrange {

inline constexpr std::string_view kInstallStepsMagic = "tinyrange-install-steps 1\n";
// Inside the new root.
inline constexpr const char* kInstallStepsPath = "/.tinyrange/install/steps";
inline constexpr const char* kInstallDirectory = "/.tinyrange/install";

// One step, pointing into the parsed buffer. argv and env values are
// NUL-terminated in that buffer.
struct InstallStepView {
  std::string_view label;
  // The step's records (argv and env, in file order) for iteration with
  // NextInstallStepRecord.
  std::string_view records;
  size_t argv_count = 0;
  size_t env_count = 0;
};

// Iterates over a steps file. Usage:
//   InstallStepsReader reader(bytes);
//   InstallStepView step;
//   while (reader.Next(&step)) { ... }
//   if (reader.failed()) report(reader.error());
class InstallStepsReader {
 public:
  explicit InstallStepsReader(std::string_view data) : data_(data) {}
  // false at the end of the file or on an error (then failed() is true).
  bool Next(InstallStepView* step);
  bool failed() const { return failed_; }
  const InitConfigError& error() const { return error_; }

 private:
  std::string_view data_;
  size_t offset_ = 0;
  bool started_ = false;
  bool done_ = false;  // `end` was read
  bool failed_ = false;
  InitConfigError error_;
};

// Walks the argv/env records of one step: fills *key ("argv" or "env") and
// *value; false when the step has no more records.
bool NextInstallStepRecord(std::string_view* records, std::string_view* key,
                           std::string_view* value);

}  // namespace tinyrange
