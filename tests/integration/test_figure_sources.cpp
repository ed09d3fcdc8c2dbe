// Every figure of `chimera run` names its source, end to end against
// `chimera sim`: a server whose statistics claim more time than the client
// waited is labelled and warned about in the agent's report, the combined
// report, summary.md and report.html; a missing TTFT says why; an expected
// figure names its artifact row and says it is another configuration.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/http_get.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<nlohmann::json> read_jsonl(const fs::path& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

constexpr double kInflationMs = 2000;  // what the planted server adds to its total_duration

class FigureSources : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path scenario = fs::path(dir_.path()) / "planted.yaml";
    std::ofstream(scenario) << fmt::format(
        "profiles:\n"
        "  inflated: {{model: \"gemma3:latest@fault=inflate_total;ms={:g}\"}}\n"
        "  broken: {{model: \"gemma3:latest@fault=http500\"}}\n"
        "agents:\n"
        "  honest: {{persona: InsightAgent, profile: chimera-optimized}}\n"
        "  inflated: {{persona: DataCollector-9000, profile: inflated}}\n"
        "  broken: {{persona: DataCollector-9000, profile: broken}}\n"
        "scenarios:\n"
        "  planted: [honest, inflated, broken]\n",
        kInflationMs);
    out_ = fs::path(dir_.path()) / "out";
    const auto r = run_chimera({"run", "--endpoint", sim_.url(), "--artifacts",
                                example_artifacts_dir(), "--scenario", scenario.string(),
                                "--output-dir", out_.string(), "--no-isolated", "--warmup", "0"});
    ASSERT_EQ(r.exit_code, 3) << "the broken agent fails, the others carry on\n" << r.err;
    requests_ = read_jsonl(out_ / "requests.jsonl");
  }

  // The concurrent calls of one agent, as requests.jsonl recorded them.
  std::vector<nlohmann::json> calls_of(const std::string& agent) const {
    std::vector<nlohmann::json> out;
    for (const auto& q : requests_)
      if (q["agent"] == agent && q["phase"] == "concurrent") out.push_back(q);
    return out;
  }

  TempDir dir_;
  SimProcess sim_{{"--config", source_dir() + "/tests/fixtures/sim-fast.yaml"}};
  fs::path out_;
  std::vector<nlohmann::json> requests_;
};

