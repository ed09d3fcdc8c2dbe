// The simulator's report text plants figures taken from the data summary in the
// prompt and records the class each should get (/sim/requests,
// planted_figures). Over real HTTP, the verifier's classes for that text, against
// the same artifacts, equal the planted truth; and so do the classes a whole
// `chimera run` prints in its agents' reports.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

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

// The test's own reading of what a known figure measures, from its column or
// key name, else its unit (independent of the verifier's metric words): a
// throughput, a duration, a share, a count of tokens, a rank or index, or
// "" when neither says.
std::string family_of(const agents::KnownFigure& fact) {
  std::string n = fact.metric.empty() ? fact.label : fact.metric;
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto has = [&](std::string_view part) { return n.find(part) != std::string::npos; };
  if (n == "rank" || n == "#" || has("rank") || has("index") || n.ends_with("_id"))
    return "ordinal";
  if (has("tokens_s") || has("tok_s") || has("tps") || has("throughput") || has("eval_rate") ||
      has("tokens/s") || has("tok/s")) {
    return "throughput";
  }
  if (has("ttft") || has("latency") || has("duration") || n.ends_with("_ms") || n.ends_with("_s") ||
      has("(ms)") || has("(s)") || has("time")) {
    return "duration";
  }
  if (has("pct") || has("percent") || has("util") || has("rate") || has("ratio")) return "share";
  const std::string& u = fact.unit;
  if (u == "tok/s") return "throughput";
  if (u == "ms" || u == "s" || u == "min") return "duration";
  if (u == "%" || u == "fraction") return "share";
  return "";
}

// The family a figure written with `unit` must have, or "" when the unit does
// not say (a bare number, tokens, a percent that may be a change).
std::string family_of_unit(const std::string& unit) {
  if (unit == "tok/s") return "throughput";
  if (unit == "ms" || unit == "s" || unit == "min") return "duration";
  return "";
}

