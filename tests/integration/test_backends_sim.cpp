// The backends against the real `chimera sim` over loopback: metrics agree
// with the simulator's own truth, every fault ends as a clearly explained
// result while healthy requests carry on.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>

#include "chimera/backends/backend.hpp"
#include "chimera/http/fetch.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {

using backends::GenerationRequest;
using measure::RequestResult;
using measure::Status;

constexpr const char* kModel = "gemma3:latest";

// A port nothing listens on: bound once, then closed.
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Collects results of concurrent submissions.
class Results {
 public:
  std::function<void(RequestResult)> sink() {
    return [this](RequestResult r) {
      std::lock_guard lock(mutex_);
      results_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  std::vector<RequestResult> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return results_.size() >= n; });
    return results_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<RequestResult> results_;
};

GenerationRequest request(const std::string& api, int tokens, const std::string& model = kModel) {
  GenerationRequest r;
  r.model = model;
  r.api = api;
  r.prompt = "Summarise the benchmark results.";
  r.options = {{"num_predict", tokens}, {"seed", 7}};
  r.timeouts.first_token_ms = 10000;
  r.timeouts.idle_ms = 5000;
  r.timeouts.total_ms = 30000;
  return r;
}

class BackendsAgainstSim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new SimProcess({"--load-ms", "30", "--decode-tps", "400", "--prefill-tps", "20000",
                           "--jitter", "0", "--parallel", "256"});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }

  std::unique_ptr<backends::Backend> backend(const std::string& kind) {
    auto made = backends::make_backend({.kind = kind, .url = sim_->url(), .api_key = {}});
    EXPECT_TRUE(made.has_value());
    return std::move(*made);
  }

  static nlohmann::json truth_for(std::int64_t id) {
    http::FetchRequest truth_request;
    truth_request.url = sim_->url() + "/sim/requests";
    auto response = http::fetch(truth_request);
    EXPECT_TRUE(response.has_value());
    for (const auto& t : nlohmann::json::parse(response->body)) {
      if (t["id"].get<std::int64_t>() == id) return t;
    }
    ADD_FAILURE() << "no truth for request " << id;
    return {};
  }

  static inline SimProcess* sim_ = nullptr;
};

void expect_agrees_with_truth(const RequestResult& r, const nlohmann::json& truth) {
  ASSERT_EQ(r.status, Status::kOk) << r.error_message;
  EXPECT_EQ(r.output_tokens, truth["eval_count"].get<std::int64_t>());
  EXPECT_FALSE(r.output_tokens_estimated);
  const double sim_ttft =
      (truth["first_token_ns"].get<double>() - truth["received_ns"].get<double>()) / 1e6;
  const double sim_e2e =
      (truth["last_token_ns"].get<double>() - truth["received_ns"].get<double>()) / 1e6;
  ASSERT_TRUE(r.ttft_ms && r.e2e_ms);
  // The client's clock starts before the request crosses loopback, so it is a
  // little behind the server's, never ahead.
  EXPECT_GE(*r.ttft_ms, sim_ttft - 0.5);
  EXPECT_NEAR(*r.ttft_ms, sim_ttft, 5.0);
  EXPECT_NEAR(*r.e2e_ms, sim_e2e, 5.0);
}

TEST_F(BackendsAgainstSim, OllamaGenerateMatchesSimulatorTruth) {
  std::atomic<std::int64_t> sim_id{0};
  auto req = request("generate", 24);
  req.on_response_headers = [&](int, const std::map<std::string, std::string>& h) {
    if (auto it = h.find("x-sim-request-id"); it != h.end()) sim_id = std::stoll(it->second);
  };
  const auto r = backend("ollama")->generate(req);
  ASSERT_NE(sim_id.load(), 0);
  const auto truth = truth_for(sim_id);
  expect_agrees_with_truth(r, truth);
  EXPECT_EQ(r.output_tokens, 24);
  EXPECT_EQ(r.server.eval_count, 24);
  EXPECT_NEAR(*r.server.eval_ms, truth["eval_ms"].get<double>(), 0.01);
  // The truth is taken after the final line is written, a little after the
  // total the server put in that line.
  EXPECT_NEAR(*r.server.total_ms, truth["total_ms"].get<double>(), 0.5);
  EXPECT_FALSE(r.text.empty());
  EXPECT_EQ(r.backend, "ollama");
  EXPECT_EQ(r.api, "generate");
  EXPECT_EQ(r.options["num_predict"], 24);
  ASSERT_TRUE(r.client_overhead_ms.has_value());
}

