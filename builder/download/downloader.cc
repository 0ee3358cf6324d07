#include "builder/download/downloader.h"

#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>

#include "builder/download/file_lock.h"
#include "builder/download/sha256.h"

namespace tinyrange::download {
namespace {

using Clock = std::chrono::steady_clock;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

bool IsTransientCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

bool IsTransientHttpStatus(long status) { return status == 408 || status == 429 || status >= 500; }

// One file being fetched: its request, its .part file and its hash so far.
struct Transfer {
  size_t index = 0;
  const DownloadRequest* request = nullptr;
  std::string part_path;
  FILE* part = nullptr;
  std::unique_ptr<Sha256> hash;
  uint64_t written = 0;   // bytes in the .part file
  uint64_t resumed_from = 0;
  int attempts = 0;
  bool too_big = false;
  bool restart = false;   // the server ignored our Range: start again
  long status = 0;
  CURL* easy = nullptr;
  Clock::time_point not_before{};
  std::string Label() const { return request->label.empty() ? request->url : request->label; }
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (redirects give several): take its status.
    size_t space = line.find(' ');
    t->status = space == std::string::npos ? 0 : std::strtol(line.c_str() + space + 1, nullptr, 10);
  }
  return size * count;
}

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->status >= 300) return n;  // an error page: not file content
  if (t->resumed_from > 0 && t->status == 200) {
    // We asked for a range and got the whole file: drop what we had.
    t->restart = true;
    return 0;
  }
  uint64_t limit = t->request->size ? *t->request->size : t->request->max_size;
  if (t->written + n > limit) {
    t->too_big = true;
    return 0;  // aborts the transfer: more bytes than promised or allowed
  }
  if (std::fwrite(data, 1, n, t->part) != n) return 0;
  t->hash->Update(data, n);
  t->written += n;
  return n;
}

// Opens the .part file for appending, hashing what it already holds.
bool OpenPart(Transfer& t, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(t.request->destination).parent_path(), ec);
  t.hash = std::make_unique<Sha256>();
  t.written = 0;
  if (Exists(t.part_path)) {
    FILE* existing = std::fopen(t.part_path.c_str(), "rb");
    if (existing) {
      char buffer[1 << 16];
      size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, existing)) > 0) {
        t.hash->Update(buffer, n);
        t.written += n;
      }
      std::fclose(existing);
    }
    if (t.request->size && t.written > *t.request->size) {  // garbage: start over
      std::remove(t.part_path.c_str());
      t.hash = std::make_unique<Sha256>();
      t.written = 0;
    }
  }
  t.part = std::fopen(t.part_path.c_str(), "ab");
  if (!t.part) {
    *error = "cannot write " + t.part_path + ": " + std::strerror(errno);
    return false;
  }
  t.resumed_from = t.written;
  return true;
}

}  // namespace

Downloader::Downloader(DownloadOptions options) : options_(std::move(options)) { InitCurlOnce(); }

