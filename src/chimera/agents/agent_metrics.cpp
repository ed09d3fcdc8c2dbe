#include "chimera/agents/agent_metrics.hpp"

#include <algorithm>

namespace chimera::agents {

namespace {

void add(std::optional<double>& total, const std::optional<double>& value) {
  if (value) total = total.value_or(0.0) + *value;
}

}  // namespace

AgentMetrics aggregate_metrics(const std::vector<measure::RequestResult>& calls) {
  AgentMetrics m;
  m.calls = calls.size();
  double rated_tokens = 0.0;
  double decode_seconds = 0.0;
  bool all_server_totals = !calls.empty();
  std::optional<double> server_total, client_total;
  if (!calls.empty()) m.ttft_ms = calls.front().ttft_ms;
  for (const auto& call : calls) {
    m.tokens_generated += call.output_tokens;
    m.tokens_estimated = m.tokens_estimated || call.output_tokens_estimated;
    if (call.decode_tps && *call.decode_tps > 0 && call.output_tokens > 0) {
      rated_tokens += static_cast<double>(call.output_tokens);
      decode_seconds += static_cast<double>(call.output_tokens) / *call.decode_tps;
    }
    add(m.prompt_eval_ms, call.server.prompt_eval_ms);
    add(m.eval_ms, call.server.eval_ms);
    add(m.load_ms, call.server.load_ms);
    add(server_total, call.server.total_ms);
    add(client_total, call.e2e_ms);
    all_server_totals = all_server_totals && call.server.total_ms.has_value();
  }
  if (decode_seconds > 0) m.throughput_tps = rated_tokens / decode_seconds;
  m.total_duration_from_server = all_server_totals;
  m.total_duration_ms = all_server_totals ? server_total : client_total;
  return m;
}

namespace {

std::vector<std::string> names_of(const std::string& who, const std::vector<std::string>& also) {
  std::vector<std::string> names{who};
  for (const auto& name : also) {
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace

std::vector<KnownFigure> measured_figures(const AgentMetrics& m, const std::string& who,
                                          const std::vector<std::string>& also) {
  std::vector<KnownFigure> out;
  const std::vector<std::string> about = names_of(who, also);
  auto put = [&](const std::optional<double>& value, const char* unit, const std::string& what) {
    if (!value) return;
    KnownFigure figure{*value, unit, who + " " + what, "measured: " + who + " " + what};
    figure.metric = what;
    figure.entities = about;
    figure.origin = FigureOrigin::kMeasured;
    figure.group = "this run";
    out.push_back(std::move(figure));
  };
  put(m.throughput_tps, "tok/s", "throughput");
  put(m.ttft_ms, "ms", "TTFT");
  put(m.total_duration_ms, "ms", "total duration");
  put(static_cast<double>(m.tokens_generated), "tokens", "tokens generated");
  put(m.prompt_eval_ms, "ms", "prompt eval duration");
  put(m.eval_ms, "ms", "eval duration");
  put(m.load_ms, "ms", "load duration");
  return out;
}

std::vector<KnownFigure> configuration_figures(const nlohmann::json& options,
                                               const std::string& who,
                                               const std::vector<std::string>& also) {
  std::vector<KnownFigure> out;
  if (!options.is_object()) return out;
  const std::vector<std::string> about = names_of(who, also);
  for (const auto& [key, value] : options.items()) {
    if (!value.is_number()) continue;
    KnownFigure figure{value.get<double>(), "", who + " option " + key,
                       "configuration sent: " + who + " " + key};
    figure.metric = key;
    figure.entities = about;
    figure.origin = FigureOrigin::kSetting;
    figure.group = "this run";
    out.push_back(std::move(figure));
  }
  return out;
}

}  // namespace chimera::agents