TEST_F(BackendsAgainstSim, OllamaChatStreams) {
  auto req = request("chat", 12);
  req.system = "You are terse.";
  req.messages = {{"user", "Hello"}};
  const auto r = backend("ollama")->generate(req);
  ASSERT_EQ(r.status, Status::kOk) << r.error_message;
  EXPECT_EQ(r.output_tokens, 12);
  EXPECT_EQ(r.text_chunks, 12);
  EXPECT_EQ(r.itl_ms.size(), 11u);
}

TEST_F(BackendsAgainstSim, OpenAiChatCompletionsMatchSimulatorTruth) {
  std::atomic<std::int64_t> sim_id{0};
  auto req = request("chat_completions", 20);
  req.on_response_headers = [&](int, const std::map<std::string, std::string>& h) {
    if (auto it = h.find("x-sim-request-id"); it != h.end()) sim_id = std::stoll(it->second);
  };
  const auto r = backend("openai")->generate(req);
  ASSERT_NE(sim_id.load(), 0);
  expect_agrees_with_truth(r, truth_for(sim_id));
  EXPECT_EQ(r.server.completion_tokens, 20);
  EXPECT_EQ(r.backend, "openai");
  EXPECT_TRUE(r.decode_tps.has_value());
}

TEST_F(BackendsAgainstSim, OpenAiCompletionsStream) {
  const auto r = backend("openai")->generate(request("completions", 10));
  ASSERT_EQ(r.status, Status::kOk) << r.error_message;
  EXPECT_EQ(r.output_tokens, 10);
  EXPECT_FALSE(r.text.empty());
}

struct FaultCase {
  const char* fault;
  Status status;
  const char* kind;
  const char* words;  // in the message
};

void run_faults_with_healthy_neighbours(backends::Backend& backend, const std::string& api) {
  const std::vector<FaultCase> cases = {
      {"drop;after=3", Status::kError, "truncated", "connection"},
      {"http500", Status::kError, "http", "HTTP 500 from server"},
      {"http503", Status::kError, "http", "HTTP 503 from server"},
      {"truncate;after=3", Status::kError, "truncated", "without the server's final statistics"},
      {"malformed;after=2", Status::kError, "malformed", "not valid JSON"},
      {"zero_tokens", Status::kEmpty, "empty", "zero output tokens"},
      {"stall_first;ms=3000", Status::kError, "timeout", "first-token timeout"},
      {"stall_between;ms=3000;after=2", Status::kError, "timeout", "idle timeout"},
      {"error_line;after=2", Status::kError, "server_error", "mid-stream"},
  };
  Results results;
  std::size_t submitted = 0;
  for (const auto& c : cases) {
    auto faulty = request(api, 8, std::string(kModel) + "@fault=" + c.fault);
    faulty.id = c.fault;
    faulty.timeouts.first_token_ms = 400;
    faulty.timeouts.idle_ms = 400;
    backend.submit(faulty, results.sink());
    auto healthy = request(api, 8, kModel);
    healthy.id = std::string("healthy-") + c.fault;
    backend.submit(healthy, results.sink());
    submitted += 2;
  }
  const auto all = results.wait_for(submitted);
  ASSERT_EQ(all.size(), submitted);
  for (const auto& r : all) {
    if (r.id.starts_with("healthy-")) {
      EXPECT_EQ(r.status, Status::kOk) << r.id << ": " << r.error_message;
      EXPECT_EQ(r.output_tokens, 8) << r.id;
      continue;
    }
    const auto c = std::find_if(cases.begin(), cases.end(),
                                [&](const FaultCase& fc) { return r.id == fc.fault; });
    ASSERT_NE(c, cases.end());
    EXPECT_EQ(r.status, c->status) << r.id << ": " << r.error_kind << " " << r.error_message;
    EXPECT_EQ(r.error_kind, c->kind) << r.id << ": " << r.error_message;
    EXPECT_NE(r.error_message.find(c->words), std::string::npos) << r.id << ": " << r.error_message;
  }
}

TEST_F(BackendsAgainstSim, EveryOllamaFaultIsExplainedWhileOthersSucceed) {
  run_faults_with_healthy_neighbours(*backend("ollama"), "generate");
}

TEST_F(BackendsAgainstSim, EveryOpenAiFaultIsExplainedWhileOthersSucceed) {
  run_faults_with_healthy_neighbours(*backend("openai"), "chat_completions");
}

TEST_F(BackendsAgainstSim, FaultByHeaderWorksToo) {
  auto req = request("chat", 6);
  req.headers["X-Sim-Fault"] = "http503";
  const auto r = backend("ollama")->generate(req);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.http_status, 503);
}

