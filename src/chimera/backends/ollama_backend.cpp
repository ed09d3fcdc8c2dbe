// Ollama: POST /api/generate and /api/chat streamed as NDJSON; /api/version,
// /api/tags, /api/show; unload with keep_alive 0.

#include <fmt/format.h>

#include <cstdlib>

#include "chimera/backends/backend_impl.hpp"
#include "chimera/backends/json_api.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::backends {
namespace {

// "5m" stays a duration string; "0" or "-1" are sent as numbers, as Ollama
// reads a bare number as seconds.
nlohmann::json keep_alive_value(const std::string& text) {
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (!text.empty() && end != nullptr && *end == '\0') {
    if (number == static_cast<double>(static_cast<long long>(number))) {
      return static_cast<long long>(number);
    }
    return number;
  }
  return text;
}

nlohmann::json chat_messages(const GenerationRequest& request) {
  auto messages = nlohmann::json::array();
  if (!request.system.empty())
    messages.push_back({{"role", "system"}, {"content", request.system}});
  for (const auto& m : request.messages)
    messages.push_back({{"role", m.role}, {"content", m.content}});
  if (request.messages.empty()) messages.push_back({{"role", "user"}, {"content", request.prompt}});
  return messages;
}

std::optional<int> block_count(const nlohmann::json& model_info) {
  if (!model_info.is_object()) return std::nullopt;
  if (auto arch = model_info.find("general.architecture");
      arch != model_info.end() && arch->is_string()) {
    auto it = model_info.find(arch->get<std::string>() + ".block_count");
    if (it != model_info.end() && it->is_number()) return it->get<int>();
  }
  for (const auto& [key, value] : model_info.items()) {
    if (key.ends_with(".block_count") && value.is_number()) return value.get<int>();
  }
  return std::nullopt;
}

void read_details(const nlohmann::json& details, ModelInfo& info) {
  if (!details.is_object()) return;
  info.family = details.value("family", "");
  info.parameter_size = details.value("parameter_size", "");
  info.quantization = details.value("quantization_level", "");
}

class OllamaBackend final : public StreamingBackend {
 public:
  using StreamingBackend::StreamingBackend;
  std::string kind() const override { return "ollama"; }

  Expected<ServerInfo> server_info() override {
    ServerInfo info;
    auto version = call_json(get(url_ + "/api/version"), advice_);
    if (!version) return std::unexpected(version.error());
    info.version = version->value("version", "");
    info.simulator = simulator_version(*version);
    auto tags = call_json(get(url_ + "/api/tags"), advice_);
    if (!tags) return std::unexpected(tags.error());
    for (const auto& m : tags->value("models", nlohmann::json::array())) {
      ModelInfo model;
      model.name = m.value("name", m.value("model", ""));
      model.size_bytes = m.value("size", std::int64_t{0});
      if (auto it = m.find("details"); it != m.end()) read_details(*it, model);
      info.models.push_back(std::move(model));
    }
    return info;
  }

  Expected<ModelInfo> show(const std::string& model) override {
    auto json = call_json(post(url_ + "/api/show", {{"model", model}}, model), advice_);
    if (!json) return std::unexpected(json.error());
    ModelInfo info;
    info.name = model;
    if (auto it = json->find("details"); it != json->end()) read_details(*it, info);
    if (auto it = json->find("model_info"); it != json->end()) info.layers = block_count(*it);
    return info;
  }

  Expected<void> unload(const std::string& model) override {
    auto json = call_json(
        post(url_ + "/api/generate",
             {{"model", model}, {"prompt", ""}, {"keep_alive", 0}, {"stream", false}}, model),
        advice_);
    if (!json) return std::unexpected(json.error());
    return {};
  }

 protected:
  std::string default_api() const override { return "generate"; }

  // The body is written field by field: a load test builds one per request,
  // and an nlohmann::json object first costs more than the rest of submit().
  Expected<http::HttpRequest> build(const GenerationRequest& request) const override {
    std::string body;
    JsonObjectWriter j(body);
    j.text("model", request.model);
    j.boolean("stream", true);
    if (request.api == "generate") {
      j.text("prompt", request.prompt);
      if (!request.system.empty()) j.text("system", request.system);
    } else if (request.api == "chat") {
      j.json("messages", chat_messages(request));
    } else {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("unknown Ollama api '{}': use generate or chat", request.api));
    }
    if (!request.options.empty()) j.json("options", request.options);
    if (request.keep_alive) j.json("keep_alive", keep_alive_value(*request.keep_alive));
    j.close();
    http::HttpRequest http_request;
    http_request.method = "POST";
    http_request.url = url_ + "/api/" + request.api;
    http_request.body = std::move(body);
    http_request.headers.push_back("Content-Type: application/json");
    return http_request;
  }

  std::unique_ptr<StreamDecoder> decoder(std::size_t max_line_bytes) const override {
    return make_ollama_decoder(max_line_bytes);
  }
};

}  // namespace

std::unique_ptr<Backend> make_ollama_backend(std::string url, std::shared_ptr<http::Client> client,
                                             const BackendOptions& options) {
  return std::make_unique<OllamaBackend>(std::move(url), std::move(client), advice_for("ollama"),
                                         options);
}

}  // namespace chimera::backends
