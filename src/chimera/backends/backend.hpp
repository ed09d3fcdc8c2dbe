#pragma once
// Inference backends behind one small interface, created by a factory from a
// URL (as ccache creates its storage backends):
//
//   auto backend = make_backend({.url = "http://localhost:11434"});
//   backend.value()->submit(request, [](measure::RequestResult r) { ... });
//
// Every generation ends as exactly one measure::RequestResult. Failures are
// results too, with status `error` and a stable `error_kind`:
//   connect       the server could not be reached (refused, unreachable, DNS)
//   timeout       a limit was reached; the message says which one
//                 (connect, first token, idle between chunks, total)
//   http          the server answered with an HTTP error status (http_status),
//                 the message carries the server's own words
//   truncated     the stream ended (or the connection dropped) before the
//                 server's final statistics
//   malformed     a chunk was not valid JSON; the request stops, the process goes on
//   server_error  the stream itself carried an error object
//   transport     any other transport failure (TLS, proxy, ...), curl's words
//   cancelled     Ctrl-C or Client::cancel_all()
// and zero output tokens give status `empty` (measure::finalize decides).
//
// Secrets: the OpenAI bearer token goes into the Authorization header only; it
// never appears in a RequestResult, an endpoint string or an error message.
// A server that echoes it (or any request header value) back in an error body
// gets it replaced by "[redacted]" before the message is built.
//
// A 200 answer that is not a stream (an HTML page, a JSON body) fails as
// `malformed`, naming the content type and the first characters.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chimera/http/client.hpp"
#include "chimera/measure/request.hpp"
#include "chimera/util/error.hpp"

namespace chimera::backends {

// Milliseconds; 0 disables a limit.
struct Timeouts {
  double connect_ms = 5000;
  double first_token_ms = 120000;  // a cold model load counts against this one
  double idle_ms = 60000;
  double total_ms = 600000;
};

struct Message {
  std::string role;  // system | user | assistant
  std::string content;
};

struct GenerationRequest {
  std::string id;  // copied to the result; generated when empty
  std::string model;
  // ollama: "generate" | "chat"; openai: "chat_completions" | "completions".
  // Empty picks "generate" (ollama) or "chat_completions" (openai).
  std::string api;
  std::string system;
  std::string prompt;             // the user turn when `messages` is empty
  std::vector<Message> messages;  // chat history; `system` is put first when set
  // Ollama: passed through untouched as `options`. OpenAI: temperature, top_p,
  // seed, stop, presence/frequency_penalty as is, num_predict -> max_tokens,
  // every other key as an extra body field (llama-server and vLLM read top_k,
  // repeat_penalty, ...).
  nlohmann::json options = nlohmann::json::object();
  std::optional<std::string> keep_alive;  // Ollama: "5m", "-1", "0" (numbers sent as numbers)
  std::map<std::string, std::string> headers;
  Timeouts timeouts;
  bool warmup = false;
  // Open loop: the HTTP loop holds the request until this time (steady
  // clock), so it goes out when due rather than when the caller got to it.
  std::optional<std::chrono::steady_clock::time_point> not_before;
  // Sees the response headers (lower-case names) on the loop thread, e.g. to
  // pick up a server's request id (X-Sim-Request-Id, x-request-id).
  std::function<void(int status, const std::map<std::string, std::string>& headers)>
      on_response_headers;
};

struct ModelInfo {
  std::string name;
  std::optional<int> layers;  // Ollama /api/show model_info "<arch>.block_count"
  std::string family;
  std::string parameter_size;
  std::string quantization;
  std::int64_t size_bytes = 0;
};

struct ServerInfo {
  std::string version;  // empty when the server does not say
  std::vector<ModelInfo> models;
  // Chimera's simulator (`chimera sim`) says so: the "chimera_sim" field of
  // /api/version (Ollama) or /models (OpenAI) holds its version. Empty for
  // any other server. Figures measured on it are labelled SIMULATED.
  std::string simulator;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string kind() const = 0;      // "ollama" | "openai"
  virtual std::string endpoint() const = 0;  // base URL, without credentials

  // Asynchronous, on the shared HTTP loop. `done` is called exactly once, on
  // the loop thread, so it must be quick and must not call generate().
  virtual void submit(GenerationRequest request,
                      std::function<void(measure::RequestResult)> done) = 0;
  // Blocking convenience around submit().
  measure::RequestResult generate(GenerationRequest request);

  // Version and installed models (Ollama /api/version + /api/tags; OpenAI /models).
  virtual Expected<ServerInfo> server_info() = 0;
  // One model's details; FailureKind::kNotFound when the server does not have it.
  virtual Expected<ModelInfo> show(const std::string& model) = 0;
  // Evicts the model from memory so the next request pays the load (a cold
  // run). Ollama: keep_alive 0. OpenAI servers have no such call: kInvalidInput.
  virtual Expected<void> unload(const std::string& model) = 0;
};

struct BackendOptions {
  // "", "ollama", "openai". "" infers it from the URL: an `openai://` or
  // `ollama://` scheme, a path with /v1, or a port that OpenAI-compatible
  // servers use by default (8000 vLLM, 8080 llama-server, 1234 LM Studio).
  std::string kind;
  // Empty: OLLAMA_HOST / OPENAI_BASE_URL / the servers' defaults.
  std::string url;
  std::optional<std::string> api_key;  // OpenAI; empty: OPENAI_API_KEY
  double cold_threshold_ms = 500;
  // Limits of the small blocking calls (version, tags, show, models, unload):
  // connect, first byte, idle between bytes, total.
  Timeouts call_timeouts{5000, 30000, 30000, 30000};
  // The longest stream line (NDJSON) or event (SSE) kept; a longer one fails
  // the request as `malformed`, so memory stays bounded.
  std::size_t max_line_bytes = std::size_t{1} << 20;
};

Expected<std::unique_ptr<Backend>> make_backend(BackendOptions options,
                                                std::shared_ptr<http::Client> client = nullptr);

// OLLAMA_HOST (host, host:port or a URL; scheme optional) or http://localhost:11434.
std::string default_ollama_url();
// OPENAI_BASE_URL or http://localhost:8000/v1.
std::string default_openai_url();
// "ollama" or "openai" for a URL, by the rules above.
std::string infer_kind(const std::string& url);

}  // namespace chimera::backends
