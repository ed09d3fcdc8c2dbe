// The simulator's report text plants figures taken from the data summary in the
// prompt and records the class each should get (/sim/requests,
// planted_figures). Over real HTTP, the verifier's classes for that text, against
// the same artifacts, equal the planted truth.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "chimera/agents/verification.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/orchestrate/figure_sources.hpp"
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
}

TEST(VerificationAgainstSim, PlantedClassesOnTheProjectExamples) {
  expect_classes_match_truth(source_dir() + "/examples/artifacts", 12);
}

TEST(VerificationAgainstSim, PlantedClassesOnTheSharedArtifacts) {
  CHIMERA_REQUIRE_SHARED_ARTIFACTS(root);
  expect_classes_match_truth(root, 12);
}

}  // namespace
}  // namespace chimera::testing
