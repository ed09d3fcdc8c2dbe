#pragma once
// The bridge between one HTTP transfer and one measure::RequestResult: feeds
// the body to a stream decoder, then turns the transfer's outcome into a
// result with a reason a person understands. Shared by both backends.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chimera/backends/backend.hpp"
#include "chimera/backends/stream_decoder.hpp"
#include "chimera/http/client.hpp"

namespace chimera::backends {

// Advice that differs between server kinds.
struct ServerAdvice {
  std::string kind;          // "ollama" | "openai"
  std::string start_server;  // how to start it, for "could not connect"
};
ServerAdvice advice_for(const std::string& kind);

// The server's own words from an error body: {"error":"..."},
// {"error":{"message":"..."}}, {"message":...}, {"detail":...} or the text,
// always valid UTF-8 and at most 300 bytes of plain text.
std::string server_message(const std::string& body);
// "could not connect to URL: is the server running? ..."
std::string connect_message(const ServerAdvice& advice, const std::string& url,
                            const std::string& detail);
// The message for an HTTP error status; a 404 that names a model suggests a pull.
std::string http_error_message(const ServerAdvice& advice, int status, const std::string& model,
                               const std::string& server_text);

class GenerationHandler final : public http::StreamHandler {
 public:
  GenerationHandler(
      measure::RequestResult identity, std::unique_ptr<StreamDecoder> decoder, Timeouts timeouts,
      ServerAdvice advice, double cold_threshold_ms,
      std::function<void(measure::RequestResult)> done,
      std::function<void(int, const std::map<std::string, std::string>&)> on_response_headers = {},
      std::vector<std::string> secrets = {});

  void on_headers(int status, const std::map<std::string, std::string>& headers) override;
  http::BodyAction on_body(std::string_view bytes, http::Clock::time_point at) override;
  void on_complete(const http::TransferOutcome& outcome) override;

 private:
  void explain_failure(const http::TransferOutcome& outcome);
  bool explain_transport(const http::TransferOutcome& outcome);
  bool explain_answer();

  measure::RequestResult result_;
  std::unique_ptr<StreamDecoder> decoder_;
  Timeouts timeouts_;
  ServerAdvice advice_;
  double cold_threshold_ms_;
  std::function<void(measure::RequestResult)> done_;
  std::function<void(int, const std::map<std::string, std::string>&)> on_response_headers_;
  std::vector<std::string> secrets_;  // request header values, redacted from messages
  int status_ = 0;
  std::string content_type_;   // lower case, without parameters
  std::string location_;       // a redirect's target (Location header), never followed
  bool not_a_stream_ = false;  // a 2xx answer whose content type is no stream
  std::string error_body_;     // the body of an HTTP error or non-stream response
  std::string head_;           // the first bytes of any body, for messages
  std::optional<http::Clock::time_point> first_byte_at_;
  http::Clock::time_point last_byte_at_;
};

// A 3xx answer: redirects are never followed (a benchmark measures the server
// it was given), so the message names the status and where it pointed.
std::string redirect_message(int status, const std::string& location);

// UTC "YYYY-MM-DDTHH:MM:SS.mmmZ" for RequestResult::started_at.
std::string utc_now_iso8601();

}  // namespace chimera::backends