TEST_F(BackendsAgainstSim, MissingModelSuggestsAPull) {
  const auto r = backend("ollama")->generate(request("generate", 4, "nosuchmodel:7b"));
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.error_kind, "http");
  EXPECT_EQ(r.http_status, 404);
  EXPECT_NE(r.error_message.find("run `ollama pull nosuchmodel:7b`"), std::string::npos)
      << r.error_message;
  const auto o = backend("openai")->generate(request("chat_completions", 4, "nosuchmodel:7b"));
  EXPECT_EQ(o.http_status, 404);
  EXPECT_NE(o.error_message.find("model nosuchmodel:7b not found"), std::string::npos)
      << o.error_message;
}

TEST_F(BackendsAgainstSim, TwoHundredConcurrentStreamsComplete) {
  auto b = backend("ollama");
  Results results;
  for (int i = 0; i < 200; ++i) b->submit(request(i % 2 ? "generate" : "chat", 16), results.sink());
  const auto all = results.wait_for(200);
  ASSERT_EQ(all.size(), 200u);
  for (const auto& r : all) {
    EXPECT_EQ(r.status, Status::kOk) << r.error_message;
    EXPECT_EQ(r.output_tokens, 16);
  }
}

TEST_F(BackendsAgainstSim, CancelAllEndsStreamsInFlight) {
  auto client = std::make_shared<http::Client>(false);
  auto made = backends::make_backend({.kind = "ollama", .url = sim_->url(), .api_key = {}}, client);
  ASSERT_TRUE(made.has_value());
  Results results;
  auto req = request("generate", 8, std::string(kModel) + "@fault=stall_first;ms=5000");
  (*made)->submit(req, results.sink());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  client->cancel_all();
  const auto all = results.wait_for(1);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].error_kind, "cancelled");
}

TEST_F(BackendsAgainstSim, TotalTimeoutIsNamed) {
  auto req = request("generate", 8, std::string(kModel) + "@fault=stall_between;ms=300");
  req.timeouts.total_ms = 250;
  const auto r = backend("ollama")->generate(req);
  EXPECT_EQ(r.error_kind, "timeout");
  EXPECT_NE(r.error_message.find("total timeout"), std::string::npos) << r.error_message;
}

TEST_F(BackendsAgainstSim, ShowTagsVersionAndUnload) {
  auto b = backend("ollama");
  auto info = b->server_info();
  ASSERT_TRUE(info.has_value()) << info.error().message;
  EXPECT_FALSE(info->version.empty());
  ASSERT_FALSE(info->models.empty());
  auto shown = b->show(kModel);
  ASSERT_TRUE(shown.has_value()) << shown.error().message;
  EXPECT_EQ(shown->layers, 34);
  auto missing = b->show("nosuchmodel:7b");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, FailureKind::kNotFound);
  EXPECT_NE(missing.error().message.find("ollama pull nosuchmodel:7b"), std::string::npos);
  EXPECT_TRUE(b->unload(kModel).has_value());
  // The next request pays the load again and is flagged cold.
  auto req = request("generate", 4);
  const auto cold = backends::make_backend(
      {.kind = "ollama", .url = sim_->url(), .api_key = {}, .cold_threshold_ms = 10});
  const auto r = (*cold)->generate(req);
  ASSERT_EQ(r.status, Status::kOk) << r.error_message;
  EXPECT_GT(*r.server.load_ms, 10.0);
  EXPECT_TRUE(r.cold);
  auto openai = backend("openai");
  auto models = openai->server_info();
  ASSERT_TRUE(models.has_value()) << models.error().message;
  EXPECT_FALSE(models->models.empty());
  EXPECT_FALSE(openai->unload(kModel).has_value());
}

TEST_F(BackendsAgainstSim, OllamaHostIsHonoured) {
  setenv("OLLAMA_HOST", ("127.0.0.1:" + std::to_string(sim_->port())).c_str(), 1);
  auto made = backends::make_backend({});
  unsetenv("OLLAMA_HOST");
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ((*made)->endpoint(), sim_->url());
  EXPECT_EQ((*made)->generate(request("generate", 3)).status, Status::kOk);
}

TEST_F(BackendsAgainstSim, ApiKeyNeverAppearsInResultsOrMessages) {
  const std::string secret = "sk-test-5ecret-should-not-leak";
  setenv("OPENAI_API_KEY", secret.c_str(), 1);
  auto ok_backend = backend("openai");
  const auto ok = ok_backend->generate(request("chat_completions", 3));
  const auto missing = ok_backend->generate(request("chat_completions", 3, "nosuchmodel:7b"));
  auto refused = backends::make_backend({.kind = "openai",
                                         .url = "http://127.0.0.1:" + std::to_string(closed_port()),
                                         .api_key = {}});
  const auto down = (*refused)->generate(request("chat_completions", 3));
  unsetenv("OPENAI_API_KEY");
  EXPECT_EQ(ok.status, Status::kOk);
  for (const auto* r : {&ok, &missing, &down}) {
    EXPECT_EQ(measure::to_json(*r, true).dump().find(secret), std::string::npos);
    EXPECT_EQ(r->error_message.find(secret), std::string::npos);
  }
  EXPECT_EQ((*refused)->server_info().error().message.find(secret), std::string::npos);
}

