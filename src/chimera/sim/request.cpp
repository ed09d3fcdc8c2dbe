#include "chimera/sim/request.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "chimera/sim/timing.hpp"

namespace chimera::sim {
namespace {

using nlohmann::json;

std::optional<std::int64_t> integer_field(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::string message_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  // OpenAI content parts: [{"type":"text","text":"..."}].
  std::string text;
  if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        text += part["text"].get<std::string>();
      }
    }
  }
  return text;
}

std::string render_messages(const json& messages) {
  std::string text;
  if (!messages.is_array()) return text;
  for (const auto& m : messages) {
    if (!m.is_object()) continue;
    text += m.value("role", std::string("user"));
    text += ": ";
    if (m.contains("content")) text += message_text(m["content"]);
    text += "\n";
  }
  return text;
}

}  // namespace

const char* to_string(Api api) {
  switch (api) {
    case Api::kGenerate:
      return "generate";
    case Api::kChat:
      return "chat";
    case Api::kChatCompletions:
      return "chat_completions";
    case Api::kCompletions:
      return "completions";
  }
  return "generate";
}

namespace {

// Ollama's fields: options, keep_alive, and prompt/system or messages.
Expected<void> read_ollama_fields(const json& doc, GenerationRequest& req) {
  const json options = doc.value("options", json::object());
  if (auto n = integer_field(options, "num_predict"); n && *n >= 0) req.max_tokens = *n;
  if (auto s = integer_field(options, "seed")) req.seed = static_cast<std::uint64_t>(*s);
  req.load_options.num_ctx = integer_field(options, "num_ctx");
  req.load_options.num_gpu = integer_field(options, "num_gpu");
  if (doc.contains("keep_alive")) {
    const auto& ka = doc["keep_alive"];
    if (ka.is_number()) {
      req.keep_alive_s = ka.get<double>();
    } else if (ka.is_string()) {
      req.keep_alive_s = parse_keep_alive_seconds(ka.get<std::string>());
      if (!req.keep_alive_s) {
        return fail(FailureKind::kInvalidInput,
                    fmt::format("time: invalid duration \"{}\"", ka.get<std::string>()));
      }
    }
  }
  if (req.api == Api::kGenerate) {
    req.prompt_text = doc.value("system", std::string());
    req.prompt_text += doc.value("prompt", std::string());
    req.load_only = doc.value("prompt", std::string()).empty();
  } else {
    const json messages = doc.value("messages", json::array());
    req.prompt_text = render_messages(messages);
    req.load_only = !messages.is_array() || messages.empty();
  }
  return {};
}

// The OpenAI fields: token limits, seed, stream_options, and messages or prompt.
Expected<void> read_openai_fields(const json& doc, GenerationRequest& req) {
  if (auto n = integer_field(doc, "max_completion_tokens")) req.max_tokens = *n;
  if (auto n = integer_field(doc, "max_tokens")) req.max_tokens = *n;
  if (auto s = integer_field(doc, "seed")) req.seed = static_cast<std::uint64_t>(*s);
  if (doc.contains("stream_options") && doc["stream_options"].is_object()) {
    req.include_usage = doc["stream_options"].value("include_usage", false);
  }
  if (req.api == Api::kChatCompletions) {
    if (!doc.contains("messages") || !doc["messages"].is_array()) {
      return fail(FailureKind::kInvalidInput, "'messages' is a required property");
    }
    req.prompt_text = render_messages(doc["messages"]);
    return {};
  }
  const json prompt = doc.value("prompt", json(""));
  if (prompt.is_string()) {
    req.prompt_text = prompt.get<std::string>();
  } else if (prompt.is_array()) {
    for (const auto& p : prompt) {
      if (p.is_string()) req.prompt_text += p.get<std::string>();
    }
  }
  return {};
}

}  // namespace

Expected<GenerationRequest> parse_generation_request(Api api, std::string_view body) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(FailureKind::kInvalidInput, "invalid JSON in request body");
  }
  GenerationRequest req;
  req.api = api;
  if (!doc.contains("model") || !doc["model"].is_string() ||
      doc["model"].get<std::string>().empty()) {
    return fail(FailureKind::kInvalidInput, "model is required");
  }
  req.model = doc["model"].get<std::string>();
  req.stream = doc.value("stream", is_ollama(api));
  auto fields = is_ollama(api) ? read_ollama_fields(doc, req) : read_openai_fields(doc, req);
  if (!fields) return std::unexpected(fields.error());
  req.prompt_tokens = estimate_prompt_tokens(req.prompt_text.size());
  return req;
}

}  // namespace chimera::sim
