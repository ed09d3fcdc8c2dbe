#pragma once
// One finalized request with 128 output tokens ten milliseconds apart, the
// record the store and statistics benchmarks write and summarise.

#include <string>

#include "chimera/measure/request.hpp"

namespace chimera::bench {

inline measure::RequestResult sample_request(int i) {
  measure::RequestResult r;
  r.id = "bench-" + std::to_string(i);
  r.backend = "ollama";
  r.endpoint = "http://127.0.0.1:11434";
  r.api = "generate";
  r.model = "gemma3:latest";
  r.options = {{"num_ctx", 1024}, {"temperature", 0.8}};
  r.server.eval_count = 128;
  r.server.eval_ms = 1280;
  r.server.total_ms = 1400;
  r.server.load_ms = 3;
  measure::Timeline t;
  for (int k = 0; k < 128; ++k) t.text_chunk_ms.push_back(100.0 + 10.0 * k + (i % 7) * 0.1);
  measure::finalize(r, t);
  return r;
}

}  // namespace chimera::bench
