// Downloads with libcurl into the cache: many transfers in parallel on one
// multi handle (connections are reused across files of a host), retries
// with exponential backoff on transient failures, resumption of partial
// files, and verification of size and SHA-256 before anything takes its
// final name. A file that fails verification is deleted, never kept.
//
// Cache safety: each destination is written as DEST.part and renamed into
// place; a lock file (DEST.lock) makes concurrent tr processes wait for
// each other instead of fetching the same file twice.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "builder/download/progress.h"

namespace tinyrange::download {

struct DownloadRequest {
  std::string url;
  std::string destination;  // final path; its directory is created
  std::optional<uint64_t> size;  // expected size in bytes, if known
  // Without a known size, the most a server may send before the transfer
  // is refused: a hostile or broken server cannot fill the disk.
  uint64_t max_size = 1ULL << 30;
  std::string sha256;  // expected lower-case hex, or "" if not known
  // Fetch again even if the destination exists (e.g. a Release file,
  // which changes under the same name). Offline, the cached copy is used.
  bool refresh = false;
  std::string label;  // for progress and errors; the URL if empty
};

struct DownloadResult {
  bool ok = false;
  bool from_cache = false;
  uint64_t bytes = 0;
  std::string error;  // names the file and says what to do
};

struct DownloadOptions {
  bool offline = false;
  long max_parallel = 8;
  long max_per_host = 6;
  int retries = 4;  // after the first attempt
  std::chrono::milliseconds initial_backoff{250};
  long connect_timeout_seconds = 20;
  // A transfer slower than 1 KiB/s for this long is a transient failure.
  long stall_seconds = 30;
  ProgressSink* progress = nullptr;
};

class Downloader {
 public:
  explicit Downloader(DownloadOptions options);
  // Fetches every request; results are in request order. Never throws for
  // a failed transfer: each result says what happened.
  std::vector<DownloadResult> Fetch(const std::vector<DownloadRequest>& requests);

 private:
  DownloadOptions options_;
};

}  // namespace tinyrange::download
