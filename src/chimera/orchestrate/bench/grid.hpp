#pragma once
// Sweep grids: every option may be a list of values; the grid is their
// Cartesian product, ordered (as llama-bench does) so that the options that
// force the server to reload the model change as rarely as possible.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/agents/profile.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {

struct OptionAxis {
  std::string name;
  std::vector<nlohmann::json> values;
};

// The load one configuration is measured at: closed loop at a concurrency,
// or open loop at a request rate. Unset: the run's --concurrency.
struct LoadLevel {
  std::optional<int> concurrency;
  std::optional<double> rate;  // requests/s
  // Closed loop: keep `concurrency` in flight for this long (instead of a
  // number of requests); open loop: schedule arrivals for this long.
  std::optional<double> duration_s;
  // In a --rate sweep: "synchronous" | "search" | "throughput" | "rate" |
  // "confirmation" (load::LoadRow::step); else "".
  std::string sweep_step;
  bool empty() const { return !concurrency && !rate; }
};

struct GridPoint {
  std::string model;
  nlohmann::json options = nlohmann::json::object();  // only the options that were given
  std::string key;    // stable identity, e.g. "gemma3:latest|num_ctx=1024|num_gpu=80"
  std::string label;  // short, for tables, e.g. "num_ctx=1024 num_gpu=80"
  LoadLevel load{};
};

// The point at a load level: key and label gain "c=4" or "rate=2.5"; in a
// --rate sweep "synchronous", "throughput c=64" and "rate=2.5 confirmation".
GridPoint at_load(GridPoint point, const LoadLevel& level);

// Options whose change makes Ollama reload the model (the time shows up as
// load_duration). They vary slowest in the grid.
bool is_load_affecting(std::string_view option);

// "0.8" → 0.8, "40" → 40, "true" → true, anything else stays a string: the
// same rule as --option and the config file.
using agents::parse_option_value;

// "num_gpu=60,80,999" → {num_gpu, [60, 80, 999]}.
Expected<OptionAxis> parse_option_axis(std::string_view spec);

// Adds an axis, or appends values to an axis of the same name.
void merge_axis(std::vector<OptionAxis>& axes, OptionAxis axis);

// The Cartesian product of models × axes. Order: models outermost, then the
// load-affecting axes, then the rest, each in the order given; so the number of
// reloads equals the number of distinct (model, load-affecting values) groups.
std::vector<GridPoint> build_grid(const std::vector<std::string>& models,
                                  const std::vector<OptionAxis>& axes);

// How many times the grid's order makes the server load a model.
std::size_t count_reloads(const std::vector<GridPoint>& grid);

std::string point_key(const std::string& model, const nlohmann::json& options);

}  // namespace chimera::orchestrate
