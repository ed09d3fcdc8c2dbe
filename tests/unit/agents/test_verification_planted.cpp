// A labelled set of planted figures, generated from real artifacts: each figure
// of a row is stated for its own entity (verified), for another entity that
// does not hold it (misattributed), as a percent change between two entities
// (derived), or perturbed into a value no file holds (unverified). The
// verifier's classes are compared with the labels.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "chimera/agents/verification.hpp"
#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/facts.hpp"
#include "chimera/orchestrate/figure_sources.hpp"
#include "support/process.hpp"

namespace chimera::agents {
namespace {

namespace fs = std::filesystem;

struct Planted {
  std::string text;
  std::string written;  // the figure as written in `text`
  FigureStatus label;
};

// The value as an analyst would write it, with the unit its column implies.
std::string written_value(double value, const std::string& unit) {
  const std::string number = ingest::format_number(value);
  if (unit == "tok/s" || unit == "ms" || unit == "s") return number + " " + unit;
  if (unit == "%") return number + "%";
  return number;
}

bool holds(const std::vector<KnownFigure>& figures, double value) {
  for (const auto& f : figures) {
    if (std::abs(f.value - value) <= 0.01 * std::max(1.0, std::abs(value))) return true;
  }
  return false;
}

bool checkable(double value) {
  return std::isfinite(value) && std::abs(value) >= 10 && std::abs(value) < 1e7;
}

// Up to `per_root` planted figures of each class from the figures of the root's
// entities, in index order (deterministic).
std::vector<Planted> plant(const orchestrate::IngestFigureSource& source, std::size_t per_class) {
  std::vector<std::string> names = source.entity_names();
  std::map<std::string, std::vector<KnownFigure>> about;
  for (const auto& name : names) {
    // Names the verifier takes for entities: a letter in them ("1/7 (14%)" is not).
    const bool has_letter = std::any_of(name.begin(), name.end(), [](char c) {
      return std::isalpha(static_cast<unsigned char>(c)) != 0;
    });
    if (name.size() >= 3 && has_letter) about[name] = source.about(name, 1 << 20);
  }
  std::vector<Planted> correct, wrong, derived, invented;
  for (const auto& [entity, all_figures] : about) {
    const std::vector<KnownFigure> figures(
        all_figures.begin(), all_figures.begin() + std::min<std::size_t>(all_figures.size(), 64));
    for (const auto& f : figures) {
      // A "Version" cell is a reference, not a figure; counts and shares are
      // written in other forms than their cells.
      if (!checkable(f.value) || f.unit == "count" || f.unit == "fraction" ||
          f.label.find("ersion") != std::string::npos) {
        continue;
      }
      const std::string value = written_value(f.value, f.unit);
      if (correct.size() < per_class) {
        correct.push_back({fmt::format("For {}, the {} was {}.", entity, f.label, value), value,
                           FigureStatus::kVerified});
      }
      const double off = f.value * 1.37 + 0.11;
      if (invented.size() < per_class && source.find(off, 0.02).empty()) {
        const std::string v = written_value(off, f.unit);
        invented.push_back({fmt::format("For {}, the {} was {}.", entity, f.label, v), v,
                            FigureStatus::kUnverified});
      }
      // The same metric of another entity, which does not hold this value.
      for (const auto& [other, its] : about) {
        if (other == entity || holds(its, f.value)) continue;
        const KnownFigure* peer = nullptr;
        for (const auto& g : its) {
          if (g.label == f.label && checkable(g.value) && g.value != f.value) peer = &g;
        }
        if (peer == nullptr) continue;
        if (wrong.size() < per_class) {
          wrong.push_back({fmt::format("For {}, the {} was {}.", other, f.label, value), value,
                           FigureStatus::kMisattributed});
        }
        const double change = (f.value - peer->value) / std::abs(peer->value) * 100;
        if (derived.size() < per_class && std::abs(change) >= 10 && std::abs(change) < 1000) {
          const std::string v = fmt::format("{:.1f}%", std::abs(change));
          derived.push_back({fmt::format("The {} of {} was {} {} than that of {}.", f.label, entity,
                                         v, change > 0 ? "higher" : "lower", other),
                             v, FigureStatus::kDerived});
        }
        break;
      }
    }
  }
  std::vector<Planted> all;
  for (auto* part : {&correct, &wrong, &derived, &invented}) {
    all.insert(all.end(), part->begin(), part->end());
  }
  return all;
}

struct Tally {
  std::map<std::pair<FigureStatus, FigureStatus>, std::size_t> cells;  // label, got
  std::size_t total = 0;
  std::vector<std::string> mistakes;

