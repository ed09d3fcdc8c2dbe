// GitHub-flavoured Markdown: an overview table, then one section per
// configuration with its full statistics.

#include <fmt/format.h>

#include "chimera/report/format.hpp"
#include "chimera/report/reporters.hpp"

namespace chimera::report {
namespace {

std::string cell(std::string text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += '\\';
    out += ch == '\n' ? ' ' : ch;
  }
  return out;
}

void row(std::ostream& out, const std::vector<std::string>& cells) {
  out << '|';
  for (const auto& c : cells) out << ' ' << cell(c) << " |";
  out << '\n';
}

// Text columns first, aligned left; the numeric columns after them, aligned right.
void header(std::ostream& out, const std::vector<std::string>& cells, std::size_t text_columns) {
  row(out, cells);
  out << '|';
  for (std::size_t i = 0; i < cells.size(); ++i) out << (i < text_columns ? " --- |" : " ---: |");
  out << '\n';
}

std::string mean_sd_of(const ConfigurationResult& c, Metric metric) {
  const auto* s = c.warm_summary(metric);
  return s ? format::mean_sd(*s) : format::kMissing;
}

void summaries_table(std::ostream& out, const std::vector<MetricSummary>& summaries) {
  header(out,
         {"metric", "n", "mean", "sd", "CV", "min", "p50", "p90", "p95", "p99", "max",
          "95% CI of mean"},
         1);
  for (const auto& m : summaries) {
    const auto& s = m.summary;
    row(out, {format::metric_title(m.metric), std::to_string(s.n), format::number(s.mean),
              format::number(s.sd), format::percent(s.cv), format::number(s.min),
              format::number(s.p50), format::number(s.p90), format::number(s.p95),
              format::number(s.p99), format::number(s.max), format::ci(s)});
  }
  out << '\n';
}

class MarkdownReporter final : public Reporter {
 public:
  std::string_view format() const override { return "md"; }

  Expected<void> write(const BenchReport& report, const RequestSource&,
                       std::ostream& out) const override {
    out << "# Chimera benchmark report" << (report.simulated ? " (SIMULATED)" : "") << "\n\n";
    if (report.simulated) out << "> **" << format::kSimulatedNote << "**\n\n";
    out << "- Command: `chimera " << report.command << "`\n";
    out << "- Chimera version: " << report.tool_version << '\n';
    out << "- Started: " << report.started_at
        << "; finished: " << (report.finished_at.empty() ? "not finished" : report.finished_at)
        << '\n';
    if (report.ranking) {
      out << "- Ranked by: mean " << format::metric_title(report.ranking->metric) << ", "
          << (report.ranking->higher_is_better ? "higher" : "lower") << " is better\n";
    }
    out << '\n';

    const auto order = ranked_order(report);
    out << "## Overview\n\n";
    header(out,
           {"#", "configuration", "model", "ok / measured", "decode rate (tok/s)", "TTFT (ms)",
            "end-to-end (ms)"},
           3);
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
      const auto& c = report.configurations[order[pos]];
      row(out, {std::to_string(pos + 1), format::display_name(c), c.model,
                fmt::format("{} / {}", c.counts.ok, c.counts.total - c.counts.warmup),
                mean_sd_of(c, Metric::kDecodeTps), mean_sd_of(c, Metric::kTtftMs),
                mean_sd_of(c, Metric::kE2eMs)});
    }
    out << "\nValues are mean ± sample sd over warm, successful requests.\n\n";

    for (std::size_t pos = 0; pos < order.size(); ++pos) {
      const auto& c = report.configurations[order[pos]];
      out << "## " << pos + 1 << ". " << cell(format::display_name(c)) << "\n\n";
      out << "- Backend: " << c.backend << " (" << c.api << ") at " << c.endpoint << '\n';
      out << "- Model: " << c.model << '\n';
      out << "- Options: `" << format::options_text(c.options) << "`\n";
      out << "- Requests: " << format::counts_text(c.counts) << "\n\n";
      if (!c.warm.empty()) {
        out << "### Warm requests\n\n";
        summaries_table(out, c.warm);
      }
      if (!c.cold.empty()) {
        out << "### Cold requests (model load paid; reported apart)\n\n";
        summaries_table(out, c.cold);
      }
      if (!c.error_reasons.empty()) {
        out << "### Failed and empty requests\n\n";
        for (const auto& [reason, count] : c.error_reasons) {
          out << "- " << count << " × " << reason << '\n';
        }
        out << '\n';
      }
      if (!c.warnings.empty()) {
        out << "### Warnings\n\n";
        for (const auto& w : c.warnings) out << "- " << w << '\n';
        out << '\n';
      }
    }
    if (!report.warnings.empty()) {
      out << "## Warnings\n\n";
      for (const auto& w : report.warnings) out << "- " << w << '\n';
      out << '\n';
    }
    out << "---\n\n" << format::kProvenance << ' ' << format::kPercentileNote << '\n';
    return {};
  }
};

}  // namespace

std::unique_ptr<Reporter> make_markdown_reporter() {
  return std::make_unique<MarkdownReporter>();
}

}  // namespace chimera::report
