#include "chimera/backends/generation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "chimera/backends/endpoint.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/redact.hpp"
#include "chimera/util/utf8.hpp"

namespace chimera::backends {
namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;
constexpr std::size_t kHeadShown = 80;

// One line of server text for a message: valid UTF-8, no line breaks.
std::string one_line(std::string_view bytes, std::size_t max_bytes) {
  std::string text = util::sanitize_utf8(util::utf8_prefix(bytes, max_bytes));
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\0', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// A 2xx answer in one of these types is a whole document, not the stream asked for.
bool is_document_type(const std::string& kind, const std::string& content_type) {
  if (content_type.starts_with("text/html") || content_type.starts_with("text/plain")) return true;
  return kind == "openai" && content_type == "application/json";
}

double ms_between(http::Clock::time_point from, http::Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

ServerAdvice advice_for(const std::string& kind) {
  if (kind == "openai") {
    return {kind,
            "Start your OpenAI-compatible server (vLLM, llama-server, LM Studio, ...) or point "
            "--endpoint / OPENAI_BASE_URL at it"};
  }
  return {kind, "Start it with `ollama serve`, or point --endpoint / OLLAMA_HOST at it"};
}

std::string server_message(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object()) {
    for (const char* key : {"error", "message", "detail"}) {
      auto it = json.find(key);
      if (it == json.end()) continue;
      if (it->is_string()) return one_line(it->get<std::string>(), 2000);
      if (it->is_object() && it->contains("message") && (*it)["message"].is_string()) {
        return one_line((*it)["message"].get<std::string>(), 2000);
      }
      return one_line(dump_json(*it), 2000);
    }
  }
  std::string text = one_line(body, 300);
  return text.empty() ? "(the server gave no message)" : text;
}

std::string connect_message(const ServerAdvice& advice, const std::string& url,
                            const std::string& detail) {
  std::string message =
      fmt::format("could not connect to {}: is the server running? {}", url, advice.start_server);
  if (!detail.empty()) message += fmt::format(" ({})", detail);
  return message;
}

std::string http_error_message(const ServerAdvice& advice, int status, const std::string& model,
                               const std::string& server_text) {
  const std::string text = lower(server_text);
  const bool names_missing_model =
      text.find("model") != std::string::npos && (text.find("not found") != std::string::npos ||
                                                  text.find("does not exist") != std::string::npos);
  if (status == 404 && names_missing_model) {
    if (advice.kind == "ollama") {
      return fmt::format(
          "model {} not found on the server: run `ollama pull {}` (the server says: {})", model,
          model, server_text);
    }
    return fmt::format(
        "model {} not found on the server: check the model name against `chimera doctor` "
        "(the server says: {})",
        model, server_text);
  }
  return fmt::format("HTTP {} from server: {}", status, server_text);
}

std::string redirect_message(int status, const std::string& location) {
  if (location.empty()) {
    return fmt::format("HTTP {} from server: a redirect without a Location header, not followed",
                       status);
  }
  return fmt::format(
      "HTTP {} from server: redirect to {} not followed (Chimera measures the server it is "
      "given; point --endpoint at the one that answers)",
      status,
      one_line(location.find("://") != std::string::npos ? redact_url(location) : location, 2000));
}

std::string utc_now_iso8601() {
  // Every request is stamped; the date and time are formatted once a second.
  thread_local std::time_t formatted_second = -1;
  thread_local char formatted[32] = {};
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  if (seconds != formatted_second) {
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::strftime(formatted, sizeof formatted, "%Y-%m-%dT%H:%M:%S", &tm);
    formatted_second = seconds;
  }
  return fmt::format("{}.{:03}Z", formatted, millis);
}

GenerationHandler::GenerationHandler(
    measure::RequestResult identity, std::unique_ptr<StreamDecoder> decoder, Timeouts timeouts,
    ServerAdvice advice, double cold_threshold_ms, std::function<void(measure::RequestResult)> done,
    std::function<void(int, const std::map<std::string, std::string>&)> on_response_headers,
    std::vector<std::string> secrets)
    : result_(std::move(identity)),
      decoder_(std::move(decoder)),
      timeouts_(timeouts),
      advice_(std::move(advice)),
      cold_threshold_ms_(cold_threshold_ms),
      done_(std::move(done)),
      on_response_headers_(std::move(on_response_headers)),
      secrets_(std::move(secrets)) {}

void GenerationHandler::on_headers(int status, const std::map<std::string, std::string>& headers) {
  status_ = status;
  if (auto it = headers.find("content-type"); it != headers.end()) {
    content_type_ = lower(it->second.substr(0, it->second.find(';')));
    while (!content_type_.empty() && content_type_.back() == ' ') content_type_.pop_back();
  }
  if (auto it = headers.find("location"); it != headers.end()) location_ = it->second;
  not_a_stream_ = status < 400 && is_document_type(advice_.kind, content_type_);
  if (on_response_headers_) on_response_headers_(status, headers);
}

http::BodyAction GenerationHandler::on_body(std::string_view bytes, http::Clock::time_point at) {
  if (!first_byte_at_) first_byte_at_ = at;
  last_byte_at_ = at;
  if (head_.size() < kHeadShown) head_.append(bytes.substr(0, kHeadShown - head_.size()));
  if (status_ >= 300 || not_a_stream_) {
    // Enough of an error page is kept to quote it; the rest is not read.
    error_body_.append(bytes.substr(0, kMaxErrorBody - error_body_.size()));
    return error_body_.size() >= kMaxErrorBody ? http::BodyAction::kStop
                                               : http::BodyAction::kContinue;
  }
  return decoder_->feed(bytes, at);
}

void GenerationHandler::on_complete(const http::TransferOutcome& outcome) {
  const bool clean_end = outcome.end == http::TransferEnd::kOk;
  if (clean_end && status_ < 400 && !not_a_stream_) decoder_->finish(outcome.finished_at);
  auto& state = decoder_->state();

  measure::Timeline timeline;
  timeline.text_chunk_ms.reserve(state.text_chunk_at.size());
  for (const auto at : state.text_chunk_at)
    timeline.text_chunk_ms.push_back(ms_between(outcome.t0, at));
  if (first_byte_at_) {
    timeline.first_byte_ms = ms_between(outcome.t0, *first_byte_at_);
    timeline.last_byte_ms = ms_between(outcome.t0, last_byte_at_);
  }
  result_.t0_steady_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(outcome.t0.time_since_epoch()).count();
  result_.http_status = outcome.http_status;
  result_.server = std::move(state.server);
  result_.text = std::move(state.text);
  result_.status = measure::Status::kOk;
  explain_failure(outcome);
  // A server may echo a key or header value back: never store or print it.
  if (!secrets_.empty()) result_.error_message = util::redact(result_.error_message, secrets_);
  measure::finalize(result_, timeline, measure::FinalizeOptions{cold_threshold_ms_});
  done_(std::move(result_));
}

// The first matching reason wins: what the user did, then what the network
// did, then what the server said.
void GenerationHandler::explain_failure(const http::TransferOutcome& outcome) {
  if (explain_transport(outcome)) return;
  if (explain_answer()) return;
  using http::TransferEnd;
  const auto& state = decoder_->state();
  const auto chunks = state.text_chunk_at.size();
  switch (outcome.end) {
    case TransferEnd::kConnectionLost:
      measure::set_error(
          result_, "truncated",
          status_ == 0
              ? fmt::format("the server closed the connection without answering ({})",
                            outcome.message)
              : fmt::format("the connection was lost mid-stream after {} text chunks, before the "
                            "server's final statistics ({})",
                            chunks, outcome.message));
      return;
    case TransferEnd::kOk:
      if (state.finished) return;
      if (state.chunks == 0 && !head_.empty()) {
        measure::set_error(result_, "truncated",
                           fmt::format("the server answered {} but sent no stream chunk it could "
                                       "read; the body began: '{}'",
                                       status_, one_line(head_, kHeadShown)));
        return;
      }
      measure::set_error(result_, "truncated",
                         fmt::format("the stream ended after {} text chunks without the "
                                     "server's final statistics",
                                     chunks));
      return;
    default:
      measure::set_error(result_, "transport", fmt::format("transfer failed: {}", outcome.message));
      return;
  }
}

// What the server said: an error status, a document instead of a stream, or
// an error inside the stream. True when one of them explains the result.
bool GenerationHandler::explain_answer() {
  if (status_ >= 300 && status_ < 400) {
    measure::set_error(result_, "http", redirect_message(status_, location_), status_);
    return true;
  }
  if (status_ >= 400) {
    measure::set_error(
        result_, "http",
        http_error_message(advice_, status_, result_.model, server_message(error_body_)), status_);
    return true;
  }
  if (not_a_stream_) {
    measure::set_error(
        result_, "malformed",
        fmt::format("server answered {} with {}, not {}: '{}'", status_, content_type_,
                    advice_.kind == "openai" ? "an event stream" : "an NDJSON stream",
                    one_line(head_, kHeadShown)));
    return true;
  }
  const auto& state = decoder_->state();
  if (state.error_kind.empty()) return false;
  measure::set_error(result_, state.error_kind, state.error_message);
  return true;
}

// Limits, cancellation and connection failures. True when one of them ended the transfer.
bool GenerationHandler::explain_transport(const http::TransferOutcome& outcome) {
  using http::TransferEnd;
  const auto chunks = decoder_->state().text_chunk_at.size();
  const std::string& url = result_.endpoint;
  switch (outcome.end) {
    case TransferEnd::kCancelled:
      measure::set_error(result_, "cancelled", "cancelled before the answer was complete");
      return true;
    case TransferEnd::kConnectTimeout:
      measure::set_error(result_, "timeout",
                         fmt::format("connect timeout: no connection to {} within {} ms; is the "
                                     "server reachable? {}",
                                     url, timeouts_.connect_ms, advice_.start_server));
      return true;
    case TransferEnd::kFirstTokenTimeout:
      measure::set_error(result_, "timeout",
                         fmt::format("first-token timeout: no generated text within {} ms (the "
                                     "model may still be loading, or the server is overloaded)",
                                     timeouts_.first_token_ms));
      return true;
    case TransferEnd::kIdleTimeout:
      measure::set_error(result_, "timeout",
                         fmt::format("idle timeout: the stream stalled for {} ms after {} text "
                                     "chunks",
                                     timeouts_.idle_ms, chunks));
      return true;
    case TransferEnd::kTotalTimeout:
      measure::set_error(
          result_, "timeout",
          fmt::format("total timeout: the request took longer than {} ms", timeouts_.total_ms));
      return true;
    case TransferEnd::kConnectFailed:
      measure::set_error(result_, "connect", connect_message(advice_, url, outcome.message));
      return true;
    default:
      return false;
  }
}

}  // namespace chimera::backends
