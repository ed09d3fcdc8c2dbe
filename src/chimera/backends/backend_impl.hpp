#pragma once
// What the Ollama and OpenAI backends share: submit() builds the wire request,
// attaches a decoder and hands both to the HTTP loop. Not part of the public API.

#include <atomic>

#include "chimera/backends/backend.hpp"
#include "chimera/backends/generation.hpp"
#include "chimera/backends/stream_decoder.hpp"

namespace chimera::backends {

class StreamingBackend : public Backend {
 public:
  StreamingBackend(std::string url, std::shared_ptr<http::Client> client, ServerAdvice advice,
                   double cold_threshold_ms);
  std::string endpoint() const override;
  void submit(GenerationRequest request, std::function<void(measure::RequestResult)> done) override;

 protected:
  virtual std::string default_api() const = 0;
  virtual Expected<http::HttpRequest> build(const GenerationRequest& request) const = 0;
  virtual std::unique_ptr<StreamDecoder> decoder() const = 0;

  std::string url_;  // normalised base URL, may hold credentials; never shown
  std::shared_ptr<http::Client> client_;
  ServerAdvice advice_;
  double cold_threshold_ms_;
};

std::unique_ptr<Backend> make_ollama_backend(std::string url, std::shared_ptr<http::Client> client,
                                             double cold_threshold_ms);
std::unique_ptr<Backend> make_openai_backend(std::string url, std::optional<std::string> api_key,
                                             std::shared_ptr<http::Client> client,
                                             double cold_threshold_ms);

}  // namespace chimera::backends
