// hyperfine-like text: per configuration, one aligned row per metric with
// mean ± sd, min … max, percentiles and the CI of the mean.

#include <fmt/format.h>

#include <algorithm>

#include "chimera/report/format.hpp"
#include "chimera/report/load_view.hpp"
#include "chimera/report/reporters.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::report {
namespace {

using Row = std::vector<std::string>;

// Pads by code points, not bytes: "±" and "…" are multi-byte in UTF-8.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

void print_table(std::ostream& out, const std::vector<Row>& rows, const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line = indent;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      const auto& cell = rows[r][i];
      const std::string pad(widths[i] - display_width(cell), ' ');
      // Text left-aligned in the first column, numbers right-aligned after it.
      line += i == 0 ? cell + pad : pad + cell;
      if (i + 1 < rows[r].size()) line += "   ";
    }
    out << (r == 0 ? term::dim(line) : line) << '\n';
  }
}

void print_summaries(std::ostream& out, const std::vector<MetricSummary>& summaries) {
  std::vector<Row> rows = {
      {"metric", "n", "mean ± sd", "min … max", "p50", "p90", "p99", "95% CI of mean"}};
  for (const auto& m : summaries) {
    const auto& s = m.summary;
    rows.push_back({format::metric_title(m.metric), std::to_string(s.n), format::mean_sd(s),
                    format::min_max(s), format::number(s.p50), format::number(s.p90),
                    format::number(s.p99), format::ci(s)});
  }
  print_table(out, rows, "    ");
}

class ConsoleReporter final : public Reporter {
 public:
  std::string_view format() const override { return "console"; }

  Expected<void> write(const BenchReport& report, const RequestSource&,
                       std::ostream& out) const override {
    if (report.simulated) out << term::yellow(format::kSimulatedNote) << "\n\n";
    const auto order = ranked_order(report);
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
      const auto& c = report.configurations[order[pos]];
      const std::string rank = report.ranking && !c.finished ? std::string("(not ranked) ")
                               : report.ranking              ? fmt::format("#{} ", pos + 1)
                                                : fmt::format("{}/{} ", pos + 1, order.size());
      out << term::bold(fmt::format("Configuration {}{}", rank, format::display_name(c)))
          << fmt::format("  ({} {} at {}, {})\n", c.backend, c.model, c.endpoint, c.api);
      out << "  options:  " << format::options_text(c.options) << '\n';
      out << "  requests: " << format::counts_text(c.counts) << '\n';
      for (const auto& line : load_lines(c)) out << "  " << line << '\n';
      if (!c.warm.empty()) {
        out << "  warm requests:\n";
        print_summaries(out, c.warm);
      }
      if (!c.cold.empty()) {
        out << "  cold requests (paid for a model load; not averaged with the warm ones):\n";
        print_summaries(out, c.cold);
      }
      for (const auto& [reason, count] : c.error_reasons) {
        out << "  " << term::red(fmt::format("{} × {}", count, reason)) << '\n';
      }
      for (const auto& w : c.warnings) out << "  " << term::yellow("warning: " + w) << '\n';
      out << '\n';
    }
    if (const auto table = load_table_rows(report); !table.empty()) {
      out << term::bold("Latency and throughput by load") << " (ms; measured)\n";
      print_table(out, table, "  ");
      for (const auto& note : load_table_notes(report)) out << "  " << note << '\n';
      out << '\n';
    }
    if (report.ranking) {
      out << fmt::format("Ranked by mean {} ({} is better).\n",
                         format::metric_title(report.ranking->metric),
                         report.ranking->higher_is_better ? "higher" : "lower");
    }
    for (const auto& w : report.warnings) out << term::yellow("warning: " + w) << '\n';
    out << term::dim(format::kProvenance) << '\n';
    out << term::dim(format::kPercentileNote) << '\n';
    return {};
  }
};

}  // namespace

std::unique_ptr<Reporter> make_console_reporter() {
  return std::make_unique<ConsoleReporter>();
}

}  // namespace chimera::report
