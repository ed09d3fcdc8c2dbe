#include "chimera/measure/request.hpp"

#include <cmath>

#include "chimera/measure/plausibility.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::measure {

const char* to_string(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kEmpty:
      return "empty";
    case Status::kError:
      return "error";
  }
  return "error";
}

std::optional<Status> status_from_string(std::string_view text) {
  if (text == "ok") return Status::kOk;
  if (text == "empty") return Status::kEmpty;
  if (text == "error") return Status::kError;
  return std::nullopt;
}

void set_error(RequestResult& result, std::string kind, std::string message, int http_status) {
  result.status = Status::kError;
  result.error_kind = std::move(kind);
  result.error_message = std::move(message);
  if (http_status != 0) result.http_status = http_status;
}

void finalize(RequestResult& result, const Timeline& timeline, const FinalizeOptions& options) {
  const auto& chunks = timeline.text_chunk_ms;
  screen_server_stats(result, timeline);
  result.text_chunks = static_cast<std::int64_t>(chunks.size());
  result.itl_ms.clear();
  result.ttft_ms.reset();
  result.e2e_ms.reset();
  result.tpot_ms.reset();
  result.decode_tps.reset();
  result.client_overhead_ms.reset();
  if (!chunks.empty()) {
    result.ttft_ms = chunks.front();
    result.e2e_ms = chunks.back();
    result.itl_ms.reserve(chunks.size() - 1);
    for (std::size_t i = 1; i < chunks.size(); ++i)
      result.itl_ms.push_back(chunks[i] - chunks[i - 1]);
  }

  // Output tokens: the server's count when it gives one, else the number of
  // text chunks, flagged as an estimate.
  const auto& s = result.server;
  if (s.eval_count) {
    result.output_tokens = *s.eval_count;
    result.output_tokens_estimated = false;
  } else if (s.completion_tokens) {
    result.output_tokens = *s.completion_tokens;
    result.output_tokens_estimated = false;
  } else {
    result.output_tokens = result.text_chunks;
    result.output_tokens_estimated = true;
  }

  const auto n = result.output_tokens;
  if (result.ttft_ms && result.e2e_ms && n >= 2) {
    const double decode_span = *result.e2e_ms - *result.ttft_ms;
    result.tpot_ms = decode_span / static_cast<double>(n - 1);
    if (!(s.eval_count && s.eval_ms) && decode_span > 0) {
      result.decode_tps = static_cast<double>(n - 1) / (decode_span / 1000.0);
    }
  }
  // Ollama: the server's own rate, eval_count / eval_duration.
  if (s.eval_count && s.eval_ms && *s.eval_ms > 0) {
    result.decode_tps = static_cast<double>(*s.eval_count) / (*s.eval_ms / 1000.0);
  }
  if (result.e2e_ms && s.total_ms) result.client_overhead_ms = *result.e2e_ms - *s.total_ms;
  result.cold = s.load_ms && *s.load_ms > options.cold_threshold_ms;

  if (result.status != Status::kError || result.error_kind.empty()) {
    if (n > 0 && !chunks.empty()) {
      result.status = Status::kOk;
    } else {
      result.status = Status::kEmpty;
      result.error_kind = "empty";
      result.error_message = "the server answered with zero output tokens";
    }
  }
}

namespace {
template <typename T>
std::optional<T> get(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}
}  // namespace

