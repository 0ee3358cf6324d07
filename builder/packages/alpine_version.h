// Alpine package versions, ordered the way apk orders them:
//   DIGITS{.DIGITS}[letter]{_suffix[DIGITS]}[~hexhash][-rDIGITS]
// The first number compares numerically; a later number compares as text
// when either side has a leading zero ("1.02" < "1.1"), numerically
// otherwise. Suffixes _alpha < _beta < _pre < _rc sort before the bare
// version, _cvs < _svn < _git < _hg < _p after it. When one version is a
// prefix of the other, the longer is newer unless what follows is a
// pre-release suffix; -rN is the package revision.
//
// An invalid version is still ordered deterministically: comparison walks
// both versions token by token and stops at the first bad token, which
// sorts below any valid continuation (the same answers apk gives).
#pragma once

#include <string_view>

namespace tinyrange::packages {

bool IsValidAlpineVersion(std::string_view version);

// <0, 0 or >0 as a is older than, the same as, or newer than b.
int CompareAlpineVersions(std::string_view a, std::string_view b);

// apk's fuzzy match (the "~" operator): true when `version` starts with
// every token of `prefix` ("~1.2" accepts 1.2, 1.2.9 and 1.2-r3, not 1.20).
bool AlpineVersionHasPrefix(std::string_view version, std::string_view prefix);

}  // namespace tinyrange::packages
