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
  ++ok_;
  if (span.met_slo) ++slo_met_;
  output_tokens_ += span.output_tokens;
  prompt_tokens_ += span.prompt_tokens;
  if (!span.chunk_s.empty() && span.output_tokens > 0) {
    const double each =
        static_cast<double>(span.output_tokens) / static_cast<double>(span.chunk_s.size());
    for (double t : span.chunk_s) add_tokens_at(t, each);
  }
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
  if (!tokens_per_second_.empty())
    s.peak_output_tokens_per_s =
        *std::max_element(tokens_per_second_.begin(), tokens_per_second_.end());
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
      {"peak_output_tokens_per_s", rate(s.peak_output_tokens_per_s)}};
  if (s.slo_met) j["slo_met"] = *s.slo_met;
  if (s.goodput_per_s) j["goodput_per_s"] = *s.goodput_per_s;
  if (s.out_of_order_finishes > 0) j["out_of_order_finishes"] = s.out_of_order_finishes;
  return j;
}

}  // namespace chimera::load
