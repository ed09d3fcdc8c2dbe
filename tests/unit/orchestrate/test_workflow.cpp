// The workflow executor in-process, against simulators over real HTTP on
// loopback: what each mode runs, in what order, and what the servers saw.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "chimera/agents/catalog.hpp"
#include "chimera/backends/backend.hpp"
#include "chimera/orchestrate/common/sim_launcher.hpp"
#include "chimera/orchestrate/run/workflow.hpp"
#include "chimera/sim/config.hpp"

namespace chimera::orchestrate {
namespace {

// Exact, quick simulators: no jitter, 2,000 tok/s, a 20 ms load.
sim::SimConfig exact_config(int parallel) {
  auto config = sim::default_sim_config();
  config.threads = 1;
  config.parallel = parallel;
  for (auto& m : config.models) {
    m.load_ms = 20;
    m.decode_tps = 2000;
    m.prefill_tps = 1e6;
    m.jitter = 0;
  }
  return config;
}

class Workflow : public ::testing::Test {
 protected:
  // One agent per entry: its name, tokens per call, which simulator, what it depends on.
  struct Def {
    std::string name;
    int tokens;
    std::size_t server;
    std::vector<std::string> depends_on;
  };

  void start_servers(std::size_t count, int parallel) {
    for (std::size_t i = 0; i < count; ++i) {
      backends::BackendOptions o;
      o.kind = "ollama";
      o.url = sims_.start(exact_config(parallel));
      backends_.push_back(backends::make_backend(o).value());
    }
  }

  std::vector<WorkflowAgent> agents(const std::vector<Def>& defs) {
    auto catalog = agents::Catalog::builtin();
    std::vector<WorkflowAgent> out;
    for (const auto& d : defs) {
      auto profile = catalog.profile("baseline").value();
      profile.options = {{"num_predict", d.tokens}, {"seed", 1}};
      WorkflowAgent a;
      a.spec = {d.name, catalog.persona("DataCollector-9000").value(), profile, "", d.depends_on};
      a.backend = backends_.at(d.server).get();
      a.data_summary = "Inventory: 3 files.";
      out.push_back(std::move(a));
    }
    return out;
  }

  std::size_t requests_seen(std::size_t server) { return sims_.server(server).truth().size(); }

