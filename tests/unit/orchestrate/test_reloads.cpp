#include <gtest/gtest.h>

#include <optional>

#include "chimera/orchestrate/run/reloads.hpp"

namespace chimera::orchestrate {
namespace {

// One call as an agent's execution records it: where it went, when it ran
// (ms after the execution began), its TTFT and the server's load time.
struct Call {
  std::string endpoint;
  double start_ms = 0, end_ms = 0;
  std::optional<double> ttft_ms, load_ms;
  int num_ctx = 1024;
};

AgentExecution execution(const std::string& name, const std::vector<Call>& calls) {
  AgentExecution e;
  e.agent = name;
  e.ok = true;
  for (const auto& c : calls) {
    measure::RequestResult r;
    r.endpoint = c.endpoint;
    r.model = "gemma3:latest";
    r.options = {{"num_ctx", c.num_ctx}, {"temperature", 0.8}};
    r.ttft_ms = c.ttft_ms;
    r.server.load_ms = c.load_ms;
    e.calls.push_back(r);
    e.call_spans.push_back({c.start_ms, c.end_ms});
  }
  if (!calls.empty()) {
    e.start_ms = calls.front().start_ms;
    e.end_ms = calls.back().end_ms;
  }
  return e;
}

ExecutionResult result(std::vector<AgentExecution> agents) {
  ExecutionResult r;
  r.agents = std::move(agents);
  return r;
}

const std::string kA = "http://127.0.0.1:1/v1", kB = "http://127.0.0.1:2/v1";

// Alone, a's calls answer their first token after 100 and 120 ms (two repetitions).
std::vector<ExecutionResult> warm_isolated(const std::string& endpoint_b) {
  return {result({execution("a", {{kA, 0, 500, 100.0, {}}, {kA, 500, 900, 120.0, {}}}),
                  execution("b", {{endpoint_b, 0, 400, 90.0, {}}})}),
          result({execution("a", {{kA, 0, 500, 100.0, {}}, {kA, 500, 900, 120.0, {}}}),
                  execution("b", {{endpoint_b, 0, 400, 90.0, {}}})})};
}

TEST(Reloads, AnOpenAiTtftJumpAgainstTheWarmBaselineIsAReload) {
  // a's second call: TTFT 2,320 ms against a warm 120 ms (+2,200 ms > 500 ms,
  // and ≥ 2 × 120), nothing else of the run in flight on its server.
  const auto concurrent =
      result({execution("a", {{kA, 0, 500, 100.0, {}}, {kA, 500, 3100, 2320.0, {}}}),
              execution("b", {{kB, 0, 400, 95.0, {}}})});
  const auto found = find_reloads(warm_isolated(kB), concurrent, 500);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].reloads, 1u);
  ASSERT_EQ(found[0].evidence.size(), 1u);
  EXPECT_NE(found[0].evidence[0].find("call 2: TTFT 2320 ms against a warm 120 ms alone (+2200 ms "
                                      "> 500 ms"),
            std::string::npos)
      << found[0].evidence[0];
  // a is alone on its server: running together cannot have caused it.
  EXPECT_NE(found[0].cause.find("no other agent of the run sends to " + kA), std::string::npos)
      << found[0].cause;
  EXPECT_EQ(found[1].reloads, 0u);
}

TEST(Reloads, AJumpBelowTheThresholdOrWhileAnotherRequestRunsIsNotAReload) {
  // +400 ms: below the 500 ms threshold.
  auto small = result({execution("a", {{kA, 0, 500, 100.0, {}}, {kA, 500, 1300, 520.0, {}}}),
                       execution("b", {{kB, 0, 400, 95.0, {}}})});
  EXPECT_EQ(find_reloads(warm_isolated(kB), small, 500)[0].reloads, 0u);
  // On a shared server, b's call ran while a's second call waited: queueing
  // could explain the jump, so it is not called a reload.
  auto queued = result({execution("a", {{kA, 0, 500, 100.0, {}}, {kA, 500, 3100, 2320.0, {}}}),
                        execution("b", {{kA, 400, 2700, 95.0, {}}})});
  EXPECT_EQ(find_reloads(warm_isolated(kA), queued, 500)[0].reloads, 0u);
}

TEST(Reloads, OllamaLoadDurationOnASharedServerIsCausedByRunningTogether) {
  const std::string server = "http://127.0.0.1:3";
  std::vector<ExecutionResult> isolated{
      result({execution("a", {{server, 0, 500, 100.0, 2.0, 2048}}),
              execution("b", {{server, 0, 500, 100.0, 1.5, 1024}})})};
  const auto concurrent = result({execution("a", {{server, 0, 3000, 2300.0, 2200.0, 2048}}),
                                  execution("b", {{server, 0, 5000, 4400.0, 2150.0, 1024}})});
  const auto found = find_reloads(isolated, concurrent, 500);
  EXPECT_EQ(found[0].reloads, 1u);
  EXPECT_EQ(found[0].cause, "");
  EXPECT_EQ(found[1].evidence[0], "call 1: load_duration 2150 ms > 500 ms (server statistics)");
  std::vector<AgentServer> servers{agent_server(concurrent.agents[0]),
                                   agent_server(concurrent.agents[1])};
  EXPECT_EQ(differing_layouts({"a", "b"}, servers, {0, 1}), "num_ctx (a 2048, b 1024)");
}

TEST(Reloads, AReloadTheIsolatedPhaseShowsTooIsSetApart) {
  const std::string server = "http://127.0.0.1:3";
  std::vector<ExecutionResult> isolated{result({execution("a", {{server, 0, 3000, 2300.0, 2200.0}}),
                                                execution("b", {{server, 0, 500, 100.0, 1.0}})})};
  const auto concurrent = result({execution("a", {{server, 0, 3000, 2300.0, 2200.0}}),
                                  execution("b", {{server, 0, 600, 100.0, 1.0}})});
  const auto found = find_reloads(isolated, concurrent, 500);
  EXPECT_EQ(found[0].reloads, 1u);
  EXPECT_EQ(found[0].isolated_reloads, 1u);
  EXPECT_TRUE(found[0].cause.starts_with("the isolated phase shows it too")) << found[0].cause;
}

}  // namespace
}  // namespace chimera::orchestrate
