#include "chimera/load/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace chimera::load {
namespace {

Expected<double> parse_positive(std::string_view text, std::string_view whole) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !(v > 0) || !std::isfinite(v)) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("--rate {}: '{}' is not a positive rate; give requests/s such as "
                            "1,2,4,8 or 'sweep'",
                            whole, text));
  }
  return v;
}

double load_of(const LoadRow& row) {
  return row.target_rate.value_or(row.achieved_rate);
}

}  // namespace

Expected<RateSpec> parse_rate_spec(std::string_view text) {
  RateSpec spec;
  if (text == "sweep" || text.starts_with("sweep:")) {
    spec.sweep = true;
    if (text.size() > 6) {
      const auto n = text.substr(6);
      int points = 0;
      auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), points);
      if (ec != std::errc() || ptr != n.data() + n.size() || points < 1 || points > 100) {
        return fail(FailureKind::kInvalidInput,
                    fmt::format("--rate {}: give sweep:N with N from 1 to 100 rates", text));
      }
      spec.sweep_points = points;
    }
    return spec;
  }
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    auto rate = parse_positive(rest.substr(0, comma), text);
    if (!rate) return std::unexpected(rate.error());
    spec.rates.push_back(*rate);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(spec.rates.begin(), spec.rates.end());
  spec.rates.erase(std::unique(spec.rates.begin(), spec.rates.end()), spec.rates.end());
  return spec;
}

namespace {
// 3 significant digits: 37.2, 152, 0.843.
double round3(double v) {
  if (!(v > 0)) return v;
  const double scale = std::pow(10.0, 2 - std::floor(std::log10(v)));
  return std::round(v * scale) / scale;
}
}  // namespace

Expected<std::vector<double>> sweep_rates(double synchronous_rate, double maximum_rate,
                                          int points) {
  if (!(synchronous_rate > 0) || !(maximum_rate > synchronous_rate)) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("the throughput step ({:.3g} requests/s) was not faster than the "
                            "synchronous step ({:.3g} requests/s): the server does not serve "
                            "requests in parallel, so there is no range of rates to sweep; give "
                            "--rate with explicit values instead",
                            maximum_rate, synchronous_rate));
  }
  std::vector<double> rates;
  for (int i = 1; i <= points; ++i) {
    const double r = round3(synchronous_rate + (maximum_rate - synchronous_rate) * i /
                                                   static_cast<double>(points + 1));
    if (rates.empty() || r > rates.back()) rates.push_back(r);
  }
  return rates;
}

ThroughputSearch search_throughput(const std::vector<LoadRow>& levels, int max_concurrency,
                                   double min_gain) {
  ThroughputSearch out;
  if (levels.empty()) return out;
  for (std::size_t i = 1; i < levels.size(); ++i) {
    const LoadRow& row = levels[i];
    const LoadRow& before = levels[i - 1];
    if (row.errors > 0 || row.rejected > 0) {
      out.done = true;
      out.knee = i - 1;
      out.reason = fmt::format(
          "{}: {} of {} requests failed ({} rejected with HTTP 429/503): the knee is {}", row.label,
          row.errors, row.requests, row.rejected, before.label);
      return out;
    }
    const double gain = before.achieved_rate > 0 ? row.achieved_rate / before.achieved_rate - 1 : 1;
    if (gain < min_gain) {
      out.done = true;
      out.knee = i - 1;
      out.reason = fmt::format(
          "{} completed {:.3g} requests/s, {:+.1f}% over {} ({:.3g}/s): less than {:.0f}% more, "
          "so {} is the knee",
          row.label, row.achieved_rate, gain * 100, before.label, before.achieved_rate,
          min_gain * 100, before.label);
      return out;
    }
  }
  const LoadRow& last = levels.back();
  const int c = last.concurrency.value_or(1);
  if (c * 2 > max_concurrency) {
    out.done = true;
    out.knee = levels.size() - 1;
    out.reason = fmt::format(
        "{} is the highest concurrency allowed ({}): completions/s were still growing there",
        last.label, max_concurrency);
    return out;
  }
  out.next_concurrency = c * 2;
  return out;
}

