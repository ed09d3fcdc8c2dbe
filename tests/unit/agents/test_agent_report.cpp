#include <fmt/format.h>
#include <gtest/gtest.h>

#include "chimera/agents/catalog.hpp"
#include "chimera/report/agent_report.hpp"

namespace chimera::agents {
namespace {

using namespace chimera::report;

measure::RequestResult call(std::string text, std::int64_t tokens, double tps, double ttft) {
  measure::RequestResult r;
  r.model = "gemma3:latest";
  r.status = measure::Status::kOk;
  r.text = std::move(text);
  r.output_tokens = tokens;
  r.decode_tps = tps;
  r.ttft_ms = ttft;
  r.e2e_ms = ttft + 1000.0 * static_cast<double>(tokens) / tps;
  r.server.eval_count = tokens;
  r.server.eval_ms = 1000.0 * static_cast<double>(tokens) / tps;
  r.server.prompt_eval_ms = 50.0;
  r.server.load_ms = 10.0;
  r.server.total_ms = *r.e2e_ms;
  return r;
}

constexpr const char* kAnswer = R"(## Executive Summary

Throughput was 40.00 tok/s over 101 files.

## Key Findings

- Decode rate is 40 tok/s.
- Latency was 15.5 s.

## Recommendations

1. Keep num_ctx at 1024.
)";

AgentReportInput input_for(const std::string& scenario_agent_profile, bool simulated) {
  const auto catalog = Catalog::builtin();
  AgentReportInput in;
  in.agent = *catalog.resolve({"InsightAgent", "InsightAgent", scenario_agent_profile, "", {}});
  in.date = "2025-11-15";
  in.simulated = simulated;
  auto analysis = call("analysis text", 100, 50.0, 120.0);
  analysis.options = in.agent.profile.options;
  auto report = call(kAnswer, 300, 37.5, 200.0);
  report.options = in.agent.profile.options;
  in.calls = {analysis, report};
  in.timing = {0.03, 2.12, 8.2};
  in.files_analysed = 101;
  in.data_summary = "Total files analysed: 101";
  in.facts = {{"101 files in reports/", "inventory of reports/"}};
  in.extraction = extract(kAnswer);
  const auto metrics = aggregate_metrics(in.calls);
  VectorFigureSource measured(measured_figures(metrics, "InsightAgent"));
  VectorFigureSource facts({{101, "", "files", "inventory"}});
  VectorFigureSource configuration(configuration_figures(report.options, "InsightAgent"));
  in.verification = verify(kAnswer, {&measured, &facts, &configuration});
  return in;
}

TEST(AgentMetrics, AggregatesTheCalls) {
  const auto in = input_for("chimera-optimized", false);
  const auto m = aggregate_metrics(in.calls);
  EXPECT_EQ(m.tokens_generated, 400);
  EXPECT_DOUBLE_EQ(*m.throughput_tps, 400.0 / (2.0 + 8.0));  // total tokens / total decode time
  EXPECT_DOUBLE_EQ(*m.ttft_ms, 120.0);                       // the first call's
  EXPECT_DOUBLE_EQ(*m.prompt_eval_ms, 100.0);
  EXPECT_TRUE(m.total_duration_from_server);
  measure::RequestResult bare;
  bare.output_tokens = 3;
  const auto none = aggregate_metrics({bare});
  EXPECT_FALSE(none.load_ms.has_value());  // not reported: absent, not 0
}

TEST(AgentReport, SectionsInTheSeedsOrder) {
  const auto report = render_agent_report(input_for("chimera-optimized", false));
  const std::vector<std::string> order = {"# InsightAgent\n",
                                          "**Date:** 2025-11-15",
                                          "**Agent Type:** Insight",
                                          "**Model:** gemma3:latest",
                                          "**Configuration:** num_ctx=1024",
                                          "## Executive Summary",
                                          "## Workflow Summary",
                                          "- Files analysed: 101",
                                          "(ingest 0.03 s | analysis 2.12 s | report 8.20 s)",
                                          "## Metrics",
                                          "### Client clock",
                                          "- TTFT: 120.00 ms (client clock, first call)",
                                          "- End-to-End Duration:",
                                          "- Throughput:",
                                          "### Server statistics",
                                          "- Throughput: 40.00 tok/s (server statistics",
                                          "- Total Duration:",
                                          "- Tokens Generated: 400",
                                          "- Prompt Eval:",
                                          "- Eval Duration:",
                                          "- Load Duration:",
                                          "## Key Findings",
                                          "- Decode rate is 40 tok/s.",
                                          "## Recommendations",
                                          "- Keep num_ctx at 1024.",
                                          "## Data Facts",
                                          "- 101 files in reports/ (source: inventory of reports/)",
                                          "## Verification",
                                          "### Unverified figures",
                                          "`15.5 s` (duration/latency) in: \"Latency was 15.5 s.\"",
                                          "### Verified figures",
                                          "`40.00 tok/s` (throughput) in:",
                                          "## Persona Prompt",
                                          "```\nYou are InsightAgent"};
  std::size_t at = 0;
  for (const auto& piece : order) {
    const auto found = report.find(piece, at);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << piece << "\n" << report;
    at = found + piece.size();
  }
  EXPECT_EQ(report.find("SIMULATED"), std::string::npos);
}

TEST(AgentReport, ExpectationsAreNeverShownAsMeasured) {
  const auto report = render_agent_report(input_for("chimera-optimized", false));
  // The figures are the sweep's best row, not this profile's configuration.
  const std::string source =
      "read from artifact reports/gemma3/Gemma3_Benchmark_Report.md, table row g999_c4096_t0.4, "
      "from the original's parameter sweep (TR108); another configuration (num_ctx 4096, num_gpu "
      "999, temperature 0.4 where this agent sends num_ctx 1024, num_gpu 80, temperature 0.6): not "
      "comparable";
  EXPECT_NE(report.find("**Expected (not measured):** throughput 102.31 tok/s, ttft 0.128 s (" +
                        source + ")"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("- Throughput: 40.00 tok/s (server statistics: eval_count / "
                        "eval_duration) · expected 102.31 tok/s (not measured; " +
                        source + ")"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("- TTFT: 120.00 ms (client clock, first call) · expected 0.128 s (not "
                        "measured; " +
                        source + ")"),
            std::string::npos)
      << report;
  EXPECT_EQ(report.find("Throughput: 102.31"), std::string::npos);
  // Every metric names its source instead of a bare "measured".
  EXPECT_EQ(report.find("(measured)"), std::string::npos) << report;
  EXPECT_EQ(report.find("(measured,"), std::string::npos) << report;
}

TEST(AgentReport, EachFigureNamesItsSource) {
  auto in = input_for("chimera-optimized", false);
  // Client clock: TTFT 120 and 200 ms, e2e = ttft + decode time.
  const std::string report = render_agent_report(in);
  const double e2e = (120.0 + 2000.0) + (200.0 + 8000.0);
  const double client_tps = (99.0 + 299.0) / ((2000.0 + 8000.0) / 1000.0);
  EXPECT_NE(report.find(fmt::format("- End-to-End Duration: {:.2f} ms (client clock, sum over "
                                    "the calls)",
                                    e2e)),
            std::string::npos)
      << report;
  EXPECT_NE(report.find(fmt::format("- Throughput: {:.2f} tok/s (client clock: (tokens − 1) / "
                                    "(last text chunk − first text chunk))",
                                    client_tps)),
            std::string::npos)
      << report;
  EXPECT_NE(report.find(fmt::format("- Total Duration: {:.2f} ms (server statistics: "
                                    "total_duration, sum over the calls)",
                                    e2e)),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("- Load Duration: 20.00 ms (server statistics: load_duration)"),
            std::string::npos);
  EXPECT_EQ(report.find("Warning"), std::string::npos) << "server and client agree";
}

TEST(AgentReport, AServerTotalAboveTheClientsTimeIsAWarning) {
  auto in = input_for("chimera-optimized", false);
  // The server says 100 ms; the client waited 4 ms for the whole answer.
  for (auto& c : in.calls) {
    c.ttft_ms = 1.0;
    c.e2e_ms = 4.0;
    c.server.total_ms = 100.0;
  }
  in.calls[0].e2e_ms = 3.0;
  const auto report = render_agent_report(in);
  EXPECT_NE(report.find("- Total Duration: 200.00 ms (server statistics: total_duration"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("> **Warning:** the server's statistics disagree with the client's clock: "
                        "in 2 of 2 calls the server's total_duration exceeds the client's "
                        "end-to-end time by more than the tolerance (10% of the client's "
                        "end-to-end time + 5 ms); largest 100.0 ms reported by the server against "
                        "3.0 ms measured by the client."),
            std::string::npos)
      << report;
  // Within the tolerance: the final statistics chunk comes a little after the last text.
  for (auto& c : in.calls) c.server.total_ms = *c.e2e_ms * 1.1 + 4.9;
  EXPECT_EQ(render_agent_report(in).find("Warning"), std::string::npos);
}

TEST(AgentReport, AMissingTtftSaysWhy) {
  auto in = input_for("chimera-optimized", false);
  in.calls[0].ttft_ms.reset();
  in.calls[0].e2e_ms.reset();
  in.calls[0].text_chunks = 0;
  in.calls[0].status = measure::Status::kError;
  in.calls[0].error_kind = "connect";
  in.calls.resize(1);
  auto report = render_agent_report(in);
  EXPECT_NE(report.find("- TTFT: n/a (no text chunk arrived: the first call failed (connect))"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("- End-to-End Duration: n/a (no text chunk arrived: the first call "
                        "failed (connect))"),
            std::string::npos);
  EXPECT_NE(report.find("- Total Duration: 2120.00 ms (server statistics"), std::string::npos);
  in.calls[0].status = measure::Status::kEmpty;
  report = render_agent_report(in);
  EXPECT_NE(report.find("- TTFT: n/a (no text chunk arrived: the server answered the first call "
                        "with no generated text)"),
            std::string::npos)
      << report;
  in.calls.clear();
  in.failure = "cancelled before the first call";
  report = render_agent_report(in);
  EXPECT_NE(report.find("- TTFT: n/a (no call was made to the model)"), std::string::npos)
      << report;
  EXPECT_NE(report.find("- Total Duration: n/a (no call was made to the model)"),
            std::string::npos);
}

TEST(AgentReport, BaselineSaysNoOptionsWereSent) {
  const auto report = render_agent_report(input_for("baseline", true));
  EXPECT_NE(report.find("**Configuration:** server defaults (no options sent) (profile baseline)"),
            std::string::npos);
  EXPECT_EQ(report.find("Expected"), std::string::npos);
  EXPECT_NE(report.find("> **SIMULATED** — Simulated run: the numbers below come from "
                        "`chimera sim`, not a real model."),
            std::string::npos);
}

TEST(AgentReport, FailedCallReportsTheErrorAndNoAnalysis) {
  auto in = input_for("chimera-optimized", false);
  in.calls[1] = measure::RequestResult{};
  in.calls[1].status = measure::Status::kError;
  in.calls[1].error_kind = "connect";
  in.calls[1].error_message = "could not connect to http://127.0.0.1:9";
  const auto report = render_agent_report(in);
  EXPECT_NE(report.find("**Agent failed:** the report call failed (connect): could not connect to "
                        "http://127.0.0.1:9"),
            std::string::npos)
      << report;
  EXPECT_EQ(report.find("Decode rate is 40 tok/s"), std::string::npos);
  EXPECT_EQ(report.find("Keep num_ctx"), std::string::npos);
  EXPECT_EQ(report.find("Executive Summary"), std::string::npos);
  EXPECT_NE(report.find("## Key Findings\n\nNone: the agent produced no answer."),
            std::string::npos);
  EXPECT_NE(report.find("Nothing to verify"), std::string::npos);
}

TEST(AgentReport, ZeroTokensIsAFailureToo) {
  auto in = input_for("chimera-optimized", false);
  in.calls.resize(1);
  in.calls[0].status = measure::Status::kEmpty;
  in.calls[0].output_tokens = 0;
  in.calls[0].text.clear();
  const auto failure = agent_failure(in);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->kind, "empty");
  EXPECT_EQ(failure->stage, "analysis");
  const auto report = render_agent_report(in);
  EXPECT_NE(report.find("the analysis call returned zero tokens"), std::string::npos);
  EXPECT_EQ(report.find("Decode rate"), std::string::npos);
}

}  // namespace
}  // namespace chimera::agents
