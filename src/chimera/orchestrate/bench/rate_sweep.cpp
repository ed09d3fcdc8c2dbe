#include "chimera/orchestrate/bench/rate_sweep.hpp"

#include <initializer_list>
#include <string_view>

#include "chimera/orchestrate/bench/load_table.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::orchestrate {
namespace {

std::vector<load::LoadRow> rows_of(const std::vector<load::LoadRow>& rows,
                                   std::initializer_list<std::string_view> steps) {
  std::vector<load::LoadRow> out;
  for (const auto& row : rows) {
    for (auto step : steps) {
      if (row.step == step) out.push_back(row);
    }
  }
  return out;
}

}  // namespace

RateSweepPlanner::RateSweepPlanner(GridPoint options_point, RateSweepSettings settings)
    : base_(std::move(options_point)), settings_(std::move(settings)) {}

GridPoint RateSweepPlanner::at(LoadLevel level, const char* step) const {
  level.sweep_step = step;
  return at_load(base_, level);
}

GridPoint RateSweepPlanner::first() const {
  LoadLevel sync;
  sync.concurrency = 1;
  return at(sync, "synchronous");
}

// The next probe of the throughput search, or, once it found the knee, the
// throughput step holding the knee's concurrency.
std::optional<GridPoint> RateSweepPlanner::search_or_hold(
    const std::vector<load::LoadRow>& rows) const {
  const auto levels = rows_of(rows, {"synchronous", "search"});
  const auto search = load::search_throughput(levels, settings_.max_concurrency);
  LoadLevel level;
  if (!search.done) {
    level.concurrency = search.next_concurrency;
    level.duration_s = load::probe_seconds(levels.back().e2e_p50_ms, settings_.hold_s);
    return at(level, "search");
  }
  level.concurrency = levels[search.knee].concurrency.value_or(1);
  level.duration_s = settings_.hold_s;
  return at(level, "throughput");
}

// The rates between the synchronous and the maximum rate, one at a time
// until one saturates; then, with an SLO, the confirmation step.
std::optional<GridPoint> RateSweepPlanner::next_rate(const std::vector<load::LoadRow>& rows) {
  if (!rates_planned_) {
    rates_planned_ = true;
    const double sync = rows_of(rows, {"synchronous"}).front().achieved_rate;
    const double maximum = rows_of(rows, {"throughput"}).front().achieved_rate;
    auto rates = load::sweep_rates(sync, maximum, settings_.points);
    if (!rates) {
      term::warn(rates.error().message);
      return std::nullopt;
    }
    rates_ = *rates;
  }
  const auto measured = rows_of(rows, {"rate"});
  const bool saturated = load::detect_saturation(measured).saturated;
  if (!saturated && next_rate_ < rates_.size()) {
    LoadLevel level;
    level.rate = rates_[next_rate_++];
    return at(level, "rate");
  }
  if (!settings_.slo || confirmation_planned_) return std::nullopt;
  const auto best = load::highest_rate_meeting(*settings_.slo, measured);
  if (!best || !measured[*best].target_rate) return std::nullopt;
  confirmation_planned_ = true;
  LoadLevel level;
  level.rate = *measured[*best].target_rate;
  level.duration_s = settings_.hold_s;
  return at(level, "confirmation");
}

std::optional<GridPoint> RateSweepPlanner::next(const report::BenchReport& report) {
  const auto rows = load_rows(report);
  const auto sync = rows_of(rows, {"synchronous"});
  if (sync.empty() || !(sync.front().achieved_rate > 0)) {
    term::warn("the synchronous step completed no request: there is no rate to sweep from");
    return std::nullopt;
  }
  if (rows_of(rows, {"throughput"}).empty()) return search_or_hold(rows);
  return next_rate(rows);
}

}  // namespace chimera::orchestrate