double probe_seconds(std::optional<double> previous_e2e_p50_ms, double hold_s) {
  const double four = previous_e2e_p50_ms ? 4 * *previous_e2e_p50_ms / 1000 : kProbeMinS;
  return std::min(std::max(kProbeMinS, four), std::max(kProbeMinS, hold_s));
}

nlohmann::json to_json(const LoadRow& r) {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  // A level that sent nothing has no rate (null, printed n/a), not a rate of 0.
  auto rate = [&r](double v) { return r.requests > 0 ? nlohmann::json(v) : nlohmann::json(); };
  return {{"label", r.label},
          {"step", r.step},
          {"target_rate", opt(r.target_rate)},
          {"concurrency", opt(r.concurrency)},
          {"achieved_rate", rate(r.achieved_rate)},
          {"completion_rate", opt(r.completion_rate)},
          {"output_tokens_per_s", rate(r.output_tokens_per_s)},
          {"ttft_ms",
           {{"p50", opt(r.ttft_p50_ms)}, {"p95", opt(r.ttft_p95_ms)}, {"p99", opt(r.ttft_p99_ms)}}},
          {"tpot_ms",
           {{"p50", opt(r.tpot_p50_ms)}, {"p95", opt(r.tpot_p95_ms)}, {"p99", opt(r.tpot_p99_ms)}}},
          {"e2e_ms",
           {{"p50", opt(r.e2e_p50_ms)}, {"p95", opt(r.e2e_p95_ms)}, {"p99", opt(r.e2e_p99_ms)}}},
          {"goodput_per_s", opt(r.goodput_per_s)},
          {"requests", r.requests},
          {"errors", r.errors},
          {"rejected", r.rejected}};
}

bool p95_meets(const Slo& slo, const LoadRow& row) {
  auto within = [](const std::optional<double>& bound, const std::optional<double>& p95) {
    return !bound || (p95 && *p95 <= *bound);
  };
  return within(slo.ttft_ms, row.ttft_p95_ms) && within(slo.tpot_ms, row.tpot_p95_ms) &&
         within(slo.e2e_ms, row.e2e_p95_ms);
}

std::optional<std::size_t> highest_rate_meeting(const Slo& slo, const std::vector<LoadRow>& rows) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].requests == 0 || rows[i].errors == rows[i].requests) continue;
    if (!p95_meets(slo, rows[i])) continue;
    if (!best || load_of(rows[i]) > load_of(rows[*best])) best = i;
  }
  return best;
}

Saturation detect_saturation(const std::vector<LoadRow>& rows, const SaturationOptions& o) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const LoadRow& row = rows[i];
    if (row.requests > 0) {
      const double rejected = static_cast<double>(row.rejected) / static_cast<double>(row.requests);
      if (rejected > o.max_rejected_fraction) {
        return {true, i,
                fmt::format("{}: the server rejected {} of {} requests (HTTP 429/503): "
                            "its queue is full",
                            row.label, row.rejected, row.requests)};
      }
    }
    if (row.target_rate) {
      const double asked = row.scheduled_rate.value_or(*row.target_rate);
      const double done = row.completion_rate.value_or(row.achieved_rate);
      if (done < o.min_achieved_fraction * asked) {
        return {true, i,
                fmt::format("{}: it completed {:.3g} requests/s of the {:.3g} sent: the "
                            "queue grows without bound",
                            row.label, done, asked)};
      }
    }
    if (i == 0) continue;
    const LoadRow& prev = rows[i - 1];
    if (prev.e2e_p50_ms && row.e2e_p50_ms && *prev.e2e_p50_ms > 0 && prev.achieved_rate > 0) {
      const double latency = *row.e2e_p50_ms / *prev.e2e_p50_ms;
      const double throughput = row.achieved_rate / prev.achieved_rate;
      if (latency >= o.latency_growth && throughput < o.throughput_growth) {
        return {true, i,
                fmt::format("{}: median latency rose {:.2f}x over {} while throughput "
                            "changed {:+.1f}%: more load only queues",
                            row.label, latency, prev.label, (throughput - 1) * 100)};
      }
    }
  }
  return {};
}

}  // namespace chimera::load
