#pragma once
// A profile is what an agent runs on: a model and the options sent to the server
// untouched. "Expected" figures are claims from elsewhere (an earlier published
// parameter sweep), printed only beside measured values, never instead of them.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chimera/util/error.hpp"

namespace chimera::agents {

inline constexpr const char* kDefaultModel = "gemma3:latest";

// An expectation about a metric, with where the figure comes from: the
// artifact and its row, and the configuration it was measured with.
struct Expectation {
  std::string metric;  // "throughput" (tok/s) | "ttft" (ms) | any metric name
  double value = 0.0;
  std::string unit;    // as the source states it, e.g. "tok/s", "s"
  std::string source;  // e.g. "from the original's parameter sweep (TR108)"
  std::string file;    // the artifact, relative to the artifact root; "" when not named
  std::string row;     // the row of that file, e.g. "table row g999_c4096_t0.4"
  // The options the figure was measured with; null when the source does not say.
  nlohmann::json configuration = nullptr;
};

// Whether an expectation's figure can be compared with this agent's: only
// when it was measured with the options the agent sends.
struct Comparability {
  bool comparable = false;
  // "another configuration (num_ctx 4096, ... where this agent sends num_ctx
  // 1024, ...): not comparable"
  std::string text;
};
Comparability comparability(const Expectation& expectation, const nlohmann::json& options_sent);

// "read from artifact FILE, ROW" (or the free-text source alone), then the
// comparability: everything a reader needs to weigh an expected figure.
std::string describe_expectation_source(const Expectation& expectation,
                                        const nlohmann::json& options_sent);

struct Profile {
  std::string name;
  std::string model = kDefaultModel;
  // Sent to the server as is; an empty object means "send no options at all".
  nlohmann::json options = nlohmann::json::object();
  std::vector<Expectation> expectations;
  std::string description;
};

// The built-in profiles (baseline, the Chimera agent profiles,
// chimera-optimized) with the options each sends.
const std::vector<Profile>& builtin_profiles();

// Exact, then case-insensitive; unknown names fail with kNotFound listing what exists.
Expected<Profile> find_profile(const std::vector<Profile>& profiles, std::string_view name);

// "num_ctx=2048" -> {"num_ctx", 2048}. The value becomes a bool (true/false), an
// integer, a floating-point number, or else a string; quotes force a string.
Expected<std::pair<std::string, nlohmann::json>> parse_option_assignment(std::string_view text);

// The value part alone: true/false, integer, floating point, else the string.
nlohmann::json parse_option_value(std::string_view value);

// `--model` and `--option key=value...` on top of a profile; later assignments win.
Expected<Profile> apply_overrides(Profile profile, const std::string& model,
                                  const std::vector<std::string>& option_assignments);

// "num_ctx=1024, num_gpu=80, temperature=0.6" (JSON objects keep keys sorted), or
// "server defaults (no options sent)" when there are none.
std::string describe_options(const nlohmann::json& options);

// The context window the server will use: the num_ctx option, else Ollama's
// default (2048), flagged as assumed.
struct ContextWindow {
  int tokens = 2048;
  bool assumed = true;
};
inline constexpr int kServerDefaultNumCtx = 2048;
ContextWindow context_window(const nlohmann::json& options);

}  // namespace chimera::agents
