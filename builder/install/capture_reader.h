// The host side of the capture disk (guest-init/capture_format.h): after a
// boot that ran install steps, checks what the guest wrote and keeps the
// captured archive, so the next boot of the same plan can unpack it
// instead of running the steps again. The guest is untrusted: every field
// is checked and the archive is validated completely before it is kept.
#pragma once

#include <cstdint>
#include <filesystem>

#include "guest-init/capture_format.h"

namespace tinyrange::install {

struct CaptureResult {
  CaptureStatus status = CaptureStatus::kNotCacheable;
  uint64_t length = 0;  // bytes of the captured archive (kComplete only)
};

// Reads the capture disk image `disk` (a regular file). For kComplete,
// copies the archive to `output` (created or replaced atomically; its
// directory must exist) after validating every entry with ArchiveReader.
// For kNotCacheable and kTooLarge, writes nothing. Throws InstallError
// naming the disk and the byte offset on the disk for a malformed header
// or archive (and for a disk that is not a regular file or cannot be
// read); `output` is then left as it was.
CaptureResult ReadCapture(const std::filesystem::path& disk, const std::filesystem::path& output);

}  // namespace tinyrange::install