TEST_F(FigureSources, ServerStatisticsTheClientContradictsAreLabelledAndWarned) {
  const auto inflated = calls_of("inflated");
  ASSERT_EQ(inflated.size(), 2u) << "analysis and report calls";
  // The simulator's truth: what it sent as total_duration (reported_total_ms),
  // 2 s more than the time it really took (total_ms, stamped just after the
  // final chunk was written).
  const auto truth = nlohmann::json::parse(http_request("GET", sim_.url() + "/sim/requests").body);
  std::vector<std::pair<double, double>> sent_and_real;
  std::vector<double> reported;
  for (const auto& t : truth)
    if (t["fault"].get<std::string>().starts_with("inflate_total"))
      sent_and_real.emplace_back(t["reported_total_ms"].get<double>(), t["total_ms"].get<double>());
  // A total longer than the client waited cannot be true: it is kept raw,
  // apart (server_implausible), and enters no figure.
  for (const auto& q : requests_) {
    if (q["agent"] != "inflated") continue;
    EXPECT_TRUE(q["server"]["total_ms"].is_null()) << q.dump();
    reported.push_back(q["server_implausible"]["total_ms"].get<double>());
  }
  ASSERT_EQ(sent_and_real.size(), reported.size());
  std::sort(sent_and_real.begin(), sent_and_real.end());
  std::sort(reported.begin(), reported.end());
  for (std::size_t i = 0; i < reported.size(); ++i) {
    const auto [sent, real] = sent_and_real[i];
    EXPECT_NEAR(reported[i], sent, 1e-6) << "kept raw, as the server sent it";
    EXPECT_GE(real, sent - kInflationMs);
    EXPECT_NEAR(sent - kInflationMs, real, 5.0);
  }

  double server_total = 0, client_e2e = 0;
  double largest_gap = -1, largest_reported = 0;  // the call the warning names
  for (const auto& q : inflated) {
    const double total = q["server_implausible"]["total_ms"].get<double>();
    server_total += total;
    client_e2e += q["e2e_ms"].get<double>();
    if (total - q["e2e_ms"].get<double>() > largest_gap) {
      largest_gap = total - q["e2e_ms"].get<double>();
      largest_reported = total;
    }
    EXPECT_GT(total, q["e2e_ms"].get<double>() * 1.1 + 5);
  }
  const auto report = slurp(out_ / "run_1" / "inflated_report.md");
  EXPECT_NE(report.find("- Total Duration: n/a (left out: the server's statistics were "
                        "implausible in 2 of 2 calls)"),
            std::string::npos)
      << report;
  EXPECT_EQ(report.find(fmt::format("{:.2f}", server_total)), std::string::npos)
      << "the implausible total is in no figure\n"
      << report;
  EXPECT_NE(report.find(fmt::format("largest {:.1f} ms reported by the server", largest_reported)),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("are left out of every figure"), std::string::npos) << report;
  EXPECT_NE(report.find(fmt::format("- End-to-End Duration: {:.2f} ms (client clock, sum over "
                                    "the calls)",
                                    client_e2e)),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("- TTFT: " + fmt::format("{:.2f}", inflated[0]["ttft_ms"].get<double>()) +
                        " ms (client clock, first call)"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("> **Warning:** the server's statistics disagree with the client's clock: "
                        "in 2 of 2 calls the server's total_duration exceeds the client's "
                        "end-to-end time by more than the tolerance"),
            std::string::npos)
      << report;
  EXPECT_EQ(report.find("(measured)"), std::string::npos) << report;

  // The honest server's figures agree with the clock: no warning.
  const auto honest = slurp(out_ / "run_1" / "honest_report.md");
  EXPECT_NE(honest.find("(server statistics: total_duration"), std::string::npos) << honest;
  EXPECT_EQ(honest.find("Warning"), std::string::npos) << honest;

  const auto metrics = nlohmann::json::parse(slurp(out_ / "run_1" / "metrics.json"));
  for (const auto& a : metrics["agents"]) {
    const auto& d = a["metrics"]["server_client_disagreement"];
    if (a["agent"] == "inflated") {
      ASSERT_TRUE(d.is_object()) << a.dump(2);
      EXPECT_EQ(d["calls"], 2);
      EXPECT_TRUE(a["metrics"]["server_total_ms"].is_null()) << a.dump(2);
      EXPECT_NEAR(a["metrics"]["e2e_ms"].get<double>(), client_e2e, 1e-6);
    } else {
      EXPECT_TRUE(d.is_null()) << a.dump(2);
    }
  }

  const auto summary = slurp(out_ / "summary.md");
  for (const char* column :
       {"TTFT (client clock)", "end-to-end (client clock)", "throughput (server statistics)",
        "total duration (server statistics)", "tokens (server statistics)"})
    EXPECT_NE(summary.find(column), std::string::npos) << column << "\n" << summary;
  EXPECT_NE(summary.find("> **Warning (run 1, inflated):** the server's statistics disagree"),
            std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("Warning (run 1, honest)"), std::string::npos) << summary;
  const auto combined = slurp(out_ / "run_1" / "combined_report.md");
  EXPECT_NE(combined.find("> **Warning (inflated):** the server's statistics disagree"),
            std::string::npos)
      << combined;
  EXPECT_NE(combined.find("total duration (server statistics)"), std::string::npos);

  const auto page = slurp(out_ / "report.html");
  EXPECT_NE(page.find("<p class=\"warning\">Run 1, inflated: the server"), std::string::npos);
  EXPECT_NE(page.find("statistics disagree with the client"), std::string::npos);
  EXPECT_NE(page.find("total duration (ms, server statistics)"), std::string::npos);
}

TEST_F(FigureSources, AMissingTtftSaysWhyAndAnExpectationNamesItsRow) {
  const auto broken = slurp(out_ / "run_1" / "broken_report.md");
  EXPECT_NE(broken.find("- TTFT: n/a (no text chunk arrived: the first call failed (http))"),
            std::string::npos)
      << broken;
  EXPECT_EQ(broken.find("TTFT: 0"), std::string::npos);
  const auto metrics = nlohmann::json::parse(slurp(out_ / "run_1" / "metrics.json"));
  for (const auto& a : metrics["agents"]) {
    if (a["agent"] != "broken") continue;
    EXPECT_TRUE(a["metrics"]["ttft_ms"].is_null());
    EXPECT_EQ(a["metrics"]["ttft_missing"], "no text chunk arrived: the first call failed (http)");
  }
  const auto combined = slurp(out_ / "run_1" / "combined_report.md");
  EXPECT_NE(
      combined.find("- broken: no TTFT, no text chunk arrived: the first call failed (http)."),
      std::string::npos)
      << combined;

  // chimera-optimized's expected figures are another configuration's.
  const auto honest = slurp(out_ / "run_1" / "honest_report.md");
  EXPECT_NE(honest.find("expected 102.31 tok/s (not measured; read from artifact "
                        "reports/gemma3/Gemma3_Benchmark_Report.md, table row g999_c4096_t0.4"),
            std::string::npos)
      << honest;
  EXPECT_NE(honest.find("another configuration (num_ctx 4096, num_gpu 999, temperature 0.4 where "
                        "this agent sends num_ctx 1024, num_gpu 80, temperature 0.6): not "
                        "comparable"),
            std::string::npos)
      << honest;
}

}  // namespace
}  // namespace chimera::testing