TEST(BackendsWithoutServer, ConnectionRefusedSaysStartTheServer) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
  auto made = backends::make_backend({.kind = "ollama", .url = url, .api_key = {}});
  ASSERT_TRUE(made.has_value());
  GenerationRequest req;
  req.model = kModel;
  req.prompt = "hi";
  const auto r = (*made)->generate(req);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.error_kind, "connect");
  EXPECT_NE(r.error_message.find("could not connect to " + url), std::string::npos)
      << r.error_message;
  EXPECT_NE(r.error_message.find("is the server running? Start it with `ollama serve`"),
            std::string::npos);
  auto info = (*made)->server_info();
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().kind, FailureKind::kConnect);
}

// Hostile servers: a stream that never breaks a line, an HTML page where a
// stream was asked for, a 401 that echoes the key.
TEST_F(BackendsAgainstSim, EndlessLineFailsAsMalformedWithBoundedMemory) {
  for (const char* kind : {"ollama", "openai"}) {
    auto made = backends::make_backend(
        {.kind = kind, .url = sim_->url(), .api_key = {}, .max_line_bytes = 256 * 1024});
    ASSERT_TRUE(made.has_value());
    auto req = request(kind == std::string("ollama") ? "generate" : "chat_completions", 8,
                       std::string(kModel) + "@fault=no_newline");
    const auto start = std::chrono::steady_clock::now();
    const auto r = (*made)->generate(req);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.status, Status::kError) << kind;
    EXPECT_EQ(r.error_kind, "malformed") << kind;
    EXPECT_NE(r.error_message.find("longer than 262144 bytes without a line break"),
              std::string::npos)
        << r.error_message;
    EXPECT_LT(took, std::chrono::seconds(3)) << kind;
  }
}

TEST_F(BackendsAgainstSim, HtmlPageWhereAStreamWasAskedForIsNamed) {
  for (const char* kind : {"ollama", "openai"}) {
    const auto r =
        backend(kind)->generate(request(kind == std::string("ollama") ? "chat" : "completions", 8,
                                        std::string(kModel) + "@fault=html_200"));
    EXPECT_EQ(r.error_kind, "malformed") << kind;
    EXPECT_NE(r.error_message.find("server answered 200 with text/html, not an"), std::string::npos)
        << r.error_message;
    EXPECT_NE(r.error_message.find("<!DOCTYPE html>"), std::string::npos) << r.error_message;
  }
}

TEST_F(BackendsAgainstSim, EchoedKeyAndHeaderValuesAreRedacted) {
  const std::string key = "sk-test-0123456789abcdef";
  auto made = backends::make_backend({.kind = "openai", .url = sim_->url(), .api_key = key});
  ASSERT_TRUE(made.has_value());
  auto req = request("chat_completions", 8, std::string(kModel) + "@fault=echo_auth");
  req.headers["X-Tenant-Token"] = "tenant-secret-42";
  const auto r = (*made)->generate(req);
  EXPECT_EQ(r.error_kind, "http");
  EXPECT_EQ(r.http_status, 401);
  EXPECT_NE(r.error_message.find("[redacted]"), std::string::npos) << r.error_message;
  EXPECT_EQ(r.error_message.find(key), std::string::npos) << r.error_message;
  EXPECT_EQ(measure::to_json(r).dump().find(key), std::string::npos);
}

// A server that accepts the connection and never answers.
TEST(BackendPreCheck, ServerInfoObeysTheFirstByteLimit) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);  // the kernel completes handshakes; nobody reads
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  for (const char* kind : {"ollama", "openai"}) {
    auto made = backends::make_backend(
        {.kind = kind, .url = url, .api_key = {}, .call_timeouts = {2000, 1000, 1000, 30000}});
    ASSERT_TRUE(made.has_value());
    const auto start = std::chrono::steady_clock::now();
    auto info = (*made)->server_info();
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(info.error().kind, FailureKind::kTimeout);
    EXPECT_NE(info.error().message.find("first-byte timeout: no answer within 1000 ms"),
              std::string::npos)
        << info.error().message;
    EXPECT_LT(took, std::chrono::milliseconds(3500)) << kind;
  }
  close(fd);
}

}  // namespace
}  // namespace chimera::testing