// Keys in nlohmann's (sorted) order, so that the text reads the same as the
// object to_json() returns, dumped.
std::string to_json_text(const RequestResult& r, bool include_text) {
  std::string out;
  out.reserve(1024 + r.itl_ms.size() * 24 + (include_text ? r.text.size() : 0));
  JsonObjectWriter j(out);
  j.text("api", r.api);
  j.text("backend", r.backend);
  j.optional("client_overhead_ms", r.client_overhead_ms);
  j.boolean("cold", r.cold);
  j.optional("decode_tps", r.decode_tps);
  j.optional("e2e_ms", r.e2e_ms);
  j.text("endpoint", r.endpoint);
  j.text("error_kind", r.error_kind);
  j.text("error_message", r.error_message);
  j.integer("http_status", r.http_status);
  j.text("id", r.id);
  j.numbers("itl_ms", r.itl_ms);
  j.text("model", r.model);
  j.json("options", r.options);
  j.integer("output_tokens", r.output_tokens);
  j.boolean("output_tokens_estimated", r.output_tokens_estimated);
  j.optional("scheduled_send_s", r.scheduled_send_s);
  j.optional("send_s", r.send_s);
  j.object("server");
  {
    const auto& s = r.server;
    JsonObjectWriter server(out);
    server.optional("cached_tokens", s.cached_tokens);
    server.optional("completion_tokens", s.completion_tokens);
    server.optional("done_reason", s.done_reason);
    server.optional("eval_count", s.eval_count);
    server.optional("eval_ms", s.eval_ms);
    server.optional("load_ms", s.load_ms);
    server.optional("prompt_eval_count", s.prompt_eval_count);
    server.optional("prompt_eval_ms", s.prompt_eval_ms);
    server.optional("prompt_tokens", s.prompt_tokens);
    if (!s.timings.is_null()) server.json("timings", s.timings);
    server.optional("total_ms", s.total_ms);
    server.close();
  }
  if (!r.server_implausible.is_null()) j.json("server_implausible", r.server_implausible);
  if (!r.server_warning.empty()) j.text("server_warning", r.server_warning);
  j.text("started_at", r.started_at);
  j.text("status", to_string(r.status));
  if (include_text) j.text("text", r.text);
  j.integer("text_chunks", r.text_chunks);
  j.optional("tpot_ms", r.tpot_ms);
  j.optional("ttft_ms", r.ttft_ms);
  j.boolean("warmup", r.warmup);
  j.close();
  return out;
}

nlohmann::json to_json(const RequestResult& r, bool include_text) {
  return nlohmann::json::parse(to_json_text(r, include_text));
}

RequestResult request_from_json(const nlohmann::json& j) {
  RequestResult r;
  r.id = j.value("id", "");
  r.backend = j.value("backend", "");
  r.endpoint = j.value("endpoint", "");
  r.api = j.value("api", "");
  r.model = j.value("model", "");
  if (auto it = j.find("options"); it != j.end()) r.options = *it;
  r.started_at = j.value("started_at", "");
  r.warmup = j.value("warmup", false);
  r.status = status_from_string(j.value("status", "error")).value_or(Status::kError);
  r.error_kind = j.value("error_kind", "");
  r.error_message = j.value("error_message", "");
  r.http_status = j.value("http_status", 0);
  r.ttft_ms = get<double>(j, "ttft_ms");
  r.e2e_ms = get<double>(j, "e2e_ms");
  r.tpot_ms = get<double>(j, "tpot_ms");
  if (auto it = j.find("itl_ms"); it != j.end() && it->is_array()) {
    r.itl_ms = it->get<std::vector<double>>();
  }
  r.output_tokens = j.value("output_tokens", std::int64_t{0});
  r.output_tokens_estimated = j.value("output_tokens_estimated", false);
  r.decode_tps = get<double>(j, "decode_tps");
  r.client_overhead_ms = get<double>(j, "client_overhead_ms");
  r.cold = j.value("cold", false);
  r.text_chunks = j.value("text_chunks", std::int64_t{0});
  r.scheduled_send_s = get<double>(j, "scheduled_send_s");
  r.send_s = get<double>(j, "send_s");
  if (auto it = j.find("server"); it != j.end() && it->is_object()) {
    const auto& s = *it;
    r.server.load_ms = get<double>(s, "load_ms");
    r.server.prompt_eval_ms = get<double>(s, "prompt_eval_ms");
    r.server.prompt_eval_count = get<std::int64_t>(s, "prompt_eval_count");
    r.server.eval_ms = get<double>(s, "eval_ms");
    r.server.eval_count = get<std::int64_t>(s, "eval_count");
    r.server.total_ms = get<double>(s, "total_ms");
    r.server.prompt_tokens = get<std::int64_t>(s, "prompt_tokens");
    r.server.completion_tokens = get<std::int64_t>(s, "completion_tokens");
    r.server.cached_tokens = get<std::int64_t>(s, "cached_tokens");
    r.server.done_reason = get<std::string>(s, "done_reason");
    if (auto t = s.find("timings"); t != s.end()) r.server.timings = *t;
  }
  if (auto it = j.find("server_implausible"); it != j.end() && it->is_object()) {
    r.server_implausible = *it;
  }
  r.server_warning = j.value("server_warning", "");
  r.text = j.value("text", "");
  return r;
}

}  // namespace chimera::measure
