#include "chimera/sim/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace chimera::sim {
namespace {

Expected<double> to_number(const std::string& key, const std::string& value) {
  double number = 0;
  const auto* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, number);
  if (ec != std::errc() || ptr != end) {
    return fail(FailureKind::kInvalidInput, fmt::format("{}={} is not a number", key, value));
  }
  return number;
}

ModelSpec new_model(const std::string& name) {
  ModelSpec model;
  model.name = name;
  model.family = name.substr(0, name.find(':'));
  return model;
}

Expected<void> validate(const SimConfig& config) {
  if (config.parallel < 1) return fail(FailureKind::kInvalidInput, "parallel must be at least 1");
  if (config.max_queue < 0) return fail(FailureKind::kInvalidInput, "max_queue must be >= 0");
  if (config.threads < 1) return fail(FailureKind::kInvalidInput, "threads must be at least 1");
  for (const auto& m : config.models) {
    if (m.name.empty()) return fail(FailureKind::kInvalidInput, "a model has no name");
    if (m.decode_tps <= 0 || m.prefill_tps <= 0) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("model {}: decode_tps and prefill_tps must be > 0", m.name));
    }
    if (m.load_ms < 0) {
      return fail(FailureKind::kInvalidInput, fmt::format("model {}: load_ms < 0", m.name));
    }
    if (m.jitter < 0 || m.jitter >= 1) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("model {}: jitter must be in [0, 1)", m.name));
    }
    if (m.batch_alpha < 0) {
      return fail(FailureKind::kInvalidInput, fmt::format("model {}: batch_alpha < 0", m.name));
    }
    if (m.shape_penalty_ms < 0 || m.shape_bucket_tokens < 1) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("model {}: shape_penalty_ms must be >= 0 and "
                              "shape_bucket_tokens >= 1",
                              m.name));
    }
    if (m.batch_penalty_ms < 0) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("model {}: batch_penalty_ms must be >= 0", m.name));
    }
  }
  return {};
}

ModelSpec& model_named(SimConfig& config, const std::string& name) {
  for (auto& m : config.models) {
    if (m.name == name) return m;
  }
  config.models.push_back(new_model(name));
  return config.models.back();
}

}  // namespace

const ModelSpec* SimConfig::find_model(const std::string& name) const {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  // Ollama resolves a bare name to its ":latest" tag.
  if (name.find(':') == std::string::npos) return find_model(name + ":latest");
  return nullptr;
}

SimConfig default_sim_config() {
  SimConfig config;
  ModelSpec gemma;
  gemma.name = "gemma3:latest";
  gemma.family = "gemma3";
  gemma.parameter_size = "4.3B";
  gemma.quantization = "Q4_K_M";
  gemma.block_count = 34;
  gemma.context_length = 131072;
  gemma.embedding_length = 2560;
  gemma.size_bytes = 3'338'801'804;
  gemma.load_ms = 2200.0;
  gemma.prefill_tps = 2500.0;
  gemma.decode_tps = 100.0;
  config.models.push_back(gemma);

  ModelSpec llama;
  llama.name = "llama3.1:8b-instruct-q4_0";
  llama.family = "llama";
  llama.parameter_size = "8.0B";
  llama.quantization = "Q4_0";
  llama.block_count = 32;
  llama.context_length = 131072;
  llama.embedding_length = 4096;
  llama.size_bytes = 4'661'224'676;
  llama.load_ms = 2800.0;
  llama.prefill_tps = 1800.0;
  llama.decode_tps = 78.0;
  config.models.push_back(llama);
  return config;
}

