// Long format, one row per configuration × phase × metric, so that every
// column has one meaning and a spreadsheet or pandas can pivot it as needed.
// The request counts repeat on each row of a configuration.

#include <fmt/format.h>

#include "chimera/report/format.hpp"
#include "chimera/report/load_view.hpp"
#include "chimera/report/reporters.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::report {
namespace {

// RFC 4180: quote when needed, double the quotes inside.
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + '"';
}

std::string value(const std::optional<double>& v) {
  return v ? fmt::format("{}", *v) : "";
}

const char* const kColumns[] = {"rank",
                                "configuration",
                                "label",
                                "backend",
                                "endpoint",
                                "model",
                                "api",
                                "options",
                                "simulated",
                                "phase",
                                "metric",
                                "unit",
                                "n",
                                "mean",
                                "sd",
                                "cv",
                                "min",
                                "p50",
                                "p90",
                                "p95",
                                "p99",
                                "max",
                                "ci95_low",
                                "ci95_high",
                                "requests_total",
                                "warmup",
                                "ok",
                                "empty",
                                "error",
                                "cold"};

// The columns before and after a row's figures: which configuration, and its
// request counts.
struct RowFrame {
  std::vector<std::string> head, tail;
};
RowFrame frame(const BenchReport& report, const ConfigurationResult& c, std::size_t pos) {
  return {{std::to_string(pos + 1), field(c.key), field(c.label), field(c.backend),
           field(c.endpoint), field(c.model), field(c.api), field(dump_json(c.options)),
           report.simulated ? "true" : "false"},
          {std::to_string(c.counts.total), std::to_string(c.counts.warmup),
           std::to_string(c.counts.ok), std::to_string(c.counts.empty),
           std::to_string(c.counts.error), std::to_string(c.counts.cold)}};
}

void write_row(std::ostream& out, const RowFrame& f, const std::vector<std::string>& figures) {
  out << fmt::format("{},{},{}\r\n", fmt::join(f.head, ","), fmt::join(figures, ","),
                     fmt::join(f.tail, ","));
}

// Phases "warm" and "cold": one row per metric summary.
void write_summaries(std::ostream& out, const RowFrame& f, const ConfigurationResult& c) {
  for (const auto* phase : {"warm", "cold"}) {
    const auto& summaries = std::string_view(phase) == "warm" ? c.warm : c.cold;
    for (const auto& m : summaries) {
      const auto& s = m.summary;
      const auto& info = metric_info(m.metric);
      write_row(out, f,
                {phase, info.name, info.unit, std::to_string(s.n), value(s.mean), value(s.sd),
                 value(s.cv), value(s.min), value(s.p50), value(s.p90), value(s.p95), value(s.p99),
                 value(s.max), value(s.ci95_low), value(s.ci95_high)});
    }
  }
}

// Phase "load": the configuration's throughput, schedule and other tools'
// inter-token figures (a single value goes in `mean`, with n empty).
void write_load(std::ostream& out, const RowFrame& frame_cells, const ConfigurationResult& c) {
  for (const auto& f : load_figures(c)) {
    const bool single = !f.n.has_value();
    write_row(out, frame_cells,
              {"load", field(f.name), f.unit, single ? "" : value(f.n),
               single ? value(f.value) : value(f.mean), "", "", "", value(f.p50), value(f.p90),
               value(f.p95), value(f.p99), value(f.max), "", ""});
  }
}

class CsvReporter final : public Reporter {
 public:
  std::string_view format() const override { return "csv"; }

  Expected<void> write(const BenchReport& report, const RequestSource&,
                       std::ostream& out) const override {
    std::vector<std::string> names(std::begin(kColumns), std::end(kColumns));
    out << fmt::format("{}\r\n", fmt::join(names, ","));
    const auto order = ranked_order(report);
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
      const auto& c = report.configurations[order[pos]];
      const RowFrame f = frame(report, c, pos);
      write_summaries(out, f, c);
      write_load(out, f, c);
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<Reporter> make_csv_reporter() {
  return std::make_unique<CsvReporter>();
}

}  // namespace chimera::report
