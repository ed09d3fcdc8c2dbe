#include "chimera/load/conventions.hpp"

namespace chimera::load {
namespace {

bool usable(const measure::RequestResult& r) {
  return r.status == measure::Status::kOk && r.ttft_ms && r.e2e_ms && r.output_tokens >= 1;
}

std::optional<double> decode_gap_ms(const measure::RequestResult& r) {
  if (!usable(r) || r.output_tokens < 2) return std::nullopt;
  return (*r.e2e_ms - *r.ttft_ms) / static_cast<double>(r.output_tokens - 1);
}

std::optional<double> e2e_per_token_ms(const measure::RequestResult& r) {
  if (!usable(r)) return std::nullopt;
  return *r.e2e_ms / static_cast<double>(r.output_tokens);
}

}  // namespace

std::optional<double> vllm_tpot_ms(const measure::RequestResult& r) {
  return decode_gap_ms(r);
}
std::optional<double> genai_perf_itl_ms(const measure::RequestResult& r) {
  return decode_gap_ms(r);
}
std::optional<double> guidellm_itl_ms(const measure::RequestResult& r) {
  return decode_gap_ms(r);
}
std::optional<double> guidellm_tpot_ms(const measure::RequestResult& r) {
  return e2e_per_token_ms(r);
}
std::optional<double> llmperf_inter_token_ms(const measure::RequestResult& r) {
  return e2e_per_token_ms(r);
}

nlohmann::json conventions_json(const measure::RequestResult& r) {
  auto opt = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
  };
  return {{"vllm_tpot_ms", opt(vllm_tpot_ms(r))},
          {"genai_perf_itl_ms", opt(genai_perf_itl_ms(r))},
          {"guidellm_itl_ms", opt(guidellm_itl_ms(r))},
          {"guidellm_tpot_ms", opt(guidellm_tpot_ms(r))},
          {"llmperf_inter_token_ms", opt(llmperf_inter_token_ms(r))}};
}

}  // namespace chimera::load