Expected<void> set_model_field(ModelSpec& model, const std::string& key, const std::string& value) {
  auto number = [&](double& field) -> Expected<void> {
    auto n = to_number(key, value);
    if (!n) return std::unexpected(n.error());
    field = *n;
    return {};
  };
  auto integer = [&](std::int64_t& field) -> Expected<void> {
    auto n = to_number(key, value);
    if (!n) return std::unexpected(n.error());
    field = static_cast<std::int64_t>(*n);
    return {};
  };
  if (key == "load_ms") return number(model.load_ms);
  if (key == "prefill_tps") return number(model.prefill_tps);
  if (key == "decode_tps") return number(model.decode_tps);
  if (key == "jitter") return number(model.jitter);
  if (key == "block_count") return integer(model.block_count);
  if (key == "context_length") return integer(model.context_length);
  if (key == "embedding_length") return integer(model.embedding_length);
  if (key == "size_bytes") return integer(model.size_bytes);
  if (key == "batch_alpha") return number(model.batch_alpha);
  if (key == "shape_penalty_ms") return number(model.shape_penalty_ms);
  if (key == "shape_bucket_tokens") return integer(model.shape_bucket_tokens);
  if (key == "batch_penalty_ms") return number(model.batch_penalty_ms);
  if (key == "batching") {
    if (value != "continuous" && value != "independent") {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("batching={} must be continuous or independent", value));
    }
    model.continuous_batching = value == "continuous";
    return {};
  }
  if (key == "batch_curve") {
    auto curve = parse_batch_curve(value);
    if (!curve) return std::unexpected(curve.error());
    model.batch_curve = std::move(*curve);
    return {};
  }
  if (key == "family") {
    model.family = value;
    return {};
  }
  if (key == "parameter_size") {
    model.parameter_size = value;
    return {};
  }
  if (key == "quantization") {
    model.quantization = value;
    return {};
  }
  return fail(FailureKind::kInvalidInput,
              fmt::format("unknown model setting '{}' (known: load_ms, prefill_tps, decode_tps, "
                          "jitter, family, parameter_size, quantization, block_count, "
                          "context_length, embedding_length, size_bytes, batching, batch_alpha, "
                          "batch_curve, shape_penalty_ms, shape_bucket_tokens, batch_penalty_ms)",
                          key));
}

Expected<std::vector<std::pair<int, double>>> parse_batch_curve(const std::string& text) {
  std::vector<std::pair<int, double>> points;
  std::stringstream parts(text);
  std::string item;
  while (std::getline(parts, item, ';')) {
    const auto colon = item.find(':');
    if (colon == std::string::npos) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("batch_curve point '{}' is not batch:factor", item));
    }
    auto batch = to_number("batch_curve batch", item.substr(0, colon));
    if (!batch) return std::unexpected(batch.error());
    auto factor = to_number("batch_curve factor", item.substr(colon + 1));
    if (!factor) return std::unexpected(factor.error());
    const int b = static_cast<int>(*batch);
    if (b < 1 || static_cast<double>(b) != *batch ||
        (!points.empty() && b <= points.back().first)) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("batch_curve: batch sizes must be whole, >= 1 and increasing "
                              "('{}')",
                              text));
    }
    if (*factor <= 0 || *factor > 1) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("batch_curve: factor {} must be in (0, 1]", *factor));
    }
    points.emplace_back(b, *factor);
  }
  if (points.empty()) return fail(FailureKind::kInvalidInput, "batch_curve has no points");
  return points;
}

Expected<void> apply_model_flag(SimConfig& config, const std::string& flag) {
  std::stringstream parts(flag);
  std::string name;
  std::getline(parts, name, ',');
  if (name.empty() || name.find('=') != std::string::npos) {
    return fail(
        FailureKind::kInvalidInput,
        fmt::format("--model '{}' must start with the model name: NAME[,key=value...]", flag));
  }
  ModelSpec& model = model_named(config, name);
  std::string item;
  while (std::getline(parts, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("--model setting '{}' is not key=value", item));
    }
    auto ok = set_model_field(model, item.substr(0, eq), item.substr(eq + 1));
    if (!ok) return ok;
  }
  return validate(config);
}

