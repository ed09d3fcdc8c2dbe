// One self-contained HTML page: inline CSS, tables, and horizontal bar charts
// drawn as inline SVG (mean per configuration with its 95% CI as an error bar).
// No script, font, stylesheet or image is fetched from anywhere.

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "chimera/report/format.hpp"
#include "chimera/report/reporters.hpp"

namespace chimera::report {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

constexpr const char* kStyle = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;color:#1b1f24;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.75rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f6f8fa}
.simulated{background:#fff8c5;border:1px solid #d4a72c;padding:.6rem 1rem;font-weight:600}
.warning{color:#9a6700}.error{color:#cf222e}.note{color:#57606a;font-size:.85rem}
svg text{font-family:inherit;font-size:12px;fill:#1b1f24}
)css";

struct Bar {
  std::string label;
  double mean = 0;
  std::optional<double> low, high;
};

std::string bar_chart(const std::string& title, const std::vector<Bar>& bars) {
  if (bars.empty()) return {};
  constexpr double kLabelWidth = 240, kPlotWidth = 440, kRowHeight = 26, kTop = 28;
  double scale_max = 0;
  for (const auto& b : bars) scale_max = std::max({scale_max, b.mean, b.high.value_or(b.mean)});
  if (!(scale_max > 0)) scale_max = 1;
  scale_max *= 1.1;
  const double height = kTop + kRowHeight * static_cast<double>(bars.size()) + 10;
  const double width = kLabelWidth + kPlotWidth + 90;
  auto x_of = [&](double v) { return kLabelWidth + std::max(0.0, v) / scale_max * kPlotWidth; };

  std::ostringstream svg;
  svg << fmt::format(
      R"(<svg role="img" width="{:.0f}" height="{:.0f}" viewBox="0 0 {:.0f} {:.0f}">)", width,
      height, width, height);
  svg << fmt::format(R"(<title>{}</title><text x="0" y="16" font-weight="600">{}</text>)",
                     escape(title), escape(title));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = kTop + kRowHeight * static_cast<double>(i);
    std::string label = b.label.size() > 36 ? b.label.substr(0, 35) + "…" : b.label;
    svg << fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)",
                       kLabelWidth - 8, y + 15, escape(label));
    svg << fmt::format(
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#4c8bf5"/>)",
        kLabelWidth, y + 4, x_of(b.mean) - kLabelWidth, kRowHeight - 8);
    if (b.low && b.high) {
      const double mid = y + kRowHeight / 2;
      svg << fmt::format(
          R"(<path d="M{0:.1f} {2:.1f}H{1:.1f}M{0:.1f} {3:.1f}V{4:.1f}M{1:.1f} {3:.1f}V{4:.1f}" stroke="#1b1f24" stroke-width="1.5" fill="none"/>)",
          x_of(*b.low), x_of(*b.high), mid, mid - 6, mid + 6);
    }
    svg << fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{}</text>)",
                       x_of(b.high.value_or(b.mean)) + 6, y + 15, format::number(b.mean));
  }
  svg << "</svg>";
  return svg.str();
}

std::string chart_for(const BenchReport& report, const std::vector<std::size_t>& order,
                      Metric metric) {
  std::vector<Bar> bars;
  for (auto i : order) {
    const auto& c = report.configurations[i];
    const auto* s = c.warm_summary(metric);
    if (s == nullptr || !s->mean) continue;
    bars.push_back({format::display_name(c), *s->mean, s->ci95_low, s->ci95_high});
  }
  return bar_chart("Mean " + format::metric_title(metric) + " per configuration", bars);
}

void summaries_table(std::ostream& out, const std::vector<MetricSummary>& summaries) {
  out << "<table><tr>";
  for (const char* h : {"metric", "n", "mean ± sd", "CV", "min … max", "p50", "p90", "p95", "p99",
                        "95% CI of mean"}) {
    out << "<th>" << escape(h) << "</th>";
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

class HtmlReporter final : public Reporter {
 public:
  std::string_view format() const override { return "html"; }

  Expected<void> write(const BenchReport& report, const RequestSource&,
                       std::ostream& out) const override {
    const std::string title =
        std::string("Chimera benchmark report") + (report.simulated ? " (SIMULATED)" : "");
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
        << escape(title) << "</title><style>" << kStyle << "</style></head><body>\n";
    out << "<h1>" << escape(title) << "</h1>\n";
    if (report.simulated)
      out << "<p class=\"simulated\">" << escape(format::kSimulatedNote) << "</p>\n";
    out << "<p>Command: <code>chimera " << escape(report.command) << "</code> · Chimera "
        << escape(report.tool_version) << " · started " << escape(report.started_at)
        << " · finished "
        << escape(report.finished_at.empty() ? "not finished" : report.finished_at) << "</p>\n";
    const auto order = ranked_order(report);
    if (report.ranking) {
      out << "<p>Ranked by mean " << escape(format::metric_title(report.ranking->metric)) << ", "
          << (report.ranking->higher_is_better ? "higher" : "lower") << " is better.</p>\n";
    }
    out << "<h2>Charts</h2>\n<p class=\"note\">Warm, successful requests; error bars are the "
           "95% bootstrap confidence interval of the mean.</p>\n";
    out << chart_for(report, order, Metric::kDecodeTps) << '\n';
    out << chart_for(report, order, Metric::kTtftMs) << '\n';

    for (std::size_t pos = 0; pos < order.size(); ++pos) {
      const auto& c = report.configurations[order[pos]];
      out << "<h2>" << pos + 1 << ". " << escape(format::display_name(c)) << "</h2>\n<p>"
          << escape(c.backend) << " (" << escape(c.api) << ") at " << escape(c.endpoint)
          << " · model " << escape(c.model) << " · options <code>"
          << escape(format::options_text(c.options))
          << "</code><br>Requests: " << escape(format::counts_text(c.counts)) << "</p>\n";
      if (!c.warm.empty()) {
        out << "<h3>Warm requests</h3>\n";
        summaries_table(out, c.warm);
      }
      if (!c.cold.empty()) {
        out << "<h3>Cold requests (model load paid; reported apart)</h3>\n";
        summaries_table(out, c.cold);
      }
      for (const auto& [reason, count] : c.error_reasons) {
        out << "<p class=\"error\">" << count << " × " << escape(reason) << "</p>\n";
      }
      for (const auto& w : c.warnings) {
        out << "<p class=\"warning\">warning: " << escape(w) << "</p>\n";
      }
    }
    for (const auto& w : report.warnings) {
      out << "<p class=\"warning\">warning: " << escape(w) << "</p>\n";
    }
    out << "<p class=\"note\">" << escape(format::kProvenance) << ' '
        << escape(format::kPercentileNote) << "</p>\n</body></html>\n";
    return {};
  }
};

}  // namespace

std::unique_ptr<Reporter> make_html_reporter() {
  return std::make_unique<HtmlReporter>();
}

}  // namespace chimera::report
