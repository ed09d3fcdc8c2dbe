// The streaming client and the blocking fetch against a real `chimera sim`
// over loopback (and, for what no server should do, a bare socket): every
// limit ends a transfer in time, cancellation is prompt, caps bound memory,
// and every request says who is asking.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "chimera/http/client.hpp"
#include "chimera/http/fetch.hpp"
#include "chimera/version.hpp"
#include "support/process.hpp"

namespace chimera::http {
namespace {

using std::chrono::milliseconds;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Reports every chunk as a token (so first-token is the first byte), and stops
// once `stop_after` bytes arrived (0: never).
class Recorder final : public StreamHandler {
 public:
  explicit Recorder(std::promise<TransferOutcome>& done, std::uint64_t stop_after = 0)
      : done_(done), stop_after_(stop_after) {}
  BodyAction on_body(std::string_view bytes, Clock::time_point) override {
    bytes_ += bytes.size();
    if (stop_after_ != 0 && bytes_ >= stop_after_) return BodyAction::kStop;
    return BodyAction::kToken;
  }
  void on_complete(const TransferOutcome& outcome) override { done_.set_value(outcome); }

 private:
  std::promise<TransferOutcome>& done_;
  std::uint64_t stop_after_;
  std::uint64_t bytes_ = 0;
};

class ClientAgainstSim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new testing::SimProcess({"--load-ms", "0", "--decode-tps", "200", "--prefill-tps",
                                    "100000", "--jitter", "0", "--parallel", "8"});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }

  static HttpRequest generate(const std::string& fault, int tokens = 20) {
    HttpRequest r;
    r.method = "POST";
    r.url = sim_->url() + "/api/generate";
    r.body =
        nlohmann::json{
            {"model", "gemma3:latest"}, {"prompt", "p"}, {"options", {{"num_predict", tokens}}}}
            .dump();
    r.headers = {"Content-Type: application/json"};
    if (!fault.empty()) r.headers.push_back("X-Sim-Fault: " + fault);
    return r;
  }

  static TransferOutcome run(HttpRequest request, std::uint64_t stop_after = 0) {
    Client client(false);
    std::promise<TransferOutcome> done;
    auto future = done.get_future();
    client.submit(std::move(request), std::make_unique<Recorder>(done, stop_after));
    EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    return future.get();
  }

  static inline testing::SimProcess* sim_ = nullptr;
};

TEST_F(ClientAgainstSim, HealthyStreamCompletes) {
  const auto o = run(generate(""));
  EXPECT_EQ(o.end, TransferEnd::kOk);
  EXPECT_EQ(o.http_status, 200);
  EXPECT_GT(o.body_bytes, 0u);
}

TEST_F(ClientAgainstSim, FirstTokenLimitEndsAStalledStart) {
  auto request = generate("stall_first;ms=5000");
  request.timeouts.first_token_ms = 300;
  const auto o = run(std::move(request));
  EXPECT_EQ(o.end, TransferEnd::kFirstTokenTimeout);
  const double took = ms_between(o.handed_at, o.finished_at);
  EXPECT_GE(took, 290);
  EXPECT_LT(took, 2000);
}

TEST_F(ClientAgainstSim, IdleLimitEndsAStalledStream) {
  auto request = generate("stall_between;ms=5000;after=2");
  request.timeouts.idle_ms = 300;
  const auto o = run(std::move(request));
  EXPECT_EQ(o.end, TransferEnd::kIdleTimeout);
  EXPECT_LT(ms_between(o.handed_at, o.finished_at), 3000);
}

TEST_F(ClientAgainstSim, TotalLimitEndsAnEndlessStream) {
  auto request = generate("no_newline");
  request.timeouts.total_ms = 500;
  const auto o = run(std::move(request));
  EXPECT_EQ(o.end, TransferEnd::kTotalTimeout);
  const double took = ms_between(o.handed_at, o.finished_at);
  EXPECT_GE(took, 490);
  EXPECT_LT(took, 2500);
}

TEST_F(ClientAgainstSim, HandlerStopEndsAnEndlessStreamAtOnce) {
  const auto o = run(generate("no_newline"), 1u << 20);
  EXPECT_EQ(o.end, TransferEnd::kStoppedByHandler);
  EXPECT_GE(o.body_bytes, 1u << 20);
  EXPECT_LT(o.body_bytes, 4u << 20);  // what curl had buffered, no more
}

TEST_F(ClientAgainstSim, CancelAllEndsTransfersInFlightPromptly) {
  Client client(false);
  std::promise<TransferOutcome> done;
  auto future = done.get_future();
  client.submit(generate("stall_first;ms=10000"), std::make_unique<Recorder>(done));
  std::this_thread::sleep_for(milliseconds(200));
  const auto cancelled_at = Clock::now();
  client.cancel_all();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const auto o = future.get();
  EXPECT_EQ(o.end, TransferEnd::kCancelled);
  EXPECT_LT(ms_between(cancelled_at, o.finished_at), 500);
}

