#pragma once
// A hostile HTTP server for tests, written on bare sockets: it listens on
// 127.0.0.1 (a port of the kernel's choosing), reads each request, and lets
// the test write whatever bytes it likes back, at whatever pace: statistics
// that lie, a body trickled a byte at a time, redirects. Model listings
// (/api/version, /api/tags, /api/show, /v1/models) are answered for one model
// so that a real `chimera bench` gets past its pre-check to the stream.

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chimera::testing {

struct RawRequest {
  std::string method;
  std::string path;
  std::string body;
};

class RawServer {
 public:
  // Writes the answer to a generation request on `fd`; the connection is
  // closed when it returns. `stopping` turns true when the server is being
  // destroyed: a handler that paces its writes checks it between them.
  using Handler =
      std::function<void(int fd, const RawRequest& request, const std::atomic<bool>& stopping)>;

  explicit RawServer(Handler handler, std::string model = "m");
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:PORT
  int generation_requests() const { return generations_.load(); }

 private:
  void accept_loop();
  void serve(int fd);
  bool answer_listing(int fd, const RawRequest& request) const;

  Handler handler_;
  std::string model_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> generations_{0};
  std::mutex mutex_;
  std::vector<int> peers_;  // open connections, shut down by the destructor
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// Writes all of `bytes`; false when the peer has gone.
bool send_all(int fd, const std::string& bytes);
// Headers of a streamed answer closed by the server (no length, no chunking).
std::string stream_head(const std::string& content_type, int status = 200,
                        const std::string& extra_headers = "");

}  // namespace chimera::testing
