#include "chimera/sim/wire.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "chimera/sim/timing.hpp"

namespace chimera::sim {
namespace {

void append_metric(std::string& out, const char* key, std::int64_t value) {
  // Ollama's metrics are `omitempty`: a zero is left out, not written.
  if (value != 0) fmt::format_to(std::back_inserter(out), ",\"{}\":{}", key, value);
}

}  // namespace

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  auto fraction = fmt::format("{:09}", ns % 1'000'000'000);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) out += "." + fraction;
  out += "Z";
  return out;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_http_chunk(std::string& out, std::string_view payload) {
  fmt::format_to(std::back_inserter(out), "{:x}\r\n", payload.size());
  out += payload;
  out += "\r\n";
}

void append_ollama_token(std::string& out, Api api, std::string_view model,
                         std::string_view created_at, std::string_view token) {
  out += "{\"model\":";
  append_json_string(out, model);
  out += ",\"created_at\":\"";
  out += created_at;
  if (api == Api::kChat) {
    out += "\",\"message\":{\"role\":\"assistant\",\"content\":";
    append_json_string(out, token);
    out += "},\"done\":false}\n";
  } else {
    out += "\",\"response\":";
    append_json_string(out, token);
    out += ",\"done\":false}\n";
  }
}

void append_ollama_final(std::string& out, Api api, const OllamaFinal& f) {
  out += "{\"model\":";
  append_json_string(out, f.model);
  out += ",\"created_at\":\"";
  out += f.created_at;
  out += '"';
  if (api == Api::kChat) {
    out += ",\"message\":{\"role\":\"assistant\",\"content\":";
    append_json_string(out, f.text);
    out += "},\"done_reason\":";
    append_json_string(out, f.done_reason);
    out += ",\"done\":true";
  } else {
    out += ",\"response\":";
    append_json_string(out, f.text);
    out += ",\"done\":true,\"done_reason\":";
    append_json_string(out, f.done_reason);
    if (f.with_context) {
      // Token ids of prompt + answer, as Ollama returns for the next turn.
      out += ",\"context\":[";
      const auto count = f.stats.prompt_eval_count + f.stats.eval_count;
      for (std::int64_t i = 0; i < count; ++i) {
        if (i > 0) out += ',';
        fmt::format_to(std::back_inserter(out), "{}",
                       mix64(f.context_seed + static_cast<std::uint64_t>(i)) % 256000);
      }
      out += ']';
    }
  }
  append_metric(out, "total_duration", f.stats.total_ns);
  append_metric(out, "load_duration", f.stats.load_ns);
  append_metric(out, "prompt_eval_count", f.stats.prompt_eval_count);
  append_metric(out, "prompt_eval_duration", f.stats.prompt_eval_ns);
  append_metric(out, "eval_count", f.stats.eval_count);
  append_metric(out, "eval_duration", f.stats.eval_ns);
  out += "}\n";
}

std::string ollama_error(std::string_view message) {
  std::string out = "{\"error\":";
  append_json_string(out, message);
  out += "}";
  return out;
}

void append_sse(std::string& out, std::string_view json) {
  out += "data: ";
  out += json;
  out += "\n\n";
}

namespace {

std::string chunk_head(Api api, const OpenAiIds& ids) {
  std::string out = "{\"id\":";
  append_json_string(out, ids.id);
  out += api == Api::kChatCompletions ? ",\"object\":\"chat.completion.chunk\""
                                      : ",\"object\":\"text_completion\"";
  fmt::format_to(std::back_inserter(out), ",\"created\":{},\"model\":", ids.created);
  append_json_string(out, ids.model);
  out += ",\"system_fingerprint\":\"fp_chimera_sim\"";
  return out;
}

}  // namespace

std::string openai_chunk(Api api, const OpenAiIds& ids, std::string_view token, bool role_chunk,
                         bool usage_null) {
  std::string out = chunk_head(api, ids);
  if (api == Api::kChatCompletions) {
    out += ",\"choices\":[{\"index\":0,\"delta\":{";
    if (role_chunk) out += "\"role\":\"assistant\",";
    out += "\"content\":";
    append_json_string(out, token);
    out += "},\"logprobs\":null,\"finish_reason\":null}]";
  } else {
    out += ",\"choices\":[{\"text\":";
    append_json_string(out, token);
    out += ",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]";
  }
  if (usage_null) out += ",\"usage\":null";
  out += '}';
  return out;
}

std::string openai_finish_chunk(Api api, const OpenAiIds& ids, std::string_view finish_reason,
                                bool usage_null) {
  std::string out = chunk_head(api, ids);
  if (api == Api::kChatCompletions) {
    out += ",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":";
  } else {
    out += ",\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":";
  }
  append_json_string(out, finish_reason);
  out += "}]";
  if (usage_null) out += ",\"usage\":null";
  out += '}';
  return out;
}

std::string openai_usage_chunk(Api api, const OpenAiIds& ids, std::int64_t prompt_tokens,
                               std::int64_t completion_tokens) {
  std::string out = chunk_head(api, ids);
  fmt::format_to(std::back_inserter(out),
                 ",\"choices\":[],\"usage\":{{\"prompt_tokens\":{},\"completion_tokens\":{},"
                 "\"total_tokens\":{}}}}}",
                 prompt_tokens, completion_tokens, prompt_tokens + completion_tokens);
  return out;
}

std::string openai_response(Api api, const OpenAiIds& ids, std::string_view text,
                            std::string_view finish_reason, std::int64_t prompt_tokens,
                            std::int64_t completion_tokens) {
  std::string out = "{\"id\":";
  append_json_string(out, ids.id);
  out += api == Api::kChatCompletions ? ",\"object\":\"chat.completion\""
                                      : ",\"object\":\"text_completion\"";
  fmt::format_to(std::back_inserter(out), ",\"created\":{},\"model\":", ids.created);
  append_json_string(out, ids.model);
  out += ",\"system_fingerprint\":\"fp_chimera_sim\"";
  if (api == Api::kChatCompletions) {
    out += ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
    append_json_string(out, text);
    out += "},\"logprobs\":null,\"finish_reason\":";
  } else {
    out += ",\"choices\":[{\"text\":";
    append_json_string(out, text);
    out += ",\"index\":0,\"logprobs\":null,\"finish_reason\":";
  }
  append_json_string(out, finish_reason);
  fmt::format_to(std::back_inserter(out),
                 "}}],\"usage\":{{\"prompt_tokens\":{},\"completion_tokens\":{},"
                 "\"total_tokens\":{}}}}}",
                 prompt_tokens, completion_tokens, prompt_tokens + completion_tokens);
  return out;
}

std::string openai_error(std::string_view message, std::string_view type, std::string_view code) {
  std::string out = "{\"error\":{\"message\":";
  append_json_string(out, message);
  out += ",\"type\":";
  append_json_string(out, type);
  out += ",\"param\":null,\"code\":";
  if (code.empty()) {
    out += "null";
  } else {
    append_json_string(out, code);
  }
  out += "}}";
  return out;
}

}  // namespace chimera::sim
