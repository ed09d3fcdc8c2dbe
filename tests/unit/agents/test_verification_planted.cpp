// A labelled set of planted figures, generated from real artifacts: each figure
// of a row is stated for its own entity (verified), for another entity that
// does not hold it (misattributed), as a percent change or ratio between two
// entities (derived), or perturbed into a value no file holds (unverified).
// Eight phrasings (sentences with the entity before or after the figure, the
// metric by its column name or in words, two table layouts, a list item) and
// four ways to write a value (as the data has it, another spelling of its
// unit, converted between ms and s, rounded) are cycled through. The
// verifier's classes are compared with the labels.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
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
#include "chimera/orchestrate/run/figure_sources.hpp"
#include "support/process.hpp"

namespace chimera::agents {
namespace {

namespace fs = std::filesystem;

struct Planted {
  std::string text;
  std::string written;  // the figure as written in `text`
  FigureStatus label;
};

// How a figure is written: as the data has it; with another spelling of its
// unit; converted (ms <-> s); rounded to fewer decimals than the data holds.
enum class Style { kAsIs, kSpelling, kConverted, kRounded };
constexpr std::array kStyles = {Style::kAsIs, Style::kSpelling, Style::kConverted, Style::kRounded};

// The value as an analyst would write it, with the unit its column implies.
std::string written_value(double value, const std::string& unit, Style style) {
  std::string number = ingest::format_number(value);
  const auto point = number.find('.');
  if (style == Style::kRounded && point != std::string::npos &&
      number.find('e') == std::string::npos) {
    // One decimal fewer than the data shows: 102.46 -> 102.5, 0.5532 -> 0.553.
    const int decimals = static_cast<int>(number.size() - point - 1);
    number = fmt::format("{:.{}f}", value, decimals - 1);
  }
  if (style == Style::kConverted && unit == "ms") return ingest::format_number(value / 1000) + " s";
  if (style == Style::kConverted && unit == "s") return ingest::format_number(value * 1000) + " ms";
  const bool spelled = style == Style::kSpelling;
  if (unit == "tok/s") return number + (spelled ? " tokens per second" : " tok/s");
  if (unit == "ms") return number + (spelled ? " milliseconds" : " ms");
  if (unit == "s") return number + (spelled ? " seconds" : " s");
  if (unit == "%") return number + (spelled ? " percent" : "%");
  return number;
}

// What a reader would call the metric, when its name says: "throughput" for
// mean_tokens_s, "time to first token" for ttft_ms; else the name itself. The
// test's own reading of names, not the verifier's.
std::string spoken_metric(const std::string& label) {
  std::string n = label;
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto has = [&](std::string_view part) { return n.find(part) != std::string::npos; };
  if (has("tokens_s") || has("tok_s") || has("tokens/s") || has("throughput")) return "throughput";
  if (has("ttft")) return "time to first token";
  if (has("latency")) return "latency";
  if (has("total_duration") || has("total_ms")) return "total duration";
  return label;
}

// A sentence or table that states `value` as the `label` of `entity`; `n`
// picks the phrasing.
std::string phrase(std::size_t n, const std::string& entity, const std::string& label,
                   const std::string& value) {
  switch (n % 8) {
    case 0:
      return fmt::format("For {}, the {} was {}.", entity, label, value);
    case 1:
      return fmt::format("{} reached a {} of {}.", entity, spoken_metric(label), value);
    case 2:
      return fmt::format("The {} of {} is {}.", label, entity, value);
    case 3:
      return fmt::format("We measured {} for the {} of {} in this sweep.", value, label, entity);
    case 4:
      return fmt::format("| configuration | {} |\n|---|---:|\n| {} | {} |\n", label, entity, value);
    case 5:
      return fmt::format("| metric | {} |\n|---|---|\n| {} | {} |\n", entity, label, value);
    case 6:
      return fmt::format("On {} the {} came in at {}, as the table shows.", entity,
                         spoken_metric(label), value);
    default:
      return fmt::format("- **{}**: {} {}", entity, spoken_metric(label), value);
  }
}

// "The mean_tokens_s of A was 28.8% higher than that of B", and other ways
// to state a percent change or a ratio.
std::pair<std::string, std::string> derived_phrase(std::size_t n, const std::string& entity,
                                                   const std::string& other,
                                                   const std::string& label, double value,
                                                   double peer) {
  const double change = (value - peer) / std::abs(peer) * 100;
  const std::string higher = change > 0 ? "higher" : "lower";
  const std::string pct = fmt::format("{:.{}f}%", std::abs(change), n % 2 == 0 ? 1 : 0);
  switch (n % 4) {
    case 0:
      return {
          fmt::format("The {} of {} was {} {} than that of {}.", label, entity, pct, higher, other),
          pct};
    case 1:
      return {fmt::format("Compared with {}, {} shows a {} {} in {}.", other, entity, pct,
                          change > 0 ? "increase" : "decrease", label),
              pct};
    case 2:
      if (value / peer >= 1.1) {
        const std::string ratio = fmt::format("{:.2f}x", value / peer);
        return {fmt::format("{} reached {} the {} of {}.", entity, ratio, label, other), ratio};
      }
      [[fallthrough]];
    default:
      return {fmt::format("{} is {} {} than {} in {}.", entity, pct, higher, other, label), pct};
  }
}

bool holds(const std::vector<KnownFigure>& figures, double value, double tolerance) {
  for (const auto& f : figures) {
    if (std::abs(f.value - value) <= tolerance * std::max(1.0, std::abs(value))) return true;
  }
  return false;
}

bool checkable(double value) {
  return std::isfinite(value) && std::abs(value) >= 10 && std::abs(value) < 1e7;
}

using FiguresAbout = std::map<std::string, std::vector<KnownFigure>>;

// Every entity the verifier takes for one (a letter in its name: "1/7 (14%)"
// is not), with its figures.
FiguresAbout figures_about(const orchestrate::IngestFigureSource& source) {
  FiguresAbout about;
  for (const auto& name : source.entity_names()) {
    const bool has_letter = std::any_of(name.begin(), name.end(), [](char c) {
      return std::isalpha(static_cast<unsigned char>(c)) != 0;
    });
    if (name.size() >= 3 && has_letter) about[name] = source.about(name, 1 << 20);
  }
  return about;
}

// A figure worth planting: a measurement, not a reference ("Version" cells),
// and not a count or share, which are written in other forms than their cells.
bool plantable(const KnownFigure& f) {
  return checkable(f.value) && f.unit != "count" && f.unit != "fraction" &&
         f.label.find("ersion") == std::string::npos;
}

// The file part of a figure's source ("reports/x.csv row 3, column c" ->
// "reports/x.csv").
std::string file_of(const KnownFigure& f) {
  return f.source.substr(0, f.source.find(' '));
}

// Whether `f` is the only figure of its column in its file about the entity:
// a summary row, not one of many per-request rows (those compare only
// through their mean).
bool only_one_row(const std::vector<KnownFigure>& its, const KnownFigure& f) {
  return std::count_if(its.begin(), its.end(), [&](const KnownFigure& g) {
           return g.label == f.label && file_of(g) == file_of(f) && g.statistic == f.statistic;
         }) == 1;
}

// The same metric of another entity, which holds no figure near `value`.
std::pair<const std::string*, const KnownFigure*> peer_of(const FiguresAbout& about,
                                                          const std::string& entity,
                                                          const KnownFigure& f) {
  for (const auto& [other, its] : about) {
    if (other == entity || holds(its, f.value, 0.02)) continue;
    for (const auto& g : its) {
      if (g.label == f.label && checkable(g.value) && g.value != f.value) return {&other, &g};
    }
  }
  return {nullptr, nullptr};
}

struct Planter {
  std::size_t per_class;
  std::size_t step = 0;  // figures seen
  std::vector<Planted> correct, wrong, derived, invented;