namespace {

Expected<void> parse_faults(ModelSpec& model, const YAML::Node& list) {
  model.faults.clear();
  for (const auto& rule_node : list) {
    CHIMERA_TRY(spec, parse_fault(rule_node["kind"].as<std::string>("")));
    FaultRule rule{*spec, rule_node["probability"].as<double>(1.0)};
    if (rule_node["after"]) rule.fault.after = rule_node["after"].as<std::int64_t>();
    if (rule_node["ms"]) rule.fault.ms = rule_node["ms"].as<std::int64_t>();
    if (rule.probability < 0 || rule.probability > 1) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("model {}: fault probability must be in [0, 1]", model.name));
    }
    model.faults.push_back(rule);
  }
  return {};
}

// [[batch, factor], ...] in YAML, the "batch:factor;..." form of --model.
Expected<void> parse_batch_curve(ModelSpec& model, const YAML::Node& list) {
  std::string points;
  for (const auto& point : list) {
    if (!point.IsSequence() || point.size() != 2) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("model {}: batch_curve points are [batch, factor]", model.name));
    }
    points += fmt::format("{}{}:{}", points.empty() ? "" : ";", point[0].as<std::string>(),
                          point[1].as<std::string>());
  }
  return set_model_field(model, "batch_curve", points);
}

Expected<void> parse_models(SimConfig& config, const YAML::Node& list) {
  if (!list.IsSequence())
    return fail(FailureKind::kInvalidInput, "sim config: models must be a list");
  for (const auto& node : list) {
    if (!node["name"]) return fail(FailureKind::kInvalidInput, "sim config: model without name");
    ModelSpec& model = model_named(config, node["name"].as<std::string>());
    for (const auto& field : node) {
      const auto key = field.first.as<std::string>();
      Expected<void> ok;
      if (key == "name") continue;
      if (key == "faults") {
        ok = parse_faults(model, field.second);
      } else if (key == "batch_curve" && field.second.IsSequence()) {
        ok = parse_batch_curve(model, field.second);
      } else {
        ok = set_model_field(model, key, field.second.as<std::string>());
      }
      if (!ok) return ok;
    }
  }
  return {};
}

// One top-level key of the configuration file.
Expected<void> parse_top_level(SimConfig& config, const std::string& key, const YAML::Node& value) {
  if (key == "seed") {
    config.seed = value.as<std::uint64_t>();
  } else if (key == "parallel") {
    config.parallel = value.as<int>();
  } else if (key == "max_queue") {
    config.max_queue = value.as<int>();
  } else if (key == "rate_limits") {
    config.rate_limits = value.as<bool>();
  } else if (key == "keep_alive_s") {
    config.keep_alive_s = value.as<double>();
  } else if (key == "threads") {
    config.threads = value.as<int>();
  } else if (key == "log_requests") {
    config.log_requests = value.as<bool>();
  } else if (key == "version") {
    config.version = value.as<std::string>();
  } else if (key == "replace_default_models") {
    if (value.as<bool>()) config.models.clear();
  } else if (key == "models") {
    return parse_models(config, value);
  } else {
    return fail(FailureKind::kInvalidInput, fmt::format("sim config: unknown key '{}'", key));
  }
  return {};
}

}  // namespace

Expected<SimConfig> parse_sim_config(const std::string& yaml_text, SimConfig config) {
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (!root || root.IsNull()) return config;
    if (!root.IsMap()) return fail(FailureKind::kInvalidInput, "sim config must be a YAML mapping");
    for (const auto& entry : root) {
      auto ok = parse_top_level(config, entry.first.as<std::string>(), entry.second);
      if (!ok) return std::unexpected(ok.error());
    }
  } catch (const YAML::Exception& e) {
    return fail(FailureKind::kInvalidInput, fmt::format("sim config: {}", e.what()));
  }
  auto ok = validate(config);
  if (!ok) return std::unexpected(ok.error());
  return config;
}

Expected<SimConfig> load_sim_config(const std::string& yaml_path) {
  std::ifstream in(yaml_path);
  if (!in) {
    return fail(FailureKind::kIo, fmt::format("cannot read sim config '{}'", yaml_path));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_sim_config(text.str(), default_sim_config());
  if (!config) {
    config.error().message = fmt::format("{}: {}", yaml_path, config.error().message);
  }
  return config;
}

}  // namespace chimera::sim
