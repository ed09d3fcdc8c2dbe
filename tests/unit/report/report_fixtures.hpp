#pragma once
// Requests and reports built from known timelines, shared by the report tests.

#include <string>
#include <vector>

#include "chimera/measure/request.hpp"
#include "chimera/report/model.hpp"

namespace chimera::report::fixtures {

// An Ollama-style ok request: first token at `ttft`, then `tokens − 1` more
// tokens every `gap` ms; the server says eval took (tokens − 1) * gap ms.
inline measure::RequestResult ok_request(double ttft, int tokens, double gap, double load_ms = 2.0,
                                         bool warmup = false) {
  measure::RequestResult r;
  r.id = "r" + std::to_string(static_cast<int>(ttft * 10));
  r.backend = "ollama";
  r.endpoint = "http://127.0.0.1:11434";
  r.api = "generate";
  r.model = "gemma3:latest";
  r.options = {{"num_ctx", 1024}, {"temperature", 0.8}};
  r.warmup = warmup;
  r.server.eval_count = tokens;
  r.server.eval_ms = gap * tokens;
  r.server.load_ms = load_ms;
  r.server.prompt_eval_ms = 5.0;
  measure::Timeline t;
  for (int i = 0; i < tokens; ++i) t.text_chunk_ms.push_back(ttft + gap * i);
  r.server.total_ms = t.text_chunk_ms.back() - 0.3;
  measure::finalize(r, t, {.cold_threshold_ms = 500});
  return r;
}

inline measure::RequestResult failed_request(const std::string& kind, const std::string& message) {
  measure::RequestResult r;
  r.backend = "ollama";
  r.model = "gemma3:latest";
  measure::set_error(r, kind, message);
  return r;
}

inline measure::RequestResult empty_request() {
  measure::RequestResult r;
  r.backend = "ollama";
  r.model = "gemma3:latest";
  r.server.eval_count = 0;
  measure::finalize(r, {});
  return r;
}

inline std::vector<measure::RequestResult> steady_requests(double ttft, double gap) {
  std::vector<measure::RequestResult> out;
  out.push_back(ok_request(ttft + 500, 10, gap, 2.0, /*warmup=*/true));
  for (int i = 0; i < 6; ++i) out.push_back(ok_request(ttft + i, 10, gap));
  return out;
}

inline BenchReport two_configuration_report() {
  BenchReport report;
  report.tool_version = "0.1.0";
  report.command = "sweep";
  report.started_at = "2026-01-02T03:04:05.000Z";
  report.finished_at = "2026-01-02T03:09:05.000Z";
  report.simulated = true;
  report.ranking = Ranking{Metric::kDecodeTps, true};
  auto slow = summarize_configuration("num_ctx=1024, \"slow\" | left", steady_requests(100, 20));
  slow.key = "slow";
  auto fast = summarize_configuration("num_ctx=2048", steady_requests(80, 10));
  fast.key = "fast";
  report.configurations = {slow, fast};
  report.warnings = {"num_gpu values above 34 are all full offload"};
  return report;
}

}  // namespace chimera::report::fixtures