std::vector<DownloadResult> Downloader::Fetch(const std::vector<DownloadRequest>& requests) {
  std::vector<DownloadResult> results(requests.size());
  ProgressSink* progress = options_.progress;

  // Cache hits and offline answers first; the rest are locked in path
  // order (a global order, so two processes never wait on each other in a
  // cycle) and fetched.
  std::vector<size_t> to_fetch;
  for (size_t i = 0; i < requests.size(); ++i) {
    const DownloadRequest& r = requests[i];
    bool cached = Exists(r.destination);
    if (cached && (!r.refresh || options_.offline)) {
      results[i] = {true, true, FileSize(r.destination), ""};
    } else if (options_.offline) {
      results[i].error = (r.label.empty() ? r.url : r.label) +
                         " is not in the cache, and --offline forbids downloading it; run once without --offline";
    } else {
      to_fetch.push_back(i);
    }
  }
  std::sort(to_fetch.begin(), to_fetch.end(),
            [&](size_t a, size_t b) { return requests[a].destination < requests[b].destination; });
  std::vector<std::unique_ptr<FileLock>> locks;
  std::vector<std::unique_ptr<Transfer>> transfers;
  for (size_t i : to_fetch) {
    const DownloadRequest& r = requests[i];
    try {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(r.destination).parent_path(), ec);
      locks.push_back(std::make_unique<FileLock>(r.destination + ".lock"));
    } catch (const std::exception& e) {
      results[i].error = e.what();
      continue;
    }
    // Another process may have made it while we waited for the lock.
    if (!r.refresh && Exists(r.destination)) {
      results[i] = {true, true, FileSize(r.destination), ""};
      continue;
    }
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->request = &r;
    // A refreshed file never resumes: its old bytes may be another version.
    t->part_path = r.destination + ".part";
    if (r.refresh) std::remove(t->part_path.c_str());
    transfers.push_back(std::move(t));
  }

  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, options_.max_parallel);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_per_host);
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  // One easy handle per transfer, reused across its retries; connections
  // live in the multi handle's pool and are reused between files.
  std::deque<Transfer*> waiting;
  for (auto& t : transfers) waiting.push_back(t.get());
  std::map<CURL*, Transfer*> running;
  uint64_t batch_total = 0;
  for (auto& t : transfers) batch_total += t->request->size.value_or(0);
  uint64_t finished_bytes = 0;
  std::mt19937 jitter(static_cast<unsigned>(getpid()));

  auto finish = [&](Transfer& t, const std::string& error) {
    if (t.part) {
      std::fclose(t.part);
      t.part = nullptr;
    }
    DownloadResult& result = results[t.index];
    if (!error.empty()) {
      result.error = error;
      if (progress) progress->Failed(t.Label(), error);
      return;
    }
    result = {true, false, t.written, ""};
    finished_bytes += t.written;
    if (progress) progress->Finished(t.Label(), t.written);
  };

  auto start = [&](Transfer& t) -> bool {
    std::string error;
    if (!OpenPart(t, &error)) {
      finish(t, error);
      return false;
    }
    ++t.attempts;
    t.status = 0;
    t.too_big = false;
    t.restart = false;
    if (!t.easy) t.easy = curl_easy_init();
    CURL* e = t.easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, t.request->url.c_str());
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnData);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, options_.stall_seconds);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "tinyrange");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (t.written > 0) curl_easy_setopt(e, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.written));
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_multi_add_handle(multi, e);
    running[e] = &t;
    return true;
  };

  // What to do with a transfer that ended: verify and rename, retry, or fail.
  auto complete = [&](Transfer& t, CURLcode code) {
    curl_multi_remove_handle(multi, t.easy);
    running.erase(t.easy);
    std::fclose(t.part);
    t.part = nullptr;
    const DownloadRequest& r = *t.request;
    std::string label = t.Label();
    auto retry_or_fail = [&](const std::string& why) {
      if (t.attempts <= options_.retries) {
        auto backoff = options_.initial_backoff * (1 << (t.attempts - 1));
        auto extra = std::chrono::milliseconds(jitter() % static_cast<unsigned>(backoff.count() / 2 + 1));
        t.not_before = Clock::now() + backoff + extra;
        waiting.push_back(&t);
        return;
      }
      finish(t, label + ": " + why + " (after " + std::to_string(t.attempts) + " attempts)");
    };
    if (t.restart || (code == CURLE_RANGE_ERROR) || t.status == 416) {
      std::remove(t.part_path.c_str());  // the server would not resume: start from zero
      --t.attempts;  // not the server's failure
      t.not_before = Clock::now();
      waiting.push_back(&t);
      return;
    }
    if (t.too_big) {
      std::remove(t.part_path.c_str());
      finish(t, r.size ? label + ": the server sent more than the expected " + std::to_string(*r.size) +
                             " bytes; nothing was kept (the mirror may be mid-update: try again later)"
                       : label + ": the server sent more than " + std::to_string(r.max_size) +
                             " bytes, more than such a file can be; nothing was kept");
      return;
    }
    if (code != CURLE_OK) {
      std::string why = curl_easy_strerror(code);
      if (IsTransientCurlError(code)) return retry_or_fail(why);
      finish(t, label + ": " + why);
      return;
    }
    if (t.status >= 300) {
      std::string why = "HTTP " + std::to_string(t.status) + " from " + r.url;
      if (IsTransientHttpStatus(t.status)) return retry_or_fail(why);
      finish(t, label + ": " + why + (t.status == 404 ? " (the mirror does not have it: is the index stale?)" : ""));
      return;
    }
    if (r.size && t.written != *r.size) {
      // Short: the connection ended early. Keep the part and resume.
      return retry_or_fail("got " + std::to_string(t.written) + " of " + std::to_string(*r.size) + " bytes");
    }
    std::string digest = t.hash->HexDigest();
    if (!r.sha256.empty() && digest != r.sha256) {
      std::remove(t.part_path.c_str());
      finish(t, label + ": SHA-256 mismatch (expected " + r.sha256 + ", got " + digest +
                    "); nothing was kept. The mirror may be mid-update: try again later");
      return;
    }
    if (std::rename(t.part_path.c_str(), r.destination.c_str()) != 0) {
      finish(t, "cannot move " + t.part_path + " into place: " + std::strerror(errno));
      return;
    }
    finish(t, "");
  };

  while (!waiting.empty() || !running.empty()) {
    auto now = Clock::now();
    for (size_t n = waiting.size(); n > 0 && static_cast<long>(running.size()) < options_.max_parallel * 2; --n) {
      Transfer* t = waiting.front();
      waiting.pop_front();
      if (t->not_before > now) {
        waiting.push_back(t);
        continue;
      }
      start(*t);
    }
    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    while (CURLMsg* msg = curl_multi_info_read(multi, &still_running)) {
      if (msg->msg != CURLMSG_DONE) continue;
      auto it = running.find(msg->easy_handle);
      if (it != running.end()) complete(*it->second, msg->data.result);
    }
    if (progress) {
      std::vector<TransferState> active;
      uint64_t done = finished_bytes;
      for (const auto& [easy, t] : running) {
        active.push_back({t->Label(), t->written, t->request->size.value_or(0)});
        done += t->written;
      }
      progress->Update(active, done, batch_total);
    }
    if (!running.empty()) {
      curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    } else if (!waiting.empty()) {
      // Only backoffs pending: sleep until the earliest is due.
      auto due = waiting.front()->not_before;
      for (auto* t : waiting) due = std::min(due, t->not_before);
      auto wait = std::chrono::duration_cast<std::chrono::microseconds>(due - Clock::now());
      if (wait.count() > 0) usleep(static_cast<useconds_t>(std::min<int64_t>(wait.count(), 1000000)));
    }
  }
  for (auto& t : transfers) {
    if (t->easy) curl_easy_cleanup(t->easy);
  }
  curl_multi_cleanup(multi);
  if (progress) progress->Done();
  return results;
}

}  // namespace tinyrange::download