// A derived figure, recomputed by the test from the two figures the verifier
// names: one column of one file, and the written value is their relative
// change (a percent) or their ratio (x) within the written rounding.
void expect_derivation_holds(const agents::VerifiedFigure& f) {
  ASSERT_EQ(f.matches.size(), 2u) << f.sentence;
  const auto& a = f.matches[0];
  const auto& b = f.matches[1];
  auto file_of = [](const std::string& source) { return source.substr(0, source.find(' ')); };
  EXPECT_EQ(a.metric.empty() ? a.label : a.metric, b.metric.empty() ? b.label : b.metric)
      << f.sentence;
  EXPECT_EQ(file_of(a.source), file_of(b.source)) << f.sentence;
  const std::string written = f.text_as_written;
  const auto point = written.find('.');
  const std::size_t digits = written.find_first_not_of("0123456789.,");
  const int decimals =
      point == std::string::npos
          ? 0
          : static_cast<int>((digits == std::string::npos ? written.size() : digits) - point - 1);
  const double tolerance = 0.5 * std::pow(10.0, -decimals) + 1e-9;
  const double value = std::abs(f.value);
  if (f.unit == "%") {
    const double change = std::abs((a.value - b.value) / b.value * 100);
    const double points = std::abs(a.value - b.value);
    EXPECT_TRUE(std::abs(change - value) <= tolerance || std::abs(points - value) <= tolerance ||
                std::abs(points * 100 - value) <= tolerance)
        << f.sentence << ": " << a.value << " vs " << b.value;
  } else if (f.unit == "x") {
    const double ratio = std::max(a.value / b.value, b.value / a.value);
    EXPECT_NEAR(ratio, value, tolerance) << f.sentence;
  }
  // The sentence names both entities, and each figure is about one of them.
  for (const auto* k : {&a, &b}) {
    EXPECT_TRUE(
        std::any_of(k->entities.begin(), k->entities.end(),
                    [&](const std::string& e) { return f.sentence.find(e) != std::string::npos; }))
        << f.sentence << ": " << k->source;
  }
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
  // from the prompt) is checked too: no figure written in tok/s or a time unit
  // is verified by a fact of another family, nor any figure by a rank or an
  // index; every derived figure follows from the two figures it names.
  std::size_t derived = 0;
  for (const auto& text : texts) {
    for (const auto& f : agents::verify(text, {&source}).figures) {
      if (f.status == agents::FigureStatus::kDerived) {
        ++derived;
        expect_derivation_holds(f);
      }
      if (f.status != agents::FigureStatus::kVerified) continue;
      const std::string wanted = family_of_unit(f.unit);
      for (const auto& m : f.matches) {
        const std::string family = family_of(m);
        EXPECT_NE(family, "ordinal") << f.text_as_written << " in \"" << f.sentence
                                     << "\" verified by " << m.label << " (" << m.source << ")";
        if (wanted.empty() || family.empty()) continue;
        EXPECT_EQ(family, wanted) << f.text_as_written << " in \"" << f.sentence
                                  << "\" verified by " << m.label << " (" << m.source << ")";
      }
    }
  }
  EXPECT_GE(derived, planted_by_class["derived"]);
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
              counts.at("total").get<std::size_t>() - counts.at("trivial").get<std::size_t>());
    // figures[]: one object per figure, each with its class and what decided it.
    const auto& figures = counts.at("figures");
    ASSERT_EQ(figures.size(), counts.at("total").get<std::size_t>());
    std::map<std::string, std::size_t> by_class;
    for (const auto& f : figures) {
      for (const char* key : {"text", "value", "unit", "class", "sentence", "reason", "source"}) {
        EXPECT_TRUE(f.contains(key)) << key << " missing in " << f.dump();
      }
      ++by_class[f.at("class").get<std::string>()];
      const bool sourced = f.at("class") == "verified" || f.at("class") == "derived" ||
                           f.at("class") == "misattributed";
      EXPECT_EQ(f.at("source").is_null(), !sourced) << f.dump();
    }
    for (const char* status : {"verified", "misattributed", "derived", "unverified", "trivial"}) {
      EXPECT_EQ(by_class[status], counts.at(status).get<std::size_t>()) << status;
    }
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

// Two agents of one run that write the same answer (same persona, profile and
// seed): every figure gets the same class in both agents' figures[], because
// every verifier of a run knows all its agents, models and settings; and the
// "9000" of the agent DataCollector-9000 is no figure.
TEST(VerificationAgainstSim, TwoAgentsOfOneRunGiveTheSameVerdictForTheSameSentence) {
  namespace fs = std::filesystem;
  TempDir dir;
  SimProcess sim({"--config", source_dir() + "/tests/fixtures/sim-fast.yaml"});
  const fs::path out = fs::path(dir.path()) / "out";
  const auto r = run_chimera({"run", "--endpoint", sim.url(), "--artifacts",
                              source_dir() + "/examples/artifacts", "--scenario",
                              source_dir() + "/tests/fixtures/scenario-twins.yaml", "--output-dir",
                              out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto metrics = json::parse(slurp(out / "run_1" / "metrics.json"));
  ASSERT_EQ(metrics.at("agents").size(), 2u);
  std::vector<std::map<std::pair<std::string, std::string>, std::string>> verdicts;
  for (const auto& agent : metrics.at("agents")) {
    auto& mine = verdicts.emplace_back();
    for (const auto& f : agent.at("verification").at("figures")) {
      EXPECT_NE(f.at("text"), "9000") << f.dump();
      mine[{f.at("sentence"), f.at("text")}] = f.at("class");
    }
  }
  std::size_t common = 0;
  for (const auto& [figure, verdict] : verdicts[0]) {
    auto other = verdicts[1].find(figure);
    if (other == verdicts[1].end()) continue;
    ++common;
    EXPECT_EQ(verdict, other->second) << figure.second << " in \"" << figure.first << "\"";
  }
  EXPECT_GE(common, 10u) << "the two answers should be the same text";
  EXPECT_EQ(common, verdicts[0].size());
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
