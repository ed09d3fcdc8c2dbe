// A real `chimera bench` against servers that misbehave on purpose, written on
// bare sockets in the test: one that trickles a byte at a time, one that
// redirects, and one whose final statistics lie. Each request must end with
// the reason that is true, and no figure may be built on a lie.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/raw_server.hpp"

namespace chimera::testing {
namespace {

using std::chrono::milliseconds;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

// Sleeps `ms` in short steps; false when the server is shutting down.
bool pause(int ms, const std::atomic<bool>& stopping) {
  for (int waited = 0; waited < ms; waited += 10) {
    if (stopping.load()) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

struct BenchRun {
  ProcessResult process;
  std::vector<nlohmann::json> requests;  // the JSONL export's measured records
  double seconds = 0;                    // wall time of the whole command
};

// One measured request, no warm-up, no store; extra flags appended.
BenchRun bench_once(const RawServer& server, const std::string& backend,
                    const std::vector<std::string>& extra = {},
                    const std::map<std::string, std::string>& env = {}) {
  TempDir dir;
  std::vector<std::string> args{"bench",      "--endpoint",
                                server.url(), "--backend",
                                backend,      "--model",
                                "m",          "--runs",
                                "1",          "--warmup",
                                "0",          "--no-store",
                                "--output",   dir.path() + "/r.jsonl"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto start = std::chrono::steady_clock::now();
  BenchRun run;
  run.process = run_chimera(args, env, std::chrono::seconds(60));
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& row : read_jsonl(dir.path() + "/r.jsonl")) {
    if (!row.value("warmup", false)) run.requests.push_back(std::move(row));
  }
  return run;
}

// ---- the idle limit against a byte trickle ----------------------------------

const std::string kOllamaToken = R"({"model":"m","response":"Hello","done":false})"
                                 "\n";

// The first token at once, then one byte of a never-finished line every 500 ms.
void trickle_ollama(int fd, const RawRequest&, const std::atomic<bool>& stopping) {
  if (!send_all(fd, stream_head("application/x-ndjson") + kOllamaToken)) return;
  const std::string endless = R"({"model":"m","response":" world and more and more and more)";
  for (std::size_t i = 0; pause(500, stopping); ++i) {
    if (!send_all(fd, std::string(1, endless[i % endless.size()]))) return;
  }
}

void trickle_openai(int fd, const RawRequest&, const std::atomic<bool>& stopping) {
  const std::string first = R"(data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]})"
                            "\n\n";
  if (!send_all(fd, stream_head("text/event-stream") + first)) return;
  const std::string endless = R"(data: {"choices":[{"index":0,"delta":{"content":"more more)";
  for (std::size_t i = 0; pause(500, stopping); ++i) {
    if (!send_all(fd, std::string(1, endless[i % endless.size()]))) return;
  }
}

struct TrickleCase {
  const char* backend;
  const char* transport;  // CHIMERA_HTTP_TRANSPORT: "" (plain for loopback http) or "curl"
};

class IdleLimitAgainstATrickle : public ::testing::TestWithParam<TrickleCase> {};

INSTANTIATE_TEST_SUITE_P(BackendsAndTransports, IdleLimitAgainstATrickle,
                         ::testing::Values(TrickleCase{"ollama", ""}, TrickleCase{"ollama", "curl"},
                                           TrickleCase{"openai", ""},
                                           TrickleCase{"openai", "curl"}),
                         [](const auto& test) {
                           return std::string(test.param.backend) + "_" +
                                  (test.param.transport[0] == '\0' ? "plain"
                                                                   : test.param.transport);
                         });

// The idle limit (1.5 s) measures the time between complete lines or events:
// a byte every 500 ms does not reset it, so the request fails on it long before
// the total limit (30 s).
TEST_P(IdleLimitAgainstATrickle, FiresBetweenCompleteChunksNotBetweenBytes) {
  const auto& param = GetParam();
  RawServer server(std::string(param.backend) == "ollama" ? RawServer::Handler(trickle_ollama)
                                                          : RawServer::Handler(trickle_openai));
  std::map<std::string, std::string> env;
  if (param.transport[0] != '\0') env["CHIMERA_HTTP_TRANSPORT"] = param.transport;
  const auto run =
      bench_once(server, param.backend, {"--timeout-idle", "1.5", "--timeout-total", "30"}, env);
  ASSERT_EQ(run.requests.size(), 1u) << run.process.out << run.process.err;
  const auto& r = run.requests.front();
  EXPECT_EQ(r["status"], "error");
  EXPECT_EQ(r["error_kind"], "timeout");
  const std::string message = r["error_message"].get<std::string>();
  EXPECT_TRUE(contains(message, "idle timeout")) << message;
  EXPECT_FALSE(contains(message, "total timeout")) << message;
  EXPECT_EQ(r["text_chunks"], 1);
  // The idle limit came due ~1.5 s after the first line; the command, with
  // its start-up and pre-check, well under the total limit.
  EXPECT_LT(run.seconds, 12.0);
}

// ---- redirects ---------------------------------------------------------------

// A 302 to the server itself: a loop, if it were followed.
TEST(Redirects, ALoopIsReportedAsARedirectNotFollowed) {
  std::string self;
  RawServer server([&self](int fd, const RawRequest& request, const std::atomic<bool>&) {
    send_all(fd, fmt::format("HTTP/1.1 302 Found\r\nLocation: {}{}\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n",
                             self, request.path));
  });
  self = server.url();
  const auto run = bench_once(server, "ollama");
  ASSERT_EQ(run.requests.size(), 1u) << run.process.out << run.process.err;
  const auto& r = run.requests.front();
  EXPECT_EQ(r["status"], "error");
  EXPECT_EQ(r["http_status"], 302);
  const std::string message = r["error_message"].get<std::string>();
  EXPECT_TRUE(contains(message, "HTTP 302")) << message;
  EXPECT_TRUE(contains(message, "redirect to " + server.url() + "/api/generate not followed"))
      << message;
  EXPECT_FALSE(contains(message, "truncated")) << message;
  EXPECT_FALSE(contains(message, "text chunks")) << message;
  EXPECT_EQ(server.generation_requests(), 1) << "the redirect was followed";
  EXPECT_TRUE(contains(run.process.out + run.process.err, "not followed"))
      << run.process.out << run.process.err;
}

// A 307 to another host (another port on loopback that would answer well):
// not followed, so the other server never hears of the request.
TEST(Redirects, ATemporaryRedirectToAnotherHostIsNotFollowed) {
  RawServer elsewhere([](int fd, const RawRequest&, const std::atomic<bool>&) {
    send_all(fd, stream_head("text/event-stream") +
                     R"(data: {"choices":[{"index":0,"delta":{"content":"hi"}}]})"
                     "\n\ndata: [DONE]\n\n");
  });
  const std::string target = "http://localhost:" + std::to_string(elsewhere.port()) + "/v1/x";
  RawServer server([&target](int fd, const RawRequest&, const std::atomic<bool>&) {
    send_all(fd, fmt::format("HTTP/1.1 307 Temporary Redirect\r\nLocation: {}\r\n"
                             "Content-Type: text/plain\r\nContent-Length: 5\r\n"
                             "Connection: close\r\n\r\nmoved",
                             target));
  });
  const auto run = bench_once(server, "openai");
  ASSERT_EQ(run.requests.size(), 1u) << run.process.out << run.process.err;
  const auto& r = run.requests.front();
  EXPECT_EQ(r["http_status"], 307);
  const std::string message = r["error_message"].get<std::string>();
  EXPECT_TRUE(contains(message, "HTTP 307")) << message;
  EXPECT_TRUE(contains(message, "redirect to " + target + " not followed")) << message;
  EXPECT_FALSE(contains(message, "truncated")) << message;
  EXPECT_EQ(elsewhere.generation_requests(), 0);
}

// ---- statistics that lie -------------------------------------------------------

// Three text chunks 20 ms apart, then the final statistics `done` carries.
void three_chunks_then(int fd, const std::string& done, const std::atomic<bool>& stopping) {
  if (!send_all(fd, stream_head("application/x-ndjson"))) return;
  for (const char* word : {"one", " two", " three"}) {
    if (!send_all(fd, fmt::format(R"({{"model":"m","response":"{}","done":false}})"
                                  "\n",
                                  word)) ||
        !pause(20, stopping)) {
      return;
    }
  }
  send_all(fd, done + "\n");
}

double number_or(const nlohmann::json& j, const char* key, double fallback) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}

TEST(LyingStatistics, OllamaCountsAndDurationsThatCannotBeTrueAreKeptRawAndUnused) {
  RawServer server([](int fd, const RawRequest&, const std::atomic<bool>& stopping) {
    three_chunks_then(fd,
                      R"({"model":"m","response":"","done":true,"eval_count":1000000,)"
                      R"("eval_duration":1,"prompt_eval_count":-3,"prompt_eval_duration":-7,)"
                      R"("load_duration":3600000000000,"total_duration":-5})",
                      stopping);
  });
  const auto run = bench_once(server, "ollama", {"--json"});
  ASSERT_EQ(run.requests.size(), 1u) << run.process.out << run.process.err;
  const auto& r = run.requests.front();
  EXPECT_EQ(r["status"], "ok") << r.dump();
  // Every statistic that cannot be true is out of `server` (null there), and
  // kept raw apart.
  const auto& server_stats = r["server"];
  for (const char* gone :
       {"eval_count", "eval_ms", "prompt_eval_count", "prompt_eval_ms", "load_ms", "total_ms"}) {
    EXPECT_TRUE(server_stats.value(gone, nlohmann::json()).is_null()) << gone << " " << r.dump();
  }
  const auto& raw = r["server_implausible"];
  EXPECT_EQ(raw["eval_count"], 1000000);
  EXPECT_EQ(raw["prompt_eval_count"], -3);
  EXPECT_DOUBLE_EQ(raw["prompt_eval_ms"].get<double>(), -7e-6);
  EXPECT_DOUBLE_EQ(raw["total_ms"].get<double>(), -5e-6);
  EXPECT_DOUBLE_EQ(raw["load_ms"].get<double>(), 3600000.0);
  const std::string warning = r["server_warning"].get<std::string>();
  EXPECT_TRUE(warning.starts_with("server statistics implausible: ")) << warning;
  EXPECT_TRUE(contains(warning, "eval_count 1000000 for 3 text chunks received")) << warning;
  EXPECT_TRUE(contains(warning, "prompt_eval_count -3 is negative")) << warning;
  // The figures come from what the client saw: 3 chunks, 2 gaps of ~20 ms.
  EXPECT_EQ(r["output_tokens"], 3);
  EXPECT_TRUE(r["output_tokens_estimated"].get<bool>());
  const double decode = number_or(r, "decode_tps", -1);
  EXPECT_GT(decode, 5.0) << r.dump();
  EXPECT_LT(decode, 200.0) << r.dump();
  EXPECT_FALSE(r.value("cold", false)) << "a load_duration that cannot be true made it cold";
  // The console says so, and no figure holds a lie.
  const std::string console = run.process.out + run.process.err;
  EXPECT_TRUE(contains(console, "server statistics implausible")) << console;
  const auto report = nlohmann::json::parse(run.process.out);
  for (const auto& [name, metric] : report["configurations"][0]["warm"].items()) {
    const double mean = number_or(metric, "mean", 0);
    if (name == "output_tokens") {
      EXPECT_EQ(mean, 3) << metric.dump();
    }
    if (name == "decode_tps") {
      EXPECT_LT(mean, 200.0) << metric.dump();
    }
    EXPECT_GE(mean, 0) << metric.dump();
  }
}

TEST(LyingStatistics, OpenAiUsageThatCannotBeTrueIsKeptRawAndUnused) {
  RawServer server([](int fd, const RawRequest&, const std::atomic<bool>& stopping) {
    if (!send_all(fd, stream_head("text/event-stream"))) return;
    for (const char* word : {"one", " two", " three"}) {
      if (!send_all(fd,
                    fmt::format(R"(data: {{"choices":[{{"index":0,"delta":{{"content":"{}"}}}}]}})"
                                "\n\n",
                                word)) ||
          !pause(20, stopping)) {
        return;
      }
    }
    send_all(fd, R"(data: {"choices":[],"usage":{"prompt_tokens":-3,"completion_tokens":1000000,)"
                 R"("total_tokens":999997}})"
                 "\n\ndata: [DONE]\n\n");
  });
  const auto run = bench_once(server, "openai", {"--json"});
  ASSERT_EQ(run.requests.size(), 1u) << run.process.out << run.process.err;
  const auto& r = run.requests.front();
  EXPECT_EQ(r["status"], "ok") << r.dump();
  EXPECT_TRUE(r["server"].value("completion_tokens", nlohmann::json()).is_null()) << r.dump();
  EXPECT_TRUE(r["server"].value("prompt_tokens", nlohmann::json()).is_null()) << r.dump();
  EXPECT_EQ(r["server_implausible"]["completion_tokens"], 1000000);
  EXPECT_EQ(r["server_implausible"]["prompt_tokens"], -3);
  const std::string warning = r["server_warning"].get<std::string>();
  EXPECT_TRUE(contains(warning, "completion_tokens 1000000 for 3 text chunks received")) << warning;
  EXPECT_EQ(r["output_tokens"], 3);
  EXPECT_LT(number_or(r, "decode_tps", 0), 200.0) << r.dump();
  EXPECT_TRUE(contains(run.process.out + run.process.err, "server statistics implausible"));
}

// The screen does not flag a server that tells the truth: counts equal to
// the chunks, durations inside the exchange the client timed.
TEST(LyingStatistics, HonestStatisticsAreUsedAsTheServersOwn) {
  RawServer server([](int fd, const RawRequest&, const std::atomic<bool>& stopping) {
    const auto began = std::chrono::steady_clock::now();
    if (!send_all(fd, stream_head("application/x-ndjson"))) return;
    for (const char* word : {"one", " two", " three"}) {
      if (!send_all(fd, fmt::format(R"({{"model":"m","response":"{}","done":false}})"
                                    "\n",
                                    word)) ||
          !pause(20, stopping)) {
        return;
      }
    }
    const auto total_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - began)
                              .count();
    send_all(fd, fmt::format(R"({{"model":"m","response":"","done":true,"eval_count":3,)"
                             R"("eval_duration":40000000,"prompt_eval_count":12,)"
                             R"("prompt_eval_duration":1000000,"total_duration":{}}})"
                             "\n",
                             total_ns));
  });
  const auto run = bench_once(server, "ollama");
  ASSERT_EQ(run.requests.size(), 1u) << run.process.out << run.process.err;
  const auto& r = run.requests.front();
  EXPECT_FALSE(r.contains("server_warning")) << r.dump();
  EXPECT_FALSE(r.contains("server_implausible")) << r.dump();
  EXPECT_EQ(r["server"]["eval_count"], 3);
  EXPECT_EQ(r["output_tokens"], 3);
  EXPECT_FALSE(r["output_tokens_estimated"].get<bool>());
  // Ollama's own rate: 3 tokens in 40 ms.
  EXPECT_DOUBLE_EQ(r["decode_tps"].get<double>(), 75.0);
}

}  // namespace
}  // namespace chimera::testing