  void add(const Planted& planted, const VerifiedFigure& got) {
    ++cells[{planted.label, got.status}];
    ++total;
    if (got.status != planted.label && mistakes.size() < 20) {
      mistakes.push_back(fmt::format("{} -> {} ({}; {}): {}", to_string(planted.label),
                                     to_string(got.status), got.metric, got.entity, planted.text));
    }
  }
  std::size_t n(FigureStatus label, FigureStatus got) const {
    auto it = cells.find({label, got});
    return it == cells.end() ? 0 : it->second;
  }
  std::size_t labelled(FigureStatus label) const {
    std::size_t sum = 0;
    for (const auto& [key, count] : cells) sum += key.first == label ? count : 0;
    return sum;
  }
  std::size_t classified(FigureStatus got) const {
    std::size_t sum = 0;
    for (const auto& [key, count] : cells) sum += key.second == got ? count : 0;
    return sum;
  }
};

Tally classify_planted(const std::vector<Planted>& planted,
                       const orchestrate::IngestFigureSource& source) {
  Tally tally;
  for (const auto& p : planted) {
    const auto result = verify(p.text, {&source});
    const VerifiedFigure* figure = nullptr;
    for (const auto& f : result.figures) {
      if (f.text_as_written == p.written) figure = &f;
    }
    if (figure == nullptr) {
      ADD_FAILURE() << "figure " << p.written << " not found in: " << p.text;
      continue;
    }
    tally.add(p, *figure);
  }
  return tally;
}

void expect_quality(const Tally& t, const std::string& corpus) {
  const auto v = FigureStatus::kVerified;
  const auto m = FigureStatus::kMisattributed;
  const double precision =
      t.classified(v) == 0 ? 0 : static_cast<double>(t.n(v, v)) / t.classified(v);
  const double recall = t.labelled(v) == 0 ? 0 : static_cast<double>(t.n(v, v)) / t.labelled(v);
  std::printf("%s: %zu planted figures\n", corpus.c_str(), t.total);
  for (auto label : {v, m, FigureStatus::kDerived, FigureStatus::kUnverified}) {
    std::printf(
        "  %-13s labelled %3zu: verified %3zu misattributed %3zu derived %3zu "
        "unverified %3zu\n",
        to_string(label), t.labelled(label), t.n(label, v), t.n(label, m),
        t.n(label, FigureStatus::kDerived), t.n(label, FigureStatus::kUnverified));
  }
  std::printf("  verified precision %.4f recall %.4f\n", precision, recall);
  for (const auto& mistake : t.mistakes) std::printf("  mistake: %s\n", mistake.c_str());
  EXPECT_GE(t.total, 200u) << corpus;
  EXPECT_GE(precision, 0.99) << corpus;
  EXPECT_GE(recall, 0.95) << corpus;
  EXPECT_EQ(t.n(m, m), t.labelled(m)) << corpus << ": every misattribution is caught";
  EXPECT_GT(t.labelled(m), 0u);
  EXPECT_GT(t.labelled(FigureStatus::kDerived), 0u);
}

TEST(AgentsVerificationPlanted, ProjectExamples) {
  const auto analysis = ingest::analyse({testing::source_dir() + "/examples/artifacts"});
  const orchestrate::IngestFigureSource source(analysis.figures);
  const auto planted = plant(source, 80);
  expect_quality(classify_planted(planted, source), "examples/artifacts");
}

TEST(AgentsVerificationPlanted, SharedArtifacts) {
  CHIMERA_REQUIRE_SHARED_ARTIFACTS(root);
  const auto analysis = ingest::analyse({root});
  const orchestrate::IngestFigureSource source(analysis.figures);
  const auto planted = plant(source, 100);
  expect_quality(classify_planted(planted, source), "shared artifacts");
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The seeds' reports quote figures that no artifact holds; each of them is
// unverified against the shared artifacts.
TEST(AgentsVerificationPlanted, SeedsInventedFiguresAreUnverified) {
  const fs::path seeds = fs::path(CHIMERA_SHARED_DIR) / "seeds";
  if (!fs::exists(seeds)) GTEST_SKIP() << "../shared/seeds is absent";
  CHIMERA_REQUIRE_SHARED_ARTIFACTS(root);
  const auto analysis = ingest::analyse({root});
  const orchestrate::IngestFigureSource source(analysis.figures);
  const std::vector<std::string> invented = {"15.5 seconds", "15.5 s", "92.3%", "0.0%"};
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(seeds)) {
    const auto result = verify(read_file(entry.path()), {&source});
    for (const auto& f : result.figures) {
      if (std::find(invented.begin(), invented.end(), f.text_as_written) == invented.end())
        continue;
      ++seen;
      EXPECT_EQ(f.status, FigureStatus::kUnverified)
          << f.text_as_written << " in " << entry.path().filename() << ": \"" << f.sentence
          << "\" (" << to_string(f.status) << ")";
      EXPECT_LE(f.sentence.size(), 210u);
    }
  }
  EXPECT_GE(seen, 2u);
}

}  // namespace
}  // namespace chimera::agents
