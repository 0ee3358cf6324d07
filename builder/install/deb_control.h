// Debian control data (deb-control(5), deb-conffiles(5), deb-triggers(5)):
// parsing a package's control files and writing its stanza of dpkg's
// status file the way dpkg does.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tinyrange::install {

struct ControlField {
  std::string name;   // as written
  std::string value;  // after "Name:", continuation lines included ("\n ..."), trimmed at both ends
};

// The fields of the first paragraph of `text`, in order. Returns false
// with *error set when a line is neither a field nor a continuation.
bool ParseControlStanza(const std::string& text, std::vector<ControlField>* fields, std::string* error);

// The value of the field `name` (case-insensitive), or "".
std::string FieldValue(const std::vector<ControlField>& fields, const std::string& name);

// One stanza of /var/lib/dpkg/status, ending in a blank line: the fields
// in dpkg's order (Package, Essential, Protected, Status, Priority, ...,
// Conffiles, Description, then the fields dpkg does not know, in their
// original order), with "Status: install ok installed" and `conffiles`
// (" /path md5" lines, without the leading newline) as the Conffiles
// field when not empty. Fields dpkg never writes to the status file
// (Status, Config-Version, Revision, Filename, Size, MD5sum,
// MSDOS-Filename, Essential: no) are dropped.
std::string StatusStanza(const std::vector<ControlField>& fields, const std::string& conffiles);

struct DebTriggers {
  std::vector<std::string> interests;    // interest, interest-await, interest-noawait
  std::vector<std::string> activations;  // activate, activate-await, activate-noawait
};

// A "triggers" control file. Unknown directives are an error (dpkg
// refuses them too); *error names the line.
bool ParseDebTriggers(const std::string& text, DebTriggers* triggers, std::string* error);

// An "md5sums" control file: path without leading '/' (or "./") -> hex.
std::map<std::string, std::string> ParseMd5sums(const std::string& text);

struct Conffile {
  std::string path;                // absolute
  std::vector<std::string> flags;  // e.g. "remove-on-upgrade"
};
std::vector<Conffile> ParseConffiles(const std::string& text);

}  // namespace tinyrange::install
