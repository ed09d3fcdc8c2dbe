// OpenAI-compatible servers: POST /chat/completions and /completions streamed
// as SSE with usage; GET /models. The base URL includes /v1.

#include <fmt/format.h>

#include <cstdlib>

#include "chimera/backends/backend_impl.hpp"
#include "chimera/backends/json_api.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::backends {
namespace {

// Options with an OpenAI name of their own; everything else is passed as an
// extra body field, which llama-server and vLLM read (top_k, repeat_penalty...).
void map_options(const nlohmann::json& options, nlohmann::json& body) {
  if (!options.is_object()) return;
  for (const auto& [key, value] : options.items()) {
    if (key == "num_predict") {
      body["max_tokens"] = value;
    } else if (key == "stop" && value.is_string()) {
      body["stop"] = nlohmann::json::array({value});
    } else {
      body[key] = value;
    }
  }
}

class OpenAiBackend final : public StreamingBackend {
 public:
  OpenAiBackend(std::string url, std::optional<std::string> api_key,
                std::shared_ptr<http::Client> client, const BackendOptions& options)
      : StreamingBackend(std::move(url), std::move(client), advice_for("openai"), options),
        api_key_(std::move(api_key)) {}

  std::string kind() const override { return "openai"; }

  Expected<ServerInfo> server_info() override {
    auto json = call_json(get(url_ + "/models", auth_headers()), advice_);
    if (!json) return std::unexpected(json.error());
    ServerInfo info;
    info.simulator = simulator_version(*json);
    for (const auto& m : json->value("data", nlohmann::json::array())) {
      ModelInfo model;
      model.name = m.value("id", "");
      info.models.push_back(std::move(model));
    }
    return info;
  }

  Expected<ModelInfo> show(const std::string& model) override {
    auto info = server_info();
    if (!info) return std::unexpected(info.error());
    for (auto& m : info->models) {
      if (m.name == model) return m;
    }
    return fail(FailureKind::kNotFound,
                fmt::format("model {} not found on the server: it serves {} model(s); check the "
                            "name against `chimera doctor`",
                            model, info->models.size()));
  }

  Expected<void> unload(const std::string& model) override {
    return fail(FailureKind::kInvalidInput,
                fmt::format("cannot unload {}: OpenAI-compatible servers have no unload call, so "
                            "cold runs need a server restart",
                            model));
  }

 protected:
  std::string default_api() const override { return "chat_completions"; }

  Expected<http::HttpRequest> build(const GenerationRequest& request) const override {
    nlohmann::json body{
        {"model", request.model}, {"stream", true}, {"stream_options", {{"include_usage", true}}}};
    std::string path;
    if (request.api == "chat_completions") {
      path = "/chat/completions";
      auto messages = nlohmann::json::array();
      if (!request.system.empty())
        messages.push_back({{"role", "system"}, {"content", request.system}});
      for (const auto& m : request.messages)
        messages.push_back({{"role", m.role}, {"content", m.content}});
      if (request.messages.empty())
        messages.push_back({{"role", "user"}, {"content", request.prompt}});
      body["messages"] = std::move(messages);
    } else if (request.api == "completions") {
      path = "/completions";
      body["prompt"] =
          request.system.empty() ? request.prompt : request.system + "\n\n" + request.prompt;
    } else {
      return fail(
          FailureKind::kInvalidInput,
          fmt::format("unknown OpenAI api '{}': use chat_completions or completions", request.api));
    }
    map_options(request.options, body);
    http::HttpRequest http_request;
    http_request.method = "POST";
    http_request.url = url_ + path;
    http_request.body = dump_json(body);
    http_request.headers = auth_headers();
    http_request.headers.push_back("Content-Type: application/json");
    http_request.headers.push_back("Accept: text/event-stream");
    return http_request;
  }

  std::unique_ptr<StreamDecoder> decoder(std::size_t max_event_bytes) const override {
    return make_openai_decoder(max_event_bytes);
  }

 private:
  std::vector<std::string> auth_headers() const {
    std::string key;
    if (api_key_) {
      key = *api_key_;
    } else if (const char* env = std::getenv("OPENAI_API_KEY"); env != nullptr) {
      key = env;
    }
    if (key.empty()) return {};
    return {"Authorization: Bearer " + key};
  }

  std::optional<std::string> api_key_;
};

}  // namespace

std::unique_ptr<Backend> make_openai_backend(std::string url, std::optional<std::string> api_key,
                                             std::shared_ptr<http::Client> client,
                                             const BackendOptions& options) {
  return std::make_unique<OpenAiBackend>(std::move(url), std::move(api_key), std::move(client),
                                         options);
}

}  // namespace chimera::backends
