// Writes a file of the guest to the output disk (output_format.h).
#pragma once

namespace tinyrange {

// Copies `path` to the disk open at `disk_fd` behind the header, then the
// header, then fsyncs. Returns 0, or an errno value when the disk cannot
// be written; a missing or too large file is reported in the header (and
// returns 0).
int WriteOutputFile(const char* path, int disk_fd);

}  // namespace tinyrange
