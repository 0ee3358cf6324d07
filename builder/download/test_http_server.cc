#include "builder/download/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace tinyrange::download::testing {
namespace {

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

TestHttpServer::TestHttpServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("test HTTP server: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestHttpServer::~TestHttpServer() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  close(listen_fd_);
  {
    std::lock_guard lock(mu_);
    for (int fd : client_fds_) shutdown(fd, SHUT_RDWR);
  }
  for (auto& w : workers_) w.join();
}

void TestHttpServer::Set(const std::string& path, Route route) {
  std::lock_guard lock(mu_);
  routes_[path] = std::move(route);
}

int TestHttpServer::RequestsFor(const std::string& path) {
  std::lock_guard lock(mu_);
  return requests_[path];
}

std::vector<std::string> TestHttpServer::RangeHeadersFor(const std::string& path) {
  std::lock_guard lock(mu_);
  return ranges_[path];
}

void TestHttpServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mu_);
    client_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TestHttpServer::Serve(int fd) {
  std::string buffer;
  char chunk[4096];
  for (;;) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        close(fd);
        return;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    std::string head = buffer.substr(0, end);
    buffer.erase(0, end + 4);
    size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    uint64_t from = 0;
    std::string range_header;
    if (size_t r = head.find("\r\nRange: bytes="); r != std::string::npos) {
      size_t eol = head.find("\r\n", r + 2);
      range_header = head.substr(r + 2, eol - r - 2);
      from = std::strtoull(head.c_str() + r + 15, nullptr, 10);
    }
    Route route;
    bool found;
    int nth;
    {
      std::lock_guard lock(mu_);
      nth = ++requests_[path];
      if (!range_header.empty()) ranges_[path].push_back(range_header);
      auto it = routes_.find(path);
      found = it != routes_.end();
      if (found) route = it->second;
    }
    std::string response;
    bool cut = false;
    if (!found || route.status == 404) {
      response = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
    } else if (nth <= route.fail_first) {
      response = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy";
    } else {
      bool ranged = from > 0 && !route.ignore_range;
      if (ranged && from >= route.body.size()) {
        response = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n";
      } else {
        std::string body = ranged ? route.body.substr(from) : route.body;
        response = std::string(ranged ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n") +
                   "Content-Length: " + std::to_string(body.size()) + "\r\n";
        if (ranged) {
          response += "Content-Range: bytes " + std::to_string(from) + "-" + std::to_string(route.body.size() - 1) + "/" +
                      std::to_string(route.body.size()) + "\r\n";
        }
        response += "\r\n";
        if (nth <= route.fail_first + route.truncate_first) {
          body.resize(body.size() / 2);
          cut = true;
        }
        response += body;
      }
    }
    if (!SendAll(fd, response.data(), response.size()) || cut) {
      // A cut response ends the connection, as a dropped link would.
      close(fd);
      return;
    }
  }
}

}  // namespace tinyrange::download::testing
