#pragma once
// What the Ollama and OpenAI backends share: submit() builds the wire request,
// attaches a decoder and hands both to the HTTP loop. Not part of the public API.

#include <atomic>

#include "chimera/backends/backend.hpp"
#include "chimera/backends/generation.hpp"
#include "chimera/backends/json_api.hpp"
#include "chimera/backends/stream_decoder.hpp"

namespace chimera::backends {

class StreamingBackend : public Backend {
 public:
  StreamingBackend(std::string url, std::shared_ptr<http::Client> client, ServerAdvice advice,
                   const BackendOptions& options);
  std::string endpoint() const override;
  void submit(GenerationRequest request, std::function<void(measure::RequestResult)> done) override;

 protected:
  virtual std::string default_api() const = 0;
  virtual Expected<http::HttpRequest> build(const GenerationRequest& request) const = 0;
  virtual std::unique_ptr<StreamDecoder> decoder(std::size_t max_line_bytes) const = 0;
  // The small blocking calls, with this backend's limits.
  JsonCall get(std::string url, std::vector<std::string> headers = {}) const;
  JsonCall post(std::string url, nlohmann::json body, std::string model) const;

  std::string url_;  // normalised base URL, may hold credentials; never shown
  std::shared_ptr<http::Client> client_;
  ServerAdvice advice_;
  double cold_threshold_ms_;
  Timeouts call_timeouts_;
  std::size_t max_line_bytes_;
  std::string endpoint_;  // url_ without credentials, as every result names it
};

std::unique_ptr<Backend> make_ollama_backend(std::string url, std::shared_ptr<http::Client> client,
                                             const BackendOptions& options);
std::unique_ptr<Backend> make_openai_backend(std::string url, std::optional<std::string> api_key,
                                             std::shared_ptr<http::Client> client,
                                             const BackendOptions& options);

}  // namespace chimera::backends
