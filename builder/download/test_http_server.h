// A small HTTP/1.1 server on 127.0.0.1 for tests: serves fixed content per
// path, with keep-alive and "Range: bytes=N-", and can misbehave on
// purpose (fail the first requests, cut a body short, ignore ranges, send
// more than promised) so retry and resume paths are exercised for real.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tinyrange::download::testing {

struct Route {
  std::string body;
  int status = 200;
  int fail_first = 0;      // answer this many requests with 503 first
  int truncate_first = 0;  // cut this many responses off half-way
  bool ignore_range = false;
};

class TestHttpServer {
 public:
  TestHttpServer();
  ~TestHttpServer();

  void Set(const std::string& path, Route route);
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int RequestsFor(const std::string& path);
  std::vector<std::string> RangeHeadersFor(const std::string& path);
  int connections() const { return connections_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::map<std::string, Route> routes_;
  std::map<std::string, int> requests_;
  std::map<std::string, std::vector<std::string>> ranges_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::vector<int> client_fds_;
};

}  // namespace tinyrange::download::testing
