// One self-contained HTML page per report: inline CSS and inline SVG charts
// drawn here (report/html/), tables with the same numbers, and nothing fetched
// from anywhere when the page is viewed.

#include <fmt/format.h>

#include <array>
#include <map>

#include "chimera/report/format.hpp"
#include "chimera/report/html/pages.hpp"
#include "chimera/report/html/svg.hpp"
#include "chimera/report/load_view.hpp"
#include "chimera/report/reporters.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::report {
namespace html {
namespace {

constexpr Metric kCdfMetrics[] = {Metric::kTtftMs, Metric::kTpotMs, Metric::kE2eMs};
constexpr const char* kCdfKinds[] = {"ttft-cdf", "tpot-cdf", "e2e-cdf"};

std::string identity_of(const std::string& backend, const std::string& endpoint,
                        const std::string& model, const std::string& api,
                        const nlohmann::json& options) {
  return fmt::format("{}\n{}\n{}\n{}\n{}", backend, endpoint, model, api, dump_json(options));
}

// Per configuration and CDF metric, the values of its measured, successful,
// warm requests, replayed from `requests`. A request is matched to its
// configuration by what was sent (backend, endpoint, model, api, options); a
// configuration whose replayed count differs from its summary's n keeps no
// values, and its curve is then drawn from the summary.
std::vector<std::array<std::vector<double>, 3>> replay_values(const BenchReport& report,
                                                              const RequestSource& requests) {
  const auto& configs = report.configurations;
  std::vector<std::array<std::vector<double>, 3>> values(configs.size());
  if (!requests || configs.empty()) return values;
  std::map<std::string, std::size_t> index;
  std::map<std::string, int> uses;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const auto& c = configs[i];
    const auto id = identity_of(c.backend, c.endpoint, c.model, c.api, c.options);
    index[id] = i;
    ++uses[id];
  }
  auto replayed = requests([&](const measure::RequestResult& r) {
    if (r.warmup || r.cold || r.status != measure::Status::kOk) return;
    std::size_t target = 0;
    if (configs.size() > 1) {
      const auto id = identity_of(r.backend, r.endpoint, r.model, r.api, r.options);
      auto it = index.find(id);
      if (it == index.end() || uses[id] > 1) return;
      target = it->second;
    }
    for (std::size_t m = 0; m < 3; ++m) {
      if (auto v = metric_value(r, kCdfMetrics[m])) values[target][m].push_back(*v);
    }
  });
  for (std::size_t i = 0; i < configs.size(); ++i) {
    for (std::size_t m = 0; m < 3; ++m) {
      const auto* s = configs[i].warm_summary(kCdfMetrics[m]);
      if (!replayed || s == nullptr || s->n != values[i][m].size()) values[i][m].clear();
    }
  }
  return values;
}

bool has_failures(const BenchReport& report) {
  if (!report.warnings.empty()) return true;
  for (const auto& c : report.configurations) {
    if (!c.error_reasons.empty() || !c.warnings.empty()) return true;
  }
  return false;
}

void write_failures(const BenchReport& report, std::ostream& out) {
  if (!has_failures(report)) return;
  out << "<section id=\"failures\"><h2>Failures and warnings</h2>\n";
  for (const auto& w : report.warnings) out << "<p class=\"warning\">" << escape(w) << "</p>\n";
  for (const auto& c : report.configurations) {
    if (c.error_reasons.empty() && c.warnings.empty()) continue;
    out << "<h3>" << escape(format::display_name(c)) << "</h3>\n";
    if (!c.error_reasons.empty()) {
      out << "<table class=\"failures\" data-key=\"" << escape(c.key)
          << "\"><caption>Failed or empty measured requests, by reason</caption><tr><th "
             "scope=\"col\">requests</th><th scope=\"col\">reason</th></tr>\n";
      for (const auto& [reason, count] : c.error_reasons) {
        out << "<tr class=\"error\"><td>" << count << "</td><td class=\"text\">" << escape(reason)
            << "</td></tr>\n";
      }
      out << "</table>\n";
    }
    for (const auto& w : c.warnings) out << "<p class=\"warning\">" << escape(w) << "</p>\n";
  }
  out << "</section>\n";
}

std::string charts_html(const BenchReport& report, const RequestSource& requests) {
  const auto order = ranked_order(report);
  std::string out;
  const Ranking ranking = report.ranking.value_or(Ranking{Metric::kDecodeTps, true});
  std::vector<RankingInput> ranked;
  for (auto i : order) {
    const auto& c = report.configurations[i];
    if (const auto* s = c.warm_summary(ranking.metric))
      ranked.push_back({c.key, format::display_name(c), *s});
  }
  out += ranking_figure(ranking, ranked, report.ranking.has_value());
  auto values = replay_values(report, requests);
  for (std::size_t m = 0; m < 3; ++m) {
    std::vector<CdfInput> inputs;
    for (auto i : order) {
      const auto& c = report.configurations[i];
      if (const auto* s = c.warm_summary(kCdfMetrics[m]))
        inputs.push_back({c.key, format::display_name(c), *s, std::move(values[i][m])});
    }
    out += cdf_figure(kCdfKinds[m], kCdfMetrics[m], std::move(inputs));
  }
  out += load_curve_figure(load_curve_points(report), load_curve_slo(report));
  return out;
}

void summaries_table(std::ostream& out, const std::vector<MetricSummary>& summaries,
                     const char* caption) {
  out << "<table><caption>" << caption << "</caption><tr>";
  for (const char* h : {"metric", "n", "mean ± sd", "CV", "min … max", "p50", "p90", "p95", "p99",
                        "95% CI of mean"}) {
    out << "<th scope=\"col\">" << escape(h) << "</th>";
  }
  out << "</tr>\n";
  for (const auto& m : summaries) {
    const auto& s = m.summary;
    out << "<tr>";
    for (const auto& v :
         {format::metric_title(m.metric), std::to_string(s.n), format::mean_sd(s),
          format::percent(s.cv), format::min_max(s), format::number(s.p50), format::number(s.p90),
          format::number(s.p95), format::number(s.p99), format::ci(s)}) {
      out << "<td>" << escape(v) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
}

void write_configurations(const BenchReport& report, std::ostream& out) {
  const auto order = ranked_order(report);
  const bool failures = has_failures(report);
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const auto& c = report.configurations[order[pos]];
    out << "<h2>" << pos + 1 << ". " << escape(format::display_name(c)) << "</h2>\n<p>"
        << escape(c.backend) << " (" << escape(c.api) << ") at " << escape(c.endpoint)
        << " · model " << escape(c.model) << " · options <code>"
        << escape(format::options_text(c.options))
        << "</code><br>Requests: " << escape(format::counts_text(c.counts));
    for (const auto& line : load_lines(c)) out << "<br>" << escape(line);
    out << "</p>\n";
    if (!c.warm.empty()) summaries_table(out, c.warm, "Warm requests");
    if (!c.cold.empty())
      summaries_table(out, c.cold, "Cold requests (model load paid; reported apart)");
    if (failures && (!c.error_reasons.empty() || !c.warnings.empty())) {
      out << "<p class=\"note\">This configuration's failures and warnings are listed under "
             "Failures and warnings, at the top of the page.</p>\n";
    }
  }
}

}  // namespace

void write_bench_page(const BenchReport& report, const RequestSource& requests, std::ostream& out) {
  out << page_open(
      std::string("Chimera benchmark report") + (report.simulated ? " (SIMULATED)" : ""),
      report.simulated);
  out << "<p>Command: <code>chimera " << escape(report.command) << "</code> · Chimera "
      << escape(report.tool_version) << " · started " << escape(report.started_at) << " · finished "
      << escape(report.finished_at.empty() ? "not finished" : report.finished_at) << "</p>\n";
  if (report.ranking) {
    out << "<p>Ranked by mean " << escape(format::metric_title(report.ranking->metric)) << ", "
        << (report.ranking->higher_is_better ? "higher" : "lower") << " is better.</p>\n";
  }
  write_failures(report, out);
  if (const auto charts = charts_html(report, requests); !charts.empty()) {
    out << "<h2>Charts</h2>\n" << charts;
  } else if (!report.configurations.empty()) {
    out << "<p class=\"note\">No charts: no configuration has a successful warm request.</p>\n";
  }
  write_configurations(report, out);
  out << page_close();
}

void write_compare_page(const ComparePage& page, std::ostream& out) {
  out << page_open(page.title + (page.simulated ? " (SIMULATED)" : ""), page.simulated);
  out << "<p>Baseline: <strong>" << escape(page.baseline)
      << "</strong>. Differences are candidate − baseline; relative differences are (candidate − "
         "baseline) / baseline.</p>\n";
  for (const auto& n : page.notes) out << "<p class=\"warning\">" << escape(n) << "</p>\n";
  if (const auto figure = compare_figure(page.rows); !figure.empty()) {
    out << figure;
  } else {
    out << "<p class=\"note\">Nothing to compare: no metric has values on both sides.</p>\n";
  }
  out << page_close();
}

}  // namespace html

namespace {

class HtmlReporter final : public Reporter {
 public:
  std::string_view format() const override { return "html"; }

  Expected<void> write(const BenchReport& report, const RequestSource& requests,
                       std::ostream& out) const override {
    html::write_bench_page(report, requests, out);
    return {};
  }
};

}  // namespace

std::unique_ptr<Reporter> make_html_reporter() {
  return std::make_unique<HtmlReporter>();
}

}  // namespace chimera::report