  SimLauncher sims_;
  std::vector<std::unique_ptr<backends::Backend>> backends_;
};

bool overlap(const AgentExecution& a, const AgentExecution& b) {
  return a.start_ms < b.end_ms && b.start_ms < a.end_ms;
}

TEST_F(Workflow, IsolatedRunsOneAgentAtATimeEachAfterItsOwnWarmUp) {
  start_servers(2, 4);
  ExecutionOptions o;
  o.mode = ExecutionMode::kIsolated;
  o.id_prefix = "iso";
  const auto r = execute(agents({{"a", 40, 0, {}}, {"b", 80, 1, {}}}), o);
  ASSERT_EQ(r.agents.size(), 2u);
  for (const auto& a : r.agents) {
    ASSERT_TRUE(a.ok) << a.agent << ": " << a.failure;
    // DataCollector-9000 makes two calls; the warm-up repeats the first one.
    ASSERT_EQ(a.calls.size(), 2u);
    ASSERT_EQ(a.warmups.size(), 1u);
    EXPECT_TRUE(a.warmups[0].warmup);
    EXPECT_FALSE(a.calls[0].warmup);
    EXPECT_EQ(a.warmups[0].output_tokens, a.calls[0].output_tokens);
    EXPECT_LE(a.warmup_spans[0].end_ms, a.call_spans[0].start_ms);
  }
  EXPECT_FALSE(overlap(r.agents[0], r.agents[1]));
  EXPECT_LE(r.agents[0].end_ms, r.agents[1].start_ms);
  // Each server saw its agent's warm-up and two calls, and nothing else.
  EXPECT_EQ(requests_seen(0), 3u);
  EXPECT_EQ(requests_seen(1), 3u);
  EXPECT_EQ(r.agents[0].calls[0].output_tokens, 40);
  EXPECT_EQ(r.agents[1].calls[1].output_tokens, 80);
}

TEST_F(Workflow, ConcurrentRunsIndependentAgentsTogetherAndDependentsAfterTheirInputs) {
  start_servers(3, 4);
  ExecutionOptions o;
  o.id_prefix = "conc";
  const auto r = execute(
      agents({{"first", 60, 0, {}}, {"aside", 60, 1, {}}, {"second", 40, 2, {"first"}}}), o);
  ASSERT_EQ(r.agents.size(), 3u);
  for (const auto& a : r.agents) ASSERT_TRUE(a.ok) << a.agent << ": " << a.failure;
  EXPECT_TRUE(overlap(r.agents[0], r.agents[1]));
  EXPECT_GE(r.agents[2].start_ms, r.agents[0].end_ms);
  // No warm-ups in a concurrent execution; the wall time spans every call.
  for (const auto& a : r.agents) EXPECT_TRUE(a.warmups.empty());
  double last_end = 0;
  for (const auto& a : r.agents) last_end = std::max(last_end, a.end_ms);
  EXPECT_NEAR(r.wall_ms, last_end - std::min(r.agents[0].start_ms, r.agents[1].start_ms), 1.0);
  EXPECT_EQ(requests_seen(2), 2u);
}

TEST_F(Workflow, OnePermitPerEndpointNeverSendsTwoRequestsAtOnce) {
  start_servers(1, 1);  // one slot: a second request at once would queue
  ExecutionOptions o;
  o.permits_per_endpoint = 1;
  const auto r = execute(agents({{"a", 60, 0, {}}, {"b", 60, 0, {}}}), o);
  std::vector<Span> spans;
  for (const auto& a : r.agents) {
    ASSERT_TRUE(a.ok) << a.failure;
    spans.insert(spans.end(), a.call_spans.begin(), a.call_spans.end());
  }
  ASSERT_EQ(spans.size(), 4u);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    for (std::size_t j = i + 1; j < spans.size(); ++j) {
      const bool apart =
          spans[i].end_ms <= spans[j].start_ms || spans[j].end_ms <= spans[i].start_ms;
      EXPECT_TRUE(apart) << i << " and " << j << " overlap";
    }
  }
  // What the one-slot server saw agrees: no request waited for the slot
  // (beyond the server's own bookkeeping, well under a millisecond idle).
  for (const auto& t : sims_.server(0).truth()) EXPECT_LT(t.queue_ms, 5.0) << t.id;
  // Without permits the same pair queues behind a 30 ms decode.
  sims_.server(0).clear_truth();
  const auto unlimited = execute(agents({{"a", 60, 0, {}}, {"b", 60, 0, {}}}), {});
  for (const auto& a : unlimited.agents) ASSERT_TRUE(a.ok) << a.failure;
  double longest_wait = 0;
  for (const auto& t : sims_.server(0).truth()) longest_wait = std::max(longest_wait, t.queue_ms);
  EXPECT_GT(longest_wait, 10.0);
}

TEST_F(Workflow, AWarmUpExecutionMarksEveryCall) {
  start_servers(1, 4);
  ExecutionOptions o;
  o.as_warmup = true;
  const auto r = execute(agents({{"a", 20, 0, {}}}), o);
  ASSERT_TRUE(r.agents.at(0).ok) << r.agents[0].failure;
  for (const auto& c : r.agents[0].calls) EXPECT_TRUE(c.warmup) << c.id;
}

TEST_F(Workflow, AnUnreachableEndpointFailsTheAgentWithTheReason) {
  backends::BackendOptions dead;
  dead.kind = "ollama";
  dead.url = "http://127.0.0.1:1";
  backends_.push_back(backends::make_backend(dead).value());
  ExecutionOptions o;
  o.timeouts.connect_ms = 1000;
  const auto r = execute(agents({{"a", 20, 0, {}}}), o);
  ASSERT_EQ(r.agents.size(), 1u);
  EXPECT_FALSE(r.agents[0].ok);
  ASSERT_FALSE(r.agents[0].calls.empty());
  EXPECT_NE(r.agents[0].calls[0].status, measure::Status::kOk);
  EXPECT_FALSE(r.agents[0].calls[0].error_message.empty());
}

}  // namespace
}  // namespace chimera::orchestrate