TEST_F(ClientAgainstSim, HeldTransfersGoOutWhenDueInDueOrder) {
  Client client(false);
  // Submitted latest-due first; each is held until its own time.
  const auto base = Clock::now() + milliseconds(100);
  const int offsets_ms[] = {90, 30, 60, 0};
  std::promise<TransferOutcome> done[4];
  std::future<TransferOutcome> futures[4];
  for (int i = 0; i < 4; ++i) {
    auto request = generate("", 2);
    request.not_before = base + milliseconds(offsets_ms[i]);
    futures[i] = done[i].get_future();
    client.submit(std::move(request), std::make_unique<Recorder>(done[i]));
  }
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(futures[i].wait_for(std::chrono::seconds(10)), std::future_status::ready);
    const auto o = futures[i].get();
    const auto due = base + milliseconds(offsets_ms[i]);
    EXPECT_EQ(o.end, TransferEnd::kOk);
    // Never early; the request bytes go out at most a few ms after the due
    // time (generous for a loaded machine; the benchmark measures the tail).
    EXPECT_GE(o.handed_at, due);
    EXPECT_GE(o.t0, due);
    EXPECT_LT(ms_between(due, o.t0), 50);
  }
}

TEST_F(ClientAgainstSim, CancelAllEndsHeldTransfersToo) {
  Client client(false);
  std::promise<TransferOutcome> done;
  auto future = done.get_future();
  auto request = generate("", 2);
  request.not_before = Clock::now() + std::chrono::seconds(60);
  client.submit(std::move(request), std::make_unique<Recorder>(done));
  std::this_thread::sleep_for(milliseconds(50));
  client.cancel_all();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get().end, TransferEnd::kCancelled);
}

TEST_F(ClientAgainstSim, ConnectFailureToAClosedPort) {
  HttpRequest request;
  request.url = "http://127.0.0.1:1/api/version";
  request.timeouts.connect_ms = 2000;
  const auto o = run(std::move(request));
  EXPECT_EQ(o.end, TransferEnd::kConnectFailed);
}

TEST_F(ClientAgainstSim, FetchCapsTheBodyOfAnEndlessAnswer) {
  FetchRequest request;
  request.method = "POST";
  request.url = sim_->url() + "/api/generate";
  request.body = R"({"model":"gemma3:latest","prompt":"p"})";
  request.headers = {"X-Sim-Fault: no_newline"};
  request.max_body_bytes = 1u << 20;
  const auto start = Clock::now();
  const auto response = fetch(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().kind, FailureKind::kProtocol);
  EXPECT_NE(response.error().message.find("larger than 1048576 bytes"), std::string::npos);
  EXPECT_LT(ms_between(start, Clock::now()), 5000);
}

TEST_F(ClientAgainstSim, FetchTotalLimitEndsAStalledAnswer) {
  FetchRequest request;
  request.method = "POST";
  request.url = sim_->url() + "/api/generate";
  request.body = R"({"model":"gemma3:latest","prompt":"p","stream":false})";
  request.headers = {"X-Sim-Fault: stall_first;ms=10000"};
  request.timeouts = {2000, 0, 0, 700};
  const auto start = Clock::now();
  const auto response = fetch(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().kind, FailureKind::kTimeout);
  const double took = ms_between(start, Clock::now());
  EXPECT_GE(took, 690);
  EXPECT_LT(took, 2500);
}

// A server that accepts connections and never answers, as a hung process does.
// The listening socket completes the handshake from its backlog; the accepted
// connection's request is read and recorded.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 4);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    reader_ = std::thread([this] {
      const int peer = accept(fd_, nullptr, nullptr);
      if (peer < 0) return;
      char buffer[4096];
      const auto got = read(peer, buffer, sizeof buffer);
      if (got > 0) request_.set_value(std::string(buffer, static_cast<std::size_t>(got)));
      // Hold the connection open, silent, until the client gives up.
      while (read(peer, buffer, sizeof buffer) > 0) {
      }
      close(peer);
    });
  }
  ~SilentServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    reader_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::future<std::string> request() { return request_.get_future(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::promise<std::string> request_;
  std::thread reader_;
};

TEST(FetchLimits, FirstByteLimitEndsASilentServer) {
  SilentServer server;
  auto sent = server.request();
  FetchRequest request;
  request.url = server.url() + "/api/version";
  request.timeouts = {2000, 1500, 0, 30000};
  const auto start = Clock::now();
  const auto response = fetch(request);
  const double took = ms_between(start, Clock::now());
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().kind, FailureKind::kTimeout);
  EXPECT_NE(response.error().message.find("first-byte timeout"), std::string::npos)
      << response.error().message;
  EXPECT_GE(took, 1490);
  EXPECT_LT(took, 3500);  // curl checks at least once a second
  ASSERT_EQ(sent.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_NE(sent.get().find(std::string("User-Agent: chimera/") + kVersion + "\r\n"),
            std::string::npos);
}

TEST(ClientUserAgent, StreamsSayWhoIsAsking) {
  SilentServer server;
  auto sent = server.request();
  HttpRequest request;
  request.url = server.url() + "/v1/chat/completions";
  request.method = "POST";
  request.body = "{}";
  request.timeouts.total_ms = 500;
  Client client(false);
  std::promise<TransferOutcome> done;
  auto future = done.get_future();
  client.submit(std::move(request), std::make_unique<Recorder>(done));
  ASSERT_EQ(sent.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_NE(sent.get().find(std::string("User-Agent: chimera/") + kVersion + "\r\n"),
            std::string::npos);
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(future.get().end, TransferEnd::kTotalTimeout);
}

}  // namespace
}  // namespace chimera::http