  bool full() const {
    return correct.size() >= per_class && wrong.size() >= per_class &&
           derived.size() >= per_class && invented.size() >= per_class;
  }
  void plant(const orchestrate::IngestFigureSource& source, const FiguresAbout& about,
             const std::string& entity, const KnownFigure& f) {
    // Phrasing and style advance with the figures planted so far, so each
    // class sees every phrasing and every way of writing a value.
    const Style style = kStyles[(step++ / 8) % kStyles.size()];
    const std::string value = written_value(f.value, f.unit, style);
    if (correct.size() < per_class) {
      correct.push_back(
          {phrase(correct.size(), entity, f.label, value), value, FigureStatus::kVerified});
    }
    const double off = f.value * 1.37 + 0.11;
    if (invented.size() < per_class && source.find(off, 0.02).empty()) {
      const std::string v = written_value(off, f.unit, kStyles[invented.size() % 2]);
      invented.push_back(
          {phrase(invented.size() + 3, entity, f.label, v), v, FigureStatus::kUnverified});
    }
    const auto [other, peer] = peer_of(about, entity, f);
    if (peer == nullptr) return;
    if (wrong.size() < per_class) {
      wrong.push_back(
          {phrase(wrong.size() + 5, *other, f.label, value), value, FigureStatus::kMisattributed});
    }
    const double change = (f.value - peer->value) / std::abs(peer->value) * 100;
    const bool comparable = file_of(f) == file_of(*peer) && f.statistic == peer->statistic &&
                            only_one_row(about.at(entity), f) &&
                            only_one_row(about.at(*other), *peer);
    if (derived.size() < per_class && comparable && std::abs(change) >= 10 &&
        std::abs(change) < 1000) {
      auto [text, written] =
          derived_phrase(derived.size(), entity, *other, f.label, f.value, peer->value);
      derived.push_back({std::move(text), std::move(written), FigureStatus::kDerived});
    }
  }
};

// Up to `per_class` planted figures of each class from the figures of the
// root's entities, in index order (deterministic).
std::vector<Planted> plant(const orchestrate::IngestFigureSource& source, std::size_t per_class) {
  const FiguresAbout about = figures_about(source);
  Planter planter{per_class, 0, {}, {}, {}, {}};
  for (const auto& [entity, all_figures] : about) {
    const std::size_t n = std::min<std::size_t>(all_figures.size(), 64);
    for (std::size_t i = 0; i < n && !planter.full(); ++i) {
      if (plantable(all_figures[i])) planter.plant(source, about, entity, all_figures[i]);
    }
  }
  std::vector<Planted> all;
  for (auto* part : {&planter.correct, &planter.wrong, &planter.derived, &planter.invented}) {
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
  // Every invented figure stays unverified, and derived is precise: nothing
  // but a planted change or ratio comes out derived.
  const auto u = FigureStatus::kUnverified;
  const auto d = FigureStatus::kDerived;
  EXPECT_EQ(t.n(u, u), t.labelled(u)) << corpus << ": every invented figure is unverified";
  EXPECT_GT(t.labelled(u), 0u);
  EXPECT_GT(t.labelled(d), 0u);
  const double derived_precision =
      t.classified(d) == 0 ? 0 : static_cast<double>(t.n(d, d)) / t.classified(d);
  std::printf("  derived precision %.4f recall %.4f\n", derived_precision,
              t.labelled(d) == 0 ? 0 : static_cast<double>(t.n(d, d)) / t.labelled(d));
  EXPECT_GE(derived_precision, 0.98) << corpus;
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
