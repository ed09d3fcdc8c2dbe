#include "chimera/orchestrate/bench/grid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "chimera/agents/known_options.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::orchestrate {

bool is_load_affecting(std::string_view option) {
  // Ollama's runner is restarted when any of these differ from the loaded model's.
  static constexpr std::array<std::string_view, 10> kLoadAffecting = {
      "num_ctx",  "num_gpu",  "num_batch", "num_thread", "main_gpu",
      "low_vram", "use_mmap", "use_mlock", "f16_kv",     "numa"};
  return std::find(kLoadAffecting.begin(), kLoadAffecting.end(), option) != kLoadAffecting.end();
}

Expected<OptionAxis> parse_option_axis(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return fail(
        FailureKind::kInvalidInput,
        fmt::format("option '{}' is not NAME=VALUE[,VALUE...] (e.g. num_ctx=1024,2048)", spec));
  }
  OptionAxis axis;
  axis.name = std::string(spec.substr(0, eq));
  std::string_view rest = spec.substr(eq + 1);
  if (rest.empty()) {
    return fail(FailureKind::kInvalidInput, fmt::format("option '{}' has no value", axis.name));
  }
  while (true) {
    const auto comma = rest.find(',');
    const auto piece = rest.substr(0, comma);
    if (piece.empty()) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("option '{}' has an empty value in its list", axis.name));
    }
    axis.values.push_back(parse_option_value(piece));
    if (auto problem = agents::check_known_option(axis.name, axis.values.back())) {
      return fail(FailureKind::kInvalidInput, "option " + *problem);
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return axis;
}

void merge_axis(std::vector<OptionAxis>& axes, OptionAxis axis) {
  for (auto& existing : axes) {
    if (existing.name == axis.name) {
      for (auto& v : axis.values) {
        if (std::find(existing.values.begin(), existing.values.end(), v) == existing.values.end()) {
          existing.values.push_back(std::move(v));
        }
      }
      return;
    }
  }
  axes.push_back(std::move(axis));
}

namespace {
std::string value_text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : dump_json(v);
}
}  // namespace

std::string point_key(const std::string& model, const nlohmann::json& options) {
  // nlohmann's object keeps keys sorted, so the key is stable whatever the order given.
  std::string key = model;
  for (const auto& [name, value] : options.items()) {
    key += fmt::format("|{}={}", name, value_text(value));
  }
  return key;
}

std::vector<GridPoint> build_grid(const std::vector<std::string>& models,
                                  const std::vector<OptionAxis>& axes) {
  std::vector<const OptionAxis*> ordered;
  for (const auto& a : axes) {
    if (is_load_affecting(a.name)) ordered.push_back(&a);
  }
  for (const auto& a : axes) {
    if (!is_load_affecting(a.name)) ordered.push_back(&a);
  }

  std::vector<GridPoint> grid;
  for (const auto& model : models) {
    std::vector<std::size_t> index(ordered.size(), 0);
    if (std::any_of(ordered.begin(), ordered.end(), [](auto* a) { return a->values.empty(); })) {
      continue;
    }
    while (true) {
      GridPoint p;
      p.model = model;
      std::string label;
      for (std::size_t i = 0; i < ordered.size(); ++i) {
        const auto& v = ordered[i]->values[index[i]];
        p.options[ordered[i]->name] = v;
        if (!label.empty()) label += ' ';
        label += fmt::format("{}={}", ordered[i]->name, value_text(v));
      }
      if (models.size() > 1) label = label.empty() ? model : model + " " + label;
      p.label = label.empty() ? "server defaults" : label;
      p.key = point_key(model, p.options);
      grid.push_back(std::move(p));
      // Odometer: the last (least load-affecting) axis turns fastest.
      std::size_t i = ordered.size();
      while (i > 0) {
        --i;
        if (++index[i] < ordered[i]->values.size()) break;
        index[i] = 0;
        if (i == 0) {
          i = ordered.size() + 1;
          break;
        }
      }
      if (ordered.empty() || i == ordered.size() + 1) break;
    }
  }
  return grid;
}

std::size_t count_reloads(const std::vector<GridPoint>& grid) {
  std::size_t reloads = 0;
  std::string previous;
  for (const auto& p : grid) {
    std::string load_key = p.model;
    for (const auto& [name, value] : p.options.items()) {
      if (is_load_affecting(name)) load_key += fmt::format("|{}={}", name, value_text(value));
    }
    if (load_key != previous) ++reloads;
    previous = std::move(load_key);
  }
  return reloads;
}

GridPoint at_load(GridPoint point, const LoadLevel& level) {
  std::string tag;
  if (level.rate) {
    tag = fmt::format("rate={:g}", *level.rate);
  } else if (level.concurrency) {
    tag = fmt::format("c={}", *level.concurrency);
  }
  if (level.sweep_step == "synchronous") {
    tag = "synchronous";
  } else if (level.sweep_step == "throughput") {
    tag = "throughput " + tag;
  } else if (level.sweep_step == "confirmation") {
    tag += " confirmation";
  }
  if (!tag.empty()) {
    point.key += "|" + tag;
    point.label = point.label.empty() ? tag : point.label + " " + tag;
  }
  point.load = level;
  return point;
}

}  // namespace chimera::orchestrate
