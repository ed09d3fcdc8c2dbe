// Prompt files (JSONL): one request per line, bad lines reported by number.

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <variant>

#include "chimera/load/workload.hpp"

namespace chimera::load {
namespace {

using nlohmann::json;

// The record of one non-blank line, or a sentence saying what is wrong with it.
std::variant<PromptRecord, std::string> parse_line(std::string_view line) {
  const json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded()) return std::string("not valid JSON");
  if (!doc.is_object())
    return std::string("expected a JSON object with \"prompt\" or \"messages\"");
  PromptRecord r;
  const bool has_prompt = doc.contains("prompt");
  const bool has_messages = doc.contains("messages");
  if (has_prompt == has_messages)
    return std::string("give exactly one of \"prompt\" and \"messages\"");
  if (has_prompt) {
    if (!doc["prompt"].is_string() || doc["prompt"].get<std::string>().empty())
      return std::string("\"prompt\" must be a non-empty string");
    r.prompt = doc["prompt"].get<std::string>();
  } else {
    const json& messages = doc["messages"];
    if (!messages.is_array() || messages.empty())
      return std::string("\"messages\" must be a non-empty array of {\"role\", \"content\"}");
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const json& m = messages[i];
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() ||
          !m.contains("content") || !m["content"].is_string()) {
        return fmt::format("messages[{}] must be {{\"role\": string, \"content\": string}}", i);
      }
      const auto role = m["role"].get<std::string>();
      if (role != "system" && role != "user" && role != "assistant")
        return fmt::format("messages[{}]: role '{}' is not system, user or assistant", i, role);
      r.messages.push_back({role, m["content"].get<std::string>()});
    }
  }
  if (doc.contains("max_tokens")) {
    const json& mt = doc["max_tokens"];
    if (!mt.is_number_integer() || mt.get<std::int64_t>() < 1)
      return std::string("\"max_tokens\" must be a positive integer");
    r.max_tokens = mt.get<std::int64_t>();
  }
  return r;
}

}  // namespace

PromptFile parse_prompt_jsonl(std::string_view text) {
  PromptFile file;
  std::size_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto parsed = parse_line(line);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      file.errors.push_back({number, std::move(*error)});
    } else {
      auto& record = std::get<PromptRecord>(parsed);
      record.line = number;
      file.records.push_back(std::move(record));
    }
  }
  return file;
}

std::string describe_errors(const std::string& file, const std::vector<LineError>& errors,
                            std::size_t limit) {
  std::string out = file + ":";
  for (std::size_t i = 0; i < errors.size() && i < limit; ++i) {
    out += fmt::format("{} line {}: {}", i == 0 ? "" : ";", errors[i].line, errors[i].message);
  }
  if (errors.size() > limit) out += fmt::format("; and {} more bad lines", errors.size() - limit);
  return out;
}

Expected<PromptFile> read_prompt_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(FailureKind::kIo,
                fmt::format("could not read prompt file '{}': check the path and permissions",
                            path.string()));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  PromptFile file = parse_prompt_jsonl(buffer.str());
  if (file.records.empty()) {
    if (file.errors.empty()) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("prompt file '{}' has no prompts: write one JSON object per line, "
                              "{{\"prompt\": \"...\"}} or {{\"messages\": [...]}}",
                              path.string()));
    }
    return fail(FailureKind::kInvalidInput,
                fmt::format("no usable line in {}", describe_errors(path.string(), file.errors)));
  }
  return file;
}

}  // namespace chimera::load
