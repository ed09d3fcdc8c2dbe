// A real `chimera bench` against servers that misbehave on purpose, written on
// bare sockets in the test: one that trickles a byte at a time and one that
// redirects. Each request must end with the reason that is true.

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

}  // namespace
}  // namespace chimera::testing
