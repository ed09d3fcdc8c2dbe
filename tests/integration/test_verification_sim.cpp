// The simulator's report text plants figures taken from the data summary in the
// prompt and records the class each should get (/sim/requests,
// planted_figures). Over real HTTP, the verifier's classes for that text, against
// the same artifacts, equal the planted truth; and so do the classes a whole
// `chimera run` prints in its agents' reports.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chimera/agents/subjects.hpp"
#include "chimera/agents/verification.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "support/http_get.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {

using nlohmann::json;

std::string data_summary(const ingest::Analysis& analysis) {
  std::string summary = "Data summary:\n";
  for (const auto& fact : analysis.facts) summary += "- " + fact.text + "\n";
  return summary;
}

// Whether a fact is of another metric family than the text's "family/kind":
// a rank or index, or a family its name (else its unit) states that differs,
// apart from the pairs that agree (tokens with a context or batch size).
bool disagrees(const std::string& text_metric, const agents::KnownFigure& fact) {
  const std::string family = text_metric.substr(0, text_metric.find('/'));
  agents::Metric m = agents::metric_of_name(fact.metric.empty() ? fact.label : fact.metric);
  if (!m.known()) m = agents::metric_of_unit(fact.unit == "fraction" ? "%" : fact.unit);
  if (m.family == "ordinal") return true;
  if (!m.known() || m.family == family) return false;
  const bool tokens_setting = (m.family == "tokens" && family == "setting") ||
                              (m.family == "setting" && family == "tokens");
  return !tokens_setting;
}

void expect_classes_match_truth(const std::string& root, std::size_t requests) {
  const auto analysis = ingest::analyse({root});
  const orchestrate::IngestFigureSource source(analysis.figures);
  SimProcess sim({"--load-ms", "5", "--decode-tps", "5000", "--prefill-tps", "1000000"});
  const std::string prompt = data_summary(analysis);
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < requests; ++i) {
    const json request = {{"model", "gemma3:latest"},
                          {"prompt", prompt},
                          {"stream", false},
                          {"options", {{"seed", 100 + i}}}};
    const auto reply = http_request("POST", sim.url() + "/api/generate", request.dump());
    ASSERT_EQ(reply.status, 200) << reply.body;
    texts.push_back(json::parse(reply.body).at("response").get<std::string>());
  }
  const auto truth = json::parse(http_request("GET", sim.url() + "/sim/requests").body);
  ASSERT_EQ(truth.size(), requests);
  std::map<std::string, std::size_t> planted_by_class;
  for (std::size_t i = 0; i < requests; ++i) {
    const auto& planted = truth[i].at("planted_figures");
    ASSERT_FALSE(planted.empty()) << "request " << i << " planted nothing";
    const auto result = agents::verify(texts[i], {&source});
    for (const auto& p : planted) {
      const std::string written = p.at("written");
      const std::string expected = p.at("expected");
      ++planted_by_class[expected];
      const agents::VerifiedFigure* found = nullptr;
      for (const auto& f : result.figures) {
        if (f.text_as_written == written && f.entity.find(p.at("entity").get<std::string>()) == 0) {
          found = &f;
        }
      }
      ASSERT_NE(found, nullptr) << written << " not found in:\n" << texts[i];
      EXPECT_EQ(agents::to_string(found->status), expected)
          << written << " in \"" << found->sentence << "\" (" << found->metric << " of "
          << found->entity << ")";
    }
  }
  EXPECT_GT(planted_by_class["verified"], 0u);
  EXPECT_GT(planted_by_class["misattributed"], 0u);
  EXPECT_GT(planted_by_class["derived"], 0u);
  EXPECT_GT(planted_by_class["unverified"], 0u);
  // The rest of the text (random metrics and numbers, a third of them taken
  // from the prompt) is checked too: no figure is verified by a fact of
  // another metric family, nor by a rank or index.
  for (const auto& text : texts) {
    for (const auto& f : agents::verify(text, {&source}).figures) {
      if (f.status != agents::FigureStatus::kVerified || f.metric.empty()) continue;
      for (const auto& m : f.matches) {
        EXPECT_FALSE(disagrees(f.metric, m))
            << f.text_as_written << " (" << f.metric << ") in \"" << f.sentence << "\" verified by "
            << m.label << " (" << m.source << ")";
      }
    }
  }
}

TEST(VerificationAgainstSim, PlantedClassesOnTheProjectExamples) {
  expect_classes_match_truth(source_dir() + "/examples/artifacts", 12);
}

TEST(VerificationAgainstSim, PlantedClassesOnTheSharedArtifacts) {
  CHIMERA_REQUIRE_SHARED_ARTIFACTS(root);
  expect_classes_match_truth(root, 12);
}

// One entry of an agent report's Verification section.
struct ReportedFigure {
  std::string written;
  std::string status;  // verified misattributed derived unverified
  std::string sentence;
};

