#pragma once
// The one request/result model shared by backends, statistics, storage and
// reports. Each field's exact definition is documented for users in
// docs/METRICS.md.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::measure {

enum class Status { kOk, kEmpty, kError };
const char* to_string(Status status);
std::optional<Status> status_from_string(std::string_view text);

// Statistics the server reported about its own work. Absent means the server
// did not say; Ollama omits zero-valued fields, so for Ollama a backend stores 0.
struct ServerStats {
  std::optional<double> load_ms;
  std::optional<double> prompt_eval_ms;
  std::optional<std::int64_t> prompt_eval_count;
  std::optional<double> eval_ms;
  std::optional<std::int64_t> eval_count;
  std::optional<double> total_ms;
  // OpenAI `usage`.
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  // `usage.prompt_tokens_details.cached_tokens` (vLLM, OpenAI): prompt tokens
  // the server answered from its prefix cache.
  std::optional<std::int64_t> cached_tokens;
  // llama-server `timings` (kept raw: cache_n, prompt_n, prompt_ms, predicted_n, ...).
  nlohmann::json timings;
  std::optional<std::string> done_reason;
};

// What the client saw on the wire, in milliseconds after t0 (t0 = just before
// the request bytes are sent, steady clock).
struct Timeline {
  std::vector<double> text_chunk_ms;  // each chunk that carried non-empty generated text
  std::optional<double> first_byte_ms;
  std::optional<double> last_byte_ms;  // including trailing statistics chunks
};

struct RequestResult {
  // Identity.
  std::string id;
  std::string backend;   // "ollama" | "openai"
  std::string endpoint;  // base URL, never with credentials
  std::string api;       // "generate" | "chat" | "chat_completions" | "completions"
  std::string model;
  nlohmann::json options = nlohmann::json::object();  // as sent to the server
  std::string started_at;                             // UTC, ISO 8601, for people
  bool warmup = false;

  // Outcome.
  Status status = Status::kError;
  std::string error_kind;     // connect | timeout | http | truncated | malformed | cancelled | ...
  std::string error_message;  // a sentence that says what to do next
  int http_status = 0;

  // Client-side metrics.
  std::optional<double> ttft_ms;
  std::optional<double> e2e_ms;
  std::optional<double> tpot_ms;
  std::vector<double> itl_ms;
  std::int64_t output_tokens = 0;
  bool output_tokens_estimated = false;
  std::optional<double> decode_tps;
  std::optional<double> client_overhead_ms;
  bool cold = false;
  std::int64_t text_chunks = 0;

  // Send times of a measured request, in seconds on the configuration's
  // steady clock (0 = when its measured part began; for an open loop, the
  // first request's scheduled send). `scheduled_send_s`: when the open-loop
  // schedule said to send it; absent in a closed loop. `send_s`: when the
  // client was about to write the request bytes (t0). Send lateness is
  // send_s − scheduled_send_s. Absent for warm-up requests.
  std::optional<double> scheduled_send_s;
  std::optional<double> send_s;
  // t0 on this process's steady clock (nanoseconds since its epoch), set by
  // the backend so that the runner can place send_s on its own axis; 0 when
  // unknown. Not stored: it means nothing to another process.
  std::int64_t t0_steady_ns = 0;

  ServerStats server;  // only the statistics that passed the plausibility screen
  // Statistics the server reported that cannot be true, raw, by the field
  // names of ServerStats (null when none), and the sentence that says why
  // ("server statistics implausible: ..."). See measure/plausibility.hpp.
  nlohmann::json server_implausible;
  std::string server_warning;
  std::string text;  // the generated text
};

struct FinalizeOptions {
  // A request whose server-reported load time exceeds this paid for a model
  // (re)load and is reported apart from warm requests.
  double cold_threshold_ms = 500.0;
};

// Derives every client-side metric from the timeline and the server's
// statistics, and settles the status of a request that did not fail:
// zero output tokens is `empty`, never `ok`. A request already marked as an
// error keeps its status and reason; its partial metrics are still derived.
void finalize(RequestResult& result, const Timeline& timeline, const FinalizeOptions& options = {});

// Marks a request failed with a reason a person understands.
void set_error(RequestResult& result, std::string kind, std::string message, int http_status = 0);

// The stored and exported form of a request (the text: JSONL lines, the
// store's raw column; the object: documents that embed requests).
std::string to_json_text(const RequestResult& result, bool include_text = false);
nlohmann::json to_json(const RequestResult& result, bool include_text = false);
RequestResult request_from_json(const nlohmann::json& json);

}  // namespace chimera::measure
