#include "chimera/report/comparison.hpp"

#include <fmt/format.h>

#include "chimera/report/format.hpp"

namespace chimera::report {

namespace {
std::string num(const std::optional<double>& v, int decimals = 2) {
  return format::fixed(v, decimals);
}
std::string pval(const std::optional<double>& p) {
  if (!p) return format::kMissing;
  return *p < 0.0001 ? std::string("<0.0001") : fmt::format("{:.4f}", *p);
}
}  // namespace

std::string render_comparison_markdown(const ComparisonReport& report, const std::string& title) {
  std::string md = fmt::format("# {}\n\n", title);
  if (report.simulated) {
    md += "> **SIMULATED** — at least one side was served by `chimera sim`, not a real model.\n\n";
  }
  md += fmt::format(
      "Baseline: `{}`. Sign convention: difference = candidate − baseline; relative = "
      "(candidate − baseline) / baseline. Intervals are 95% Welch intervals; p values "
      "are two-sided. All values were measured.\n\n",
      report.baseline);
  for (const auto& c : report.candidates) {
    md += fmt::format("## {} vs {}\n\n", c.candidate, report.baseline);
    md +=
        "| metric | n (b/c) | baseline mean | candidate mean | difference (95% CI) | relative (95% "
        "CI) "
        "| Welch p | Mann–Whitney p | verdict |\n|---|---:|---:|---:|---|---|---:|---:|---|\n";
    for (const auto& m : c.metrics) {
      const auto& info = metric_info(m.metric);
      const auto& k = m.comparison;
      std::string diff = num(k.difference);
      if (k.difference_ci)
        diff += fmt::format(" ({:.2f} … {:.2f})", k.difference_ci->low, k.difference_ci->high);
      std::string rel = format::signed_percent(k.relative, 2);
      if (k.relative_ci)
        rel += fmt::format(" ({:+.2f}% … {:+.2f}%)", k.relative_ci->low * 100,
                           k.relative_ci->high * 100);
      md += fmt::format(
          "| {} ({}) | {}/{} | {} | {} | {} | {} | {} | {} | {} |\n", info.name, info.unit,
          k.n_baseline, k.n_candidate, num(k.mean_baseline), num(k.mean_candidate), diff, rel,
          pval(k.welch ? std::optional<double>(k.welch->p_two_sided) : std::nullopt),
          pval(k.mann_whitney ? std::optional<double>(k.mann_whitney->p_two_sided) : std::nullopt),
          m.verdict);
    }
    md += "\n";
  }
  if (!report.notes.empty()) {
    md += "## Notes\n\n";
    for (const auto& n : report.notes) md += "- " + n + "\n";
  }
  return md;
}

nlohmann::json to_json(const ComparisonReport& report) {
  auto opt = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json j = {{"schema_version", 1},
                      {"baseline", report.baseline},
                      {"simulated", report.simulated},
                      {"notes", report.notes},
                      {"sign_convention", "(candidate - baseline) / baseline"}};
  j["candidates"] = nlohmann::json::array();
  for (const auto& c : report.candidates) {
    nlohmann::json metrics = nlohmann::json::array();
    for (const auto& m : c.metrics) {
      const auto& k = m.comparison;
      nlohmann::json row = {{"metric", metric_info(m.metric).name},
                            {"n_baseline", k.n_baseline},
                            {"n_candidate", k.n_candidate},
                            {"mean_baseline", opt(k.mean_baseline)},
                            {"mean_candidate", opt(k.mean_candidate)},
                            {"difference", opt(k.difference)},
                            {"relative", opt(k.relative)},
                            {"significant", k.significant},
                            {"verdict", m.verdict}};
      row["difference_ci"] = k.difference_ci
                                 ? nlohmann::json{k.difference_ci->low, k.difference_ci->high}
                                 : nlohmann::json(nullptr);
      row["relative_ci"] = k.relative_ci ? nlohmann::json{k.relative_ci->low, k.relative_ci->high}
                                         : nlohmann::json(nullptr);
      row["welch_p"] = k.welch ? nlohmann::json(k.welch->p_two_sided) : nlohmann::json(nullptr);
      row["welch_df"] = k.welch ? nlohmann::json(k.welch->df) : nlohmann::json(nullptr);
      row["mann_whitney_p"] =
          k.mann_whitney ? nlohmann::json(k.mann_whitney->p_two_sided) : nlohmann::json(nullptr);
      metrics.push_back(row);
    }
    j["candidates"].push_back({{"candidate", c.candidate}, {"metrics", metrics}});
  }
  return j;
}

}  // namespace chimera::report
