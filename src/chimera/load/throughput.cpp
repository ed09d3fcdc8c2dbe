#include "chimera/load/throughput.hpp"

#include <algorithm>
#include <cmath>

namespace chimera::load {

RequestSpan span_of(const measure::RequestResult& r, double sent_s, double finished_s,
                    std::int64_t fallback_prompt_tokens, const Slo* slo, double wire_offset_s) {
  RequestSpan span;
  span.sent_s = sent_s;
  span.finished_s = finished_s;
  span.ok = r.status == measure::Status::kOk;
  span.output_tokens = r.output_tokens;
  span.prompt_tokens =
      r.server.prompt_eval_count.value_or(r.server.prompt_tokens.value_or(fallback_prompt_tokens));
  if (r.ttft_ms) {
    double at = sent_s + wire_offset_s + *r.ttft_ms / 1000.0;
    span.chunk_s.reserve(r.itl_ms.size() + 1);
    span.chunk_s.push_back(at);
    for (double gap : r.itl_ms) span.chunk_s.push_back(at += gap / 1000.0);
  }
  span.met_slo = slo != nullptr && meets(*slo, r);
  return span;
}

void ThroughputAccumulator::note_sent(double sent_s) {
  if (!any_ || sent_s < first_sent_) first_sent_ = sent_s;
  if (!any_) last_finished_ = sent_s;
  any_ = true;
  // Sends come in order; one that does not is put in its place.
  auto at = std::upper_bound(pending_sends_.begin(), pending_sends_.end(), sent_s);
  pending_sends_.insert(at, sent_s);
}

void ThroughputAccumulator::count_sends_before(double t) {
  while (!pending_sends_.empty() && pending_sends_.front() <= t) {
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    pending_sends_.pop_front();
  }
}

void ThroughputAccumulator::add_tokens_at(double t, double tokens) {
  if (!(t >= 0)) t = 0;
  const auto second = static_cast<std::size_t>(std::floor(t));
  if (second >= tokens_per_second_.size()) tokens_per_second_.resize(second + 1, 0.0);
  tokens_per_second_[second] += tokens;
}

void ThroughputAccumulator::add(const RequestSpan& span) {
  ++requests_;
  busy_s_ += std::max(0.0, span.finished_s - span.sent_s);
  last_finished_ = std::max(last_finished_, span.finished_s);
  if (span.finished_s < frontier_) ++out_of_order_;
  frontier_ = std::max(frontier_, span.finished_s);
  count_sends_before(span.finished_s);
  in_flight_ = std::max(0, in_flight_ - 1);
  if (!span.ok) return;
  if (ok_ == 0 || span.finished_s < first_ok_finish_) first_ok_finish_ = span.finished_s;
  last_ok_finish_ = std::max(last_ok_finish_, span.finished_s);
  ++ok_;
  if (span.met_slo) ++slo_met_;
  output_tokens_ += span.output_tokens;
  prompt_tokens_ += span.prompt_tokens;
  if (span.output_tokens <= 0) return;
  if (span.chunk_s.empty()) {
    // No chunk times (no first token seen): the tokens count when the request finished.
    add_tokens_at(span.finished_s, static_cast<double>(span.output_tokens));
    return;
  }
  const double each =
      static_cast<double>(span.output_tokens) / static_cast<double>(span.chunk_s.size());
  for (double t : span.chunk_s) add_tokens_at(t, each);
}

// The run [first send, last byte] cut at whole seconds of the run clock: the
// piece of second k holds the tokens counted in [k, k + 1). The first and
// the last piece, when shorter than one second, join their neighbour, so no
// piece is shorter than one second. Tokens counted outside the run (a chunk
// stamped a little before its request's send) go to the nearest piece. The
// pieces partition the run and hold all its tokens, so the highest
// tokens/length is at least the run's mean (Σ tokens / Σ lengths).
std::optional<double> ThroughputAccumulator::peak_rate() const {
  const double first = first_sent_;
  const double last = last_finished_;
  if (!any_ || !(last - first >= 1.0)) return std::nullopt;
  struct Piece {
    double start, end, tokens;
  };
  const auto k_first = static_cast<std::size_t>(std::floor(std::max(0.0, first)));
  const auto k_last = std::max(k_first, static_cast<std::size_t>(std::floor(last)));
  auto tokens_in = [this](std::size_t k) {
    return k < tokens_per_second_.size() ? tokens_per_second_[k] : 0.0;
  };
  std::vector<Piece> pieces;
  for (std::size_t k = k_first; k <= k_last; ++k) {
    const double start = std::max(static_cast<double>(k), first);
    const double end = std::min(static_cast<double>(k + 1), last);
    pieces.push_back({start, end, tokens_in(k)});
  }
  for (std::size_t k = 0; k < std::min(k_first, tokens_per_second_.size()); ++k) {
    pieces.front().tokens += tokens_per_second_[k];
  }
  for (std::size_t k = k_last + 1; k < tokens_per_second_.size(); ++k) {
    pieces.back().tokens += tokens_per_second_[k];
  }
  auto length = [](const Piece& p) { return p.end - p.start; };
  while (pieces.size() > 1 && length(pieces.front()) < 1.0) {
    pieces[1].start = pieces[0].start;
    pieces[1].tokens += pieces[0].tokens;
    pieces.erase(pieces.begin());
  }
  while (pieces.size() > 1 && length(pieces.back()) < 1.0) {
    auto& before = pieces[pieces.size() - 2];
    before.end = pieces.back().end;
    before.tokens += pieces.back().tokens;
    pieces.pop_back();
  }
  double peak = 0;
  for (const auto& p : pieces) peak = std::max(peak, p.tokens / length(p));
  // A flat rate gives the mean exactly in exact arithmetic; the per-chunk
  // shares and piece bounds may round it a few units in the last place below.
  const double mean = static_cast<double>(output_tokens_) / (last - first);
  if (peak < mean && peak > mean * (1 - 1e-9)) peak = mean;
  return peak;
}

ThroughputSummary ThroughputAccumulator::finish() const {
  ThroughputSummary s;
  s.requests = requests_;
  s.ok = ok_;
  s.output_tokens = output_tokens_;
  s.prompt_tokens = prompt_tokens_;
  s.out_of_order_finishes = out_of_order_;
  // Sends no finish has overtaken yet are still in flight.
  s.max_in_flight = std::max(max_in_flight_, in_flight_ + static_cast<int>(pending_sends_.size()));
  s.peak_output_tokens_per_s = peak_rate();
  if (ok_ >= 2 && last_ok_finish_ > first_ok_finish_) {
    s.completions_per_s = static_cast<double>(ok_ - 1) / (last_ok_finish_ - first_ok_finish_);
  }
  s.duration_s = any_ ? last_finished_ - first_sent_ : 0;
  if (with_slo_) s.slo_met = slo_met_;
  if (s.duration_s > 0) {
    s.requests_per_s = static_cast<double>(ok_) / s.duration_s;
    s.output_tokens_per_s = static_cast<double>(output_tokens_) / s.duration_s;
    s.total_tokens_per_s = static_cast<double>(output_tokens_ + prompt_tokens_) / s.duration_s;
    s.mean_in_flight = busy_s_ / s.duration_s;
    if (with_slo_) s.goodput_per_s = static_cast<double>(slo_met_) / s.duration_s;
  }
  return s;
}

ThroughputSummary ThroughputAccumulator::of(std::vector<RequestSpan> spans, bool with_slo) {
  ThroughputAccumulator acc(with_slo);
  std::vector<double> sends;
  sends.reserve(spans.size());
  for (const auto& s : spans) sends.push_back(s.sent_s);
  std::sort(sends.begin(), sends.end());
  std::sort(spans.begin(), spans.end(),
            [](const RequestSpan& a, const RequestSpan& b) { return a.finished_s < b.finished_s; });
  for (double s : sends) acc.note_sent(s);
  for (const auto& span : spans) acc.add(span);
  return acc.finish();
}

nlohmann::json to_json(const ThroughputSummary& s) {
  // Without a duration there is no rate: null (printed n/a), never 0.
  const bool timed = s.duration_s > 0;
  auto rate = [timed](double v) { return timed ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j = {
      {"duration_s", timed ? nlohmann::json(s.duration_s) : nlohmann::json(nullptr)},
      {"requests", s.requests},
      {"ok", s.ok},
      {"requests_per_s", rate(s.requests_per_s)},
      {"output_tokens", s.output_tokens},
      {"prompt_tokens", s.prompt_tokens},
      {"output_tokens_per_s", rate(s.output_tokens_per_s)},
      {"total_tokens_per_s", rate(s.total_tokens_per_s)},
      {"max_in_flight", s.max_in_flight},
      {"mean_in_flight", rate(s.mean_in_flight)},
      {"peak_output_tokens_per_s", timed && s.peak_output_tokens_per_s
                                       ? nlohmann::json(*s.peak_output_tokens_per_s)
                                       : nlohmann::json(nullptr)}};
  if (s.slo_met) j["slo_met"] = *s.slo_met;
  if (s.goodput_per_s) j["goodput_per_s"] = *s.goodput_per_s;
  j["completions_per_s"] =
      s.completions_per_s ? nlohmann::json(*s.completions_per_s) : nlohmann::json();
  if (s.out_of_order_finishes > 0) j["out_of_order_finishes"] = s.out_of_order_finishes;
  return j;
}

}  // namespace chimera::load
