#include "chimera/report/sweep_ranking.hpp"

#include <fmt/format.h>

#include "chimera/report/format.hpp"

namespace chimera::report {

namespace {
std::string spread(const stats::Summary* s, int decimals) {
  if (s == nullptr || !s->mean) return format::kMissing;
  if (!s->sd) return fmt::format("{:.{}f}", *s->mean, decimals);
  return fmt::format("{:.{}f} ± {:.{}f}", *s->mean, decimals, *s->sd, decimals);
}
}  // namespace

std::string ranking_table(const BenchReport& report,
                          const std::vector<RankedConfiguration>& ranking,
                          const RankOptions& options) {
  std::string out;
  const bool score = options.by == RankBy::kScore;
  out += fmt::format(
      "| rank | configuration | decode tok/s (mean ± sd) | TTFT ms (mean ± sd) | "
      "load ms (mean) | ok/measured |{}\n",
      score ? " score |" : "");
  out += fmt::format("|---:|---|---:|---:|---:|---:|{}\n", score ? "---:|" : "");
  int rank = 0;
  for (const auto& r : ranking) {
    const auto& c = report.configurations[r.index];
    const auto* load = c.warm_summary(Metric::kLoadMs);
    const auto measured = c.counts.ok + c.counts.empty + c.counts.error;
    out += fmt::format("| {} | {} | {} | {} | {} | {}/{} |{}\n",
                       r.has_data ? std::to_string(++rank) : format::kMissing, c.label,
                       spread(c.warm_summary(Metric::kDecodeTps), 2),
                       spread(c.warm_summary(Metric::kTtftMs), 1),
                       load && load->mean ? fmt::format("{:.1f}", *load->mean) : format::kMissing,
                       c.counts.ok, measured, score ? fmt::format(" {:.3f} |", r.score) : "");
  }
  std::string unfinished;
  for (const auto& c : report.configurations) {
    if (c.finished) continue;
    unfinished += fmt::format("| {} | {}/{} |\n", c.label, c.counts.ok,
                              c.counts.ok + c.counts.empty + c.counts.error);
  }
  if (!unfinished.empty()) {
    out +=
        "\nNot ranked: the run was interrupted inside these configurations, so they hold "
        "only part of their requests.\n\n| configuration | ok/measured |\n|---|---:|\n" +
        unfinished;
  }
  return out;
}

}  // namespace chimera::report
