#include "chimera/sim/catalog.hpp"

#include <fmt/format.h>

#include <ctime>

#include "chimera/sim/timing.hpp"
#include "chimera/sim/wire.hpp"

namespace chimera::sim {
namespace {

using nlohmann::json;

// A stable sha256-looking digest, so clients that show digests have one.
std::string digest_of(const std::string& name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  std::string hex;
  for (int i = 0; i < 4; ++i) hex += fmt::format("{:016x}", mix64(h + static_cast<unsigned>(i)));
  return hex;
}

json details(const ModelSpec& m) {
  return json{{"parent_model", ""},
              {"format", "gguf"},
              {"family", m.family},
              {"families", json::array({m.family})},
              {"parameter_size", m.parameter_size},
              {"quantization_level", m.quantization}};
}

// The simulator's models were all "pulled" when it started.
const std::string& modified_at() {
  static const std::string value = rfc3339_now();
  return value;
}

double parameter_count(const std::string& size) {
  try {
    const double value = std::stod(size);
    if (size.ends_with("B")) return value * 1e9;
    if (size.ends_with("M")) return value * 1e6;
    return value;
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

json ollama_tags(const SimConfig& config) {
  json models = json::array();
  for (const auto& m : config.models) {
    models.push_back(json{{"name", m.name},
                          {"model", m.name},
                          {"modified_at", modified_at()},
                          {"size", m.size_bytes},
                          {"digest", digest_of(m.name)},
                          {"details", details(m)}});
  }
  return json{{"models", models}};
}

json ollama_show(const ModelSpec& m) {
  const std::string& arch = m.family;
  json info{
      {"general.architecture", arch},
      {"general.parameter_count", static_cast<std::int64_t>(parameter_count(m.parameter_size))},
      {"general.file_type", 2},
      {"general.quantization_version", 2},
      {arch + ".block_count", m.block_count},
      {arch + ".context_length", m.context_length},
      {arch + ".embedding_length", m.embedding_length}};
  return json{{"license", "simulated model; no license"},
              {"modelfile", fmt::format("# Simulated by chimera sim\nFROM {}\n", m.name)},
              {"parameters", "stop                           \"<end_of_turn>\""},
              {"template", "{{ .Prompt }}"},
              {"details", details(m)},
              {"model_info", info},
              {"capabilities", json::array({"completion"})},
              {"modified_at", modified_at()}};
}

json ollama_ps(const SimConfig& config, const std::vector<Scheduler::LoadedModel>& loaded,
               Scheduler::Clock::time_point now) {
  json models = json::array();
  for (const auto& l : loaded) {
    const ModelSpec* m = config.find_model(l.name);
    if (m == nullptr) continue;
    // Until expiry; a model in use or kept forever shows a far-future time, as Ollama does.
    std::time_t expires = std::time(nullptr) + 10LL * 365 * 24 * 3600;
    if (l.expires_at) {
      expires = std::time(nullptr) +
                std::chrono::duration_cast<std::chrono::seconds>(*l.expires_at - now).count();
    }
    std::tm tm{};
    gmtime_r(&expires, &tm);
    models.push_back(json{
        {"name", m->name},
        {"model", m->name},
        {"size", m->size_bytes},
        {"digest", digest_of(m->name)},
        {"details", details(*m)},
        {"expires_at", fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900,
                                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)},
        {"size_vram", m->size_bytes},
        {"context_length", l.options.num_ctx.value_or(4096)}});
  }
  return json{{"models", models}};
}

json openai_models(const SimConfig& config) {
  json data = json::array();
  for (const auto& m : config.models) {
    data.push_back(json{
        {"id", m.name}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "library"}});
  }
  return json{{"object", "list"}, {"data", data}};
}

}  // namespace chimera::sim
