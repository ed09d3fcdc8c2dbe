#include "chimera/agents/agent_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace chimera::agents {

namespace {

void add(std::optional<double>& total, const std::optional<double>& value) {
  if (value) total = total.value_or(0.0) + *value;
}

// TTFT is the client's clock: it is missing only when no text chunk arrived.
std::string why_no_ttft(const std::vector<measure::RequestResult>& calls) {
  if (calls.empty()) return "no call was made to the model";
  const auto& first = calls.front();
  if (first.ttft_ms) return "";
  if (first.text_chunks > 0) return "not recorded for the first call";
  if (first.status == measure::Status::kError) {
    return fmt::format("no text chunk arrived: the first call failed ({})",
                       first.error_kind.empty() ? "error" : first.error_kind);
  }
  return "no text chunk arrived: the server answered the first call with no generated text";
}

void add_client_clock(AgentMetrics& m, const measure::RequestResult& call, double& tokens,
                      double& seconds) {
  add(m.e2e_ms, call.e2e_ms);
  if (!call.ttft_ms || !call.e2e_ms || call.output_tokens < 2) return;
  const double span_ms = *call.e2e_ms - *call.ttft_ms;
  if (!(span_ms > 0)) return;
  tokens += static_cast<double>(call.output_tokens - 1);
  seconds += span_ms / 1000.0;
}

void add_disagreement(AgentMetrics& m, const measure::RequestResult& call) {
  const auto gap = measure::server_total_exceeds_client(call);
  if (!gap) return;
  ++m.disagreeing_calls;
  const auto& worst = m.largest_disagreement;
  if (!worst ||
      gap->server_total_ms - gap->client_e2e_ms > worst->server_total_ms - worst->client_e2e_ms) {
    m.largest_disagreement = gap;
  }
}

}  // namespace

AgentMetrics aggregate_metrics(const std::vector<measure::RequestResult>& calls) {
  AgentMetrics m;
  m.calls = calls.size();
  double client_tokens = 0.0, client_seconds = 0.0;
  double server_tokens = 0.0, server_seconds = 0.0;
  bool all_server_totals = !calls.empty();
  std::optional<double> server_total;
  if (!calls.empty()) m.ttft_ms = calls.front().ttft_ms;
  m.ttft_missing = why_no_ttft(calls);
  for (const auto& call : calls) {
    m.tokens_generated += call.output_tokens;
    m.tokens_estimated = m.tokens_estimated || call.output_tokens_estimated;
    add_client_clock(m, call, client_tokens, client_seconds);
    const auto& s = call.server;
    if (s.eval_count && s.eval_ms && *s.eval_ms > 0) {
      server_tokens += static_cast<double>(*s.eval_count);
      server_seconds += *s.eval_ms / 1000.0;
    }
    add(m.prompt_eval_ms, s.prompt_eval_ms);
    add(m.eval_ms, s.eval_ms);
    add(m.load_ms, s.load_ms);
    add(server_total, s.total_ms);
    all_server_totals = all_server_totals && s.total_ms.has_value();
    add_disagreement(m, call);
    if (!call.server_warning.empty()) ++m.implausible_calls;
  }
  if (client_seconds > 0) m.client_throughput_tps = client_tokens / client_seconds;
  if (server_seconds > 0) m.server_throughput_tps = server_tokens / server_seconds;
  if (all_server_totals) m.server_total_ms = server_total;
  m.throughput_from_server = m.server_throughput_tps.has_value();
  m.throughput_tps = m.throughput_from_server ? m.server_throughput_tps : m.client_throughput_tps;
  m.total_duration_from_server = m.server_total_ms.has_value();
  m.total_duration_ms = m.total_duration_from_server ? m.server_total_ms : m.e2e_ms;
  return m;
}

const char* source_name(bool from_server) {
  return from_server ? "server statistics" : "client clock";
}

std::string disagreement_warning(const AgentMetrics& m) {
  if (m.disagreeing_calls == 0 || !m.largest_disagreement) return "";
  const std::string left_out =
      m.implausible_calls == 0
          ? ""
          : fmt::format(
                " Statistics that cannot be true ({} of {} call{}) are left out of every "
                "figure.",
                m.implausible_calls, m.calls, m.calls == 1 ? "" : "s");
  return fmt::format(
      "the server's statistics disagree with the client's clock: in {} of {} call{} the "
      "server's total_duration exceeds the client's end-to-end time by more than the tolerance "
      "({}); largest {:.1f} ms reported by the server against {:.1f} ms measured by the client. "
      "Figures from the server's statistics are the server's word, not timings.{}",
      m.disagreeing_calls, m.calls, m.calls == 1 ? "" : "s", measure::server_total_tolerance_text(),
      m.largest_disagreement->server_total_ms, m.largest_disagreement->client_e2e_ms, left_out);
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
  auto put = [&](const std::optional<double>& value, const char* unit, const std::string& what,
                 const std::string& origin) {
    if (!value) return;
    KnownFigure figure{*value, unit, who + " " + what,
                       "measured: " + who + " " + what + " (" + origin + ")"};
    figure.metric = what;
    figure.entities = about;
    figure.origin = FigureOrigin::kMeasured;
    figure.group = "this run";
    out.push_back(std::move(figure));
  };
  put(m.throughput_tps, "tok/s", "throughput",
      m.throughput_from_server ? "server statistics: eval_count / eval_duration"
                               : "client clock: (tokens - 1) / (e2e - TTFT)");
  put(m.ttft_ms, "ms", "TTFT", "client clock");
  put(m.total_duration_ms, "ms", "total duration",
      m.total_duration_from_server ? "server statistics: total_duration"
                                   : "client clock: end-to-end");
  put(static_cast<double>(m.tokens_generated), "tokens", "tokens generated",
      m.tokens_estimated ? "partly estimated from chunk counts" : "server statistics");
  put(m.prompt_eval_ms, "ms", "prompt eval duration", "server statistics");
  put(m.eval_ms, "ms", "eval duration", "server statistics");
  put(m.load_ms, "ms", "load duration", "server statistics");
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
