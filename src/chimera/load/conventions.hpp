#pragma once
// The inter-token metrics other benchmarking tools report, computed from one
// RequestResult, so exports can carry their names beside Chimera's. With
// n = output_tokens (the server's count), ttft and e2e as Chimera measures
// them (first and last text chunk after t0):
//
//   Chimera tpot_ms       (e2e − ttft) / (n − 1)          n ≥ 2
//   vLLM    tpot_ms       (e2e − ttft) / (n − 1)          n ≥ 2  (same as Chimera)
//   vLLM    itl_ms[]      every gap between text chunks, pooled over requests
//   GenAI-Perf / AIPerf   inter_token_latency_ms = (e2e − ttft) / (n − 1)
//   GuideLLM itl_ms       (last token − first token) / (n − 1) = (e2e − ttft) / (n − 1)
//   GuideLLM tpot_ms      (last token − request start) / n = e2e / n
//   LLMPerf inter_token_latency_ms  Σ gaps including TTFT / n = e2e / n
//
// Each is nullopt when the request has no value for it (not ok, too few
// tokens, no first token).

#include <nlohmann/json.hpp>
#include <optional>

#include "chimera/measure/request.hpp"

namespace chimera::load {

std::optional<double> vllm_tpot_ms(const measure::RequestResult& r);
std::optional<double> genai_perf_itl_ms(const measure::RequestResult& r);
std::optional<double> guidellm_itl_ms(const measure::RequestResult& r);
std::optional<double> guidellm_tpot_ms(const measure::RequestResult& r);
std::optional<double> llmperf_inter_token_ms(const measure::RequestResult& r);

// {"vllm_tpot_ms", "genai_perf_itl_ms", "guidellm_itl_ms", "guidellm_tpot_ms",
//  "llmperf_inter_token_ms"} for one request (null where undefined); vLLM's
// pooled ITL is the request's own itl_ms array.
nlohmann::json conventions_json(const measure::RequestResult& r);

}  // namespace chimera::load
