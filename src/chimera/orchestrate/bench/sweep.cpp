#include "chimera/orchestrate/bench/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "chimera/report/format.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::orchestrate {

std::optional<RankBy> rank_by_from_string(const std::string& text) {
  if (text == "tps" || text == "decode_tps" || text == "throughput") return RankBy::kDecodeTps;
  if (text == "ttft" || text == "ttft_ms") return RankBy::kTtft;
  if (text == "score") return RankBy::kScore;
  return std::nullopt;
}

Expected<RankOptions> parse_weights(const std::string& spec, RankOptions base) {
  if (spec.empty()) return base;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const auto comma = spec.find(',', start);
    const std::string piece =
        spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto eq = piece.find('=');
    if (eq == std::string::npos) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("weight '{}' is not NAME=VALUE (tps=0.7,ttft=0.3)", piece));
    }
    const auto value = parse_option_value(piece.substr(eq + 1));
    if (!value.is_number() || value.get<double>() < 0) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("weight '{}' is not a number ≥ 0", piece));
    }
    const std::string name = piece.substr(0, eq);
    if (name == "tps") {
      base.weight_tps = value.get<double>();
    } else if (name == "ttft") {
      base.weight_ttft = value.get<double>();
    } else {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("unknown weight '{}' (known: tps, ttft)", name));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (base.weight_tps + base.weight_ttft <= 0) {
    return fail(FailureKind::kInvalidInput, "the weights add up to zero");
  }
  return base;
}

std::vector<RankedConfiguration> rank_configurations(const report::BenchReport& report,
                                                     const RankOptions& options) {
  std::vector<RankedConfiguration> ranked;
  double best_tps = 0;
  double best_ttft = 0;
  for (std::size_t i = 0; i < report.configurations.size(); ++i) {
    const auto& c = report.configurations[i];
    if (!c.finished) continue;
    RankedConfiguration r{i};
    const auto* tps = c.warm_summary(report::Metric::kDecodeTps);
    const auto* ttft = c.warm_summary(report::Metric::kTtftMs);
    if (tps && ttft && tps->mean && ttft->mean) {
      r.has_data = true;
      r.decode_tps = *tps->mean;
      r.ttft_ms = *ttft->mean;
      best_tps = std::max(best_tps, r.decode_tps);
      if (r.ttft_ms > 0 && (best_ttft == 0 || r.ttft_ms < best_ttft)) best_ttft = r.ttft_ms;
    }
    ranked.push_back(r);
  }
  const double wsum = options.weight_tps + options.weight_ttft;
  for (auto& r : ranked) {
    if (!r.has_data) continue;
    const double tps_part = best_tps > 0 ? r.decode_tps / best_tps : 0;
    const double ttft_part = r.ttft_ms > 0 ? best_ttft / r.ttft_ms : 0;
    r.score = (options.weight_tps * tps_part + options.weight_ttft * ttft_part) / wsum;
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    if (a.has_data != b.has_data) return a.has_data;
    switch (options.by) {
      case RankBy::kDecodeTps:
        return a.decode_tps > b.decode_tps;
      case RankBy::kTtft:
        return a.ttft_ms < b.ttft_ms;
      case RankBy::kScore:
        return a.score > b.score;
    }
    return false;
  });
  return ranked;
}

SweepCoverage sweep_coverage(const report::BenchReport& report, std::size_t planned,
                             bool interrupted) {
  SweepCoverage coverage;
  coverage.interrupted = interrupted;
  coverage.planned = std::max(planned, report.configurations.size());
  for (const auto& c : report.configurations) {
    if (c.finished) ++coverage.finished;
  }
  return coverage;
}

std::string recommended_profile_yaml(const report::BenchReport& report,
                                     const RankedConfiguration& best, const RankOptions& options,
                                     const std::string& profile_name,
                                     const SweepCoverage& coverage) {
  const auto& c = report.configurations[best.index];
  const char* by = options.by == RankBy::kDecodeTps ? "decode tokens/s"
                   : options.by == RankBy::kTtft    ? "TTFT"
                                                    : "weighted score";
  std::string yaml;
  yaml +=
      fmt::format("# Recommended by `chimera sweep` ({}), best by {}.\n", report.finished_at, by);
  if (coverage.partial()) {
    yaml += fmt::format(
        "# PARTIAL sweep: only {} of its {} configurations finished{}; the best of those.\n",
        coverage.finished, coverage.planned, coverage.interrupted ? " (it was interrupted)" : "");
  }
  yaml += fmt::format(
      "# Measured{}: decode {:.2f} tok/s, TTFT {:.1f} ms (warm means over {} requests).\n",
      report.simulated ? " on the SIMULATOR" : "", best.decode_tps, best.ttft_ms,
      c.counts.ok - c.counts.cold);
  yaml += "# Use it with: chimera run --config THIS_FILE --profile " + profile_name + "\n";
  yaml += "profiles:\n";
  yaml += fmt::format("  {}:\n", profile_name);
  yaml += fmt::format("    model: \"{}\"\n", c.model);
  if (coverage.partial()) {
    yaml += fmt::format(
        "    description: \"best of {} finished configurations of a partial {}-configuration "
        "sweep by {}\"\n",
        coverage.finished, coverage.planned, by);
  } else {
    yaml += fmt::format("    description: \"best of a {}-configuration sweep by {}\"\n",
                        coverage.finished, by);
  }
  if (c.options.empty()) {
    yaml += "    options: {}\n";
  } else {
    yaml += "    options:\n";
    for (const auto& [name, value] : c.options.items()) {
      yaml += fmt::format("      {}: {}\n", name, dump_json(value));
    }
  }
  return yaml;
}

std::optional<std::string> num_gpu_warning(const std::vector<OptionAxis>& axes,
                                           const std::string& model, int layers) {
  for (const auto& axis : axes) {
    if (axis.name != "num_gpu") continue;
    std::vector<std::string> beyond;
    for (const auto& v : axis.values) {
      if (v.is_number() && v.get<double>() >= layers) beyond.push_back(dump_json(v));
    }
    if (beyond.size() >= 2) {
      std::string list;
      for (const auto& b : beyond) list += (list.empty() ? "" : ", ") + b;
      return fmt::format(
          "num_gpu values {} are all at or beyond {}'s {} layers: all of these are full offload "
          "and measure the same thing",
          list, model, layers);
    }
    if (beyond.size() == 1) {
      return fmt::format("num_gpu {} is at or beyond {}'s {} layers: it means full offload",
                         beyond.front(), model, layers);
    }
  }
  return std::nullopt;
}

}  // namespace chimera::orchestrate