// The entries of the "## Verification" section, by the "### <Class> figures"
// heading they stand under.
std::vector<ReportedFigure> reported_figures(const std::string& report) {
  std::vector<ReportedFigure> out;
  std::istringstream in(report.substr(report.find("## Verification")));
  std::string status;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line) && !line.starts_with("## ")) {
    if (line.starts_with("### ")) {
      status = line.substr(4, line.find(' ', 4) - 4);
      for (char& c : status) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    const auto open = line.find(" in: \"");
    if (!line.starts_with("- `") || open == std::string::npos) continue;
    const auto close = line.rfind('"');
    ReportedFigure f;
    f.written = line.substr(3, line.find('`', 3) - 3);
    f.status = status;
    f.sentence = line.substr(open + 6, close - open - 6);
    out.push_back(std::move(f));
  }
  return out;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The reported entry for a planted figure: same figure, same sentence.
const ReportedFigure* find_reported(const std::vector<ReportedFigure>& reported, const json& p) {
  for (const auto& r : reported) {
    if (r.written == p.at("written") && r.sentence == p.at("sentence")) return &r;
  }
  return nullptr;
}

// A whole `chimera run` (isolated baselines, then both agents together) against
// one external simulator: each agent's report states, for every figure the
// simulator planted in its answer, the class the simulator recorded, and the
// counts in metrics.json are those of the report.
void expect_run_matches_truth(const std::string& artifacts, bool every_class) {
  namespace fs = std::filesystem;
  TempDir dir;
  SimProcess sim({"--config", source_dir() + "/tests/fixtures/sim-fast.yaml"});
  const fs::path out = fs::path(dir.path()) / "out";
  const auto r = run_chimera(
      {"run", "--endpoint", sim.url(), "--artifacts", artifacts, "--output-dir", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto truth = json::parse(http_request("GET", sim.url() + "/sim/requests").body);
  const auto metrics = json::parse(slurp(out / "run_1" / "metrics.json"));
  std::map<std::string, std::size_t> planted_by_class;
  for (const auto& agent : metrics.at("agents")) {
    const auto report = slurp(out / "run_1" / agent.at("report").get<std::string>());
    const auto reported = reported_figures(report);
    // The answer's call: a request all of whose planted figures the report lists.
    const json* answer = nullptr;
    for (const auto& request : truth) {
      const auto& planted = request.at("planted_figures");
      if (planted.empty()) continue;
      if (std::all_of(planted.begin(), planted.end(),
                      [&](const json& p) { return find_reported(reported, p) != nullptr; })) {
        answer = &request;
      }
    }
    ASSERT_NE(answer, nullptr) << agent.at("agent") << ": no request's planted figures are all in\n"
                               << report;
    for (const auto& p : answer->at("planted_figures")) {
      ++planted_by_class[p.at("expected")];
      EXPECT_EQ(find_reported(reported, p)->status, p.at("expected").get<std::string>())
          << agent.at("agent") << ": " << p.at("written") << " in \"" << p.at("sentence") << "\"";
    }
    std::map<std::string, std::size_t> listed;
    for (const auto& f : reported) ++listed[f.status];
    const auto& counts = agent.at("verification");
    for (const char* status : {"verified", "misattributed", "derived", "unverified"}) {
      EXPECT_EQ(counts.at(status).get<std::size_t>(), listed[status])
          << agent.at("agent") << " " << status;
    }
    EXPECT_EQ(counts.at("checkable").get<std::size_t>(),
              counts.at("figures").get<std::size_t>() - counts.at("trivial").get<std::size_t>());
  }
  // The project's examples are built so that every class can be planted; a
  // foreign corpus may offer no pair of entities for some class.
  for (const char* status : {"verified", "misattributed", "derived", "unverified"}) {
    if (every_class || std::string(status) == "verified" || std::string(status) == "unverified") {
      EXPECT_GT(planted_by_class[status], 0u) << status << " was never planted in this run";
    }
  }
  const auto combined = slurp(out / "run_1" / "combined_report.md");
  EXPECT_NE(combined.find("checkable (misattributed "), std::string::npos) << combined;
  const auto summary = json::parse(slurp(out / "summary.json"));
  EXPECT_NE(summary.at("verification").at("text").get<std::string>().find("checkable"),
            std::string::npos);
}

TEST(VerificationAgainstSim, AWholeRunReportsThePlantedClassesOnTheProjectExamples) {
  expect_run_matches_truth(source_dir() + "/examples/artifacts", true);
}

TEST(VerificationAgainstSim, AWholeRunReportsThePlantedClassesOnTheSharedArtifacts) {
  CHIMERA_REQUIRE_SHARED_ARTIFACTS(root);
  expect_run_matches_truth(root, false);
}

}  // namespace
}  // namespace chimera::testing
