// A held-out set of sentences written by hand against the example and shared
// artifacts (tests/fixtures/verification-heldout.tsv), half true and half
// false, each labelled with the class it must get and the mistake it tests:
// options that verify unrelated figures, derived figures against the metric,
// the direction or the roles, statistic words, rounding, time and place, the
// run's agents, name parts, entity-less figures, misattribution. The labels
// were computed from the data files by hand, not by the code under test. A
// run with two agents (tests/fixtures/verify-run) is known as in a real run.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "chimera/agents/verification.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "chimera/orchestrate/run/run_directory.hpp"
#include "chimera/orchestrate/run/run_figures.hpp"
#include "support/process.hpp"

namespace chimera::agents {
namespace {

struct Sentence {
  std::string corpus, check, truth, expected, figure, text;
};

std::vector<Sentence> read_fixture(const std::string& corpus) {
  std::ifstream in(testing::source_dir() + "/tests/fixtures/verification-heldout.tsv");
  std::vector<Sentence> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> cells;
    std::istringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, '\t')) cells.push_back(cell);
    EXPECT_EQ(cells.size(), 6u) << line;
    if (cells.size() != 6 || cells[0] != corpus) continue;
    out.push_back({cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]});
  }
  return out;
}

// The two-agent run of tests/fixtures/verify-run, as `chimera run` knows it.
VectorFigureSource fixture_run() {
  std::ifstream in(testing::source_dir() + "/tests/fixtures/verify-run/run_1/metrics.json");
  const auto run = orchestrate::run_record_from_json(nlohmann::json::parse(in));
  EXPECT_EQ(run.agents.size(), 2u);
  return orchestrate::run_figures(run.agents);
}

struct Counts {
  std::size_t accepted_true = 0, accepted_false = 0, true_total = 0, exact = 0, total = 0;
};

bool accepted(const std::string& status) {
  return status == "verified" || status == "derived";
}

void check_corpus(const std::string& corpus, const std::string& root) {
  const auto sentences = read_fixture(corpus);
  ASSERT_GE(sentences.size(), 20u);
  const auto analysis = ingest::analyse({root});
  const orchestrate::IngestFigureSource data(analysis.figures);
  const VectorFigureSource run = fixture_run();
  std::map<std::string, Counts> by_check, by_class;
  Counts all;
  for (const auto& s : sentences) {
    const auto result = verify(s.text, {&data, &run});
    const VerifiedFigure* found = nullptr;
    // The figure as written, its unit after a space left out ("40" for "40 tok/s").
    for (const auto& f : result.figures) {
      if (f.text_as_written == s.figure || f.text_as_written.rfind(s.figure + " ", 0) == 0) {
        found = &f;
      }
    }
    if (s.expected == "none") {
      EXPECT_EQ(found, nullptr) << s.figure << " is part of a name in: " << s.text;
      continue;
    }
    if (found == nullptr) {
      ADD_FAILURE() << s.figure << " was not found as a figure in: " << s.text;
      continue;
    }
    const std::string got = to_string(found->status);
    for (Counts* c : {&all, &by_check[s.check], &by_class[s.expected]}) {
      ++c->total;
      c->exact += got == s.expected ? 1 : 0;
      if (s.truth == "true") ++c->true_total;
      if (accepted(got)) ++(s.truth == "true" ? c->accepted_true : c->accepted_false);
    }
    EXPECT_EQ(got, s.expected) << "[" << s.check << "] " << s.figure << " in \"" << s.text
                               << "\": " << found->reason << " " << found->formula;
  }
  auto line = [](const std::string& name, const Counts& c) {
    const std::size_t acc = c.accepted_true + c.accepted_false;
    std::printf("  %-15s %2zu figures (%2zu true): precision %s, recall %s, exact class %zu/%zu\n",
                name.c_str(), c.total, c.true_total,
                acc == 0 ? "  n/a" : fmt::format("{:.3f}", double(c.accepted_true) / acc).c_str(),
                c.true_total == 0
                    ? "  n/a"
                    : fmt::format("{:.3f}", double(c.accepted_true) / c.true_total).c_str(),
                c.exact, c.total);
  };
  std::printf("%s held-out sentences (precision and recall of verified + derived):\n",
              corpus.c_str());
  line("all", all);
  for (const auto& [check, c] : by_check) line("check " + check, c);
  for (const auto& [expected, c] : by_class) line("class " + expected, c);
  const std::size_t acc = all.accepted_true + all.accepted_false;
  ASSERT_GT(acc, 0u);
  EXPECT_GE(double(all.accepted_true) / acc, 0.98) << corpus;
  EXPECT_GE(double(all.accepted_true) / all.true_total, 0.90) << corpus;
  // Each kind of mistake on its own: no false figure of it is accepted.
  for (const auto& [check, c] : by_check) {
    EXPECT_EQ(c.accepted_false, 0u) << corpus << ": a false figure passed the check " << check;
  }
  // Each class on its own: at least 90% of the figures labelled with it get it.
  for (const auto& [expected, c] : by_class) {
    EXPECT_GE(double(c.exact) / c.total, 0.9) << corpus << ": class " << expected;
  }
}

TEST(AgentsVerificationHeldOut, ProjectExamples) {
  check_corpus("examples", testing::source_dir() + "/examples/artifacts");
}

TEST(AgentsVerificationHeldOut, SharedArtifacts) {
  CHIMERA_REQUIRE_SHARED_ARTIFACTS(root);
  check_corpus("shared", root);
}

TEST(AgentsVerificationHeldOut, TheSetIsHalfTrueHalfFalseAndLargeEnough) {
  std::size_t truths = 0, falsehoods = 0;
  for (const char* corpus : {"examples", "shared"}) {
    for (const auto& s : read_fixture(corpus)) {
      truths += s.truth == "true" ? 1 : 0;
      falsehoods += s.truth == "false" ? 1 : 0;
    }
  }
  EXPECT_GE(truths + falsehoods, 60u);
  EXPECT_LE(truths > falsehoods ? truths - falsehoods : falsehoods - truths, 4u);
}

}  // namespace
}  // namespace chimera::agents
