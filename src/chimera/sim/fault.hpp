#pragma once
// Fault injection: what a request asks the simulator to do wrong, from the
// `X-Sim-Fault` header, a `<model>@fault=<spec>` suffix, or a per-model rule.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chimera/util/error.hpp"

namespace chimera::sim {

enum class FaultKind {
  kNone,
  kDrop,          // close the connection mid-stream after `after` tokens
  kHttp500,       // answer 500 with a protocol error body
  kHttp503,       // answer 503 with a protocol error body
  kTruncate,      // end the HTTP stream cleanly but without the final statistics / [DONE]
  kMalformed,     // emit one broken JSON line mid-stream
  kZeroTokens,    // finish at once with no generated text
  kStallFirst,    // wait `ms` before the first token
  kStallBetween,  // wait `ms` more between tokens
  kErrorLine,     // an error object as a stream line, then end the stream
  kInflateTotal,  // the final statistics claim `ms` more total_duration than the server spent
  // Hostile servers, for testing a client's limits:
  kNoNewline,  // 200 with a stream content type, then endless bytes without a line break
  kHtml200,    // 200 with an HTML page where a stream was asked for (a proxy's login page)
  kEchoAuth,   // 401 whose error body echoes the request's Authorization header
};

const char* to_string(FaultKind kind);
std::optional<FaultKind> fault_kind_from_string(std::string_view text);

struct FaultSpec {
  FaultKind kind = FaultKind::kNone;
  std::optional<std::int64_t> after;  // tokens before the fault strikes
  std::optional<std::int64_t> ms;     // stall length

  bool active() const { return kind != FaultKind::kNone; }
  // Tokens streamed before a mid-stream fault, for a response of `planned` tokens.
  std::int64_t after_tokens(std::int64_t planned) const;
  std::int64_t stall_ms() const;
  std::string describe() const;  // "drop;after=5", the header syntax
};

// The bodies of the hostile faults.
// One piece of the endless no_newline body: `bytes` of 'x', no line break.
std::string no_newline_piece(std::size_t bytes);
std::string html_200_page();
// The 401 body: Ollama's {"error": ...} or OpenAI's error object.
std::string echo_auth_body(bool ollama, std::string_view authorization);

// "<kind>[;after=N][;ms=M]" (',' is accepted as a separator too).
Expected<FaultSpec> parse_fault(std::string_view text);

struct ModelReference {
  std::string model;  // the name without the fault suffix
  std::optional<FaultSpec> fault;
};

// Splits "gemma3:latest@fault=drop;after=3" into the model and its fault.
Expected<ModelReference> split_model_reference(std::string_view name);

}  // namespace chimera::sim
