#include "chimera/orchestrate/run/reloads.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "chimera/stats/descriptive.hpp"

namespace chimera::orchestrate {
namespace {

constexpr const char* kLayoutOptions[] = {"num_ctx", "num_gpu"};

std::string option_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The median TTFT of call `k` over the agent's isolated repetitions.
std::optional<double> warm_ttft_ms(const std::vector<ExecutionResult>& isolated, std::size_t agent,
                                   std::size_t k) {
  std::vector<double> ttfts;
  for (const auto& repetition : isolated) {
    if (agent >= repetition.agents.size()) continue;
    const auto& calls = repetition.agents[agent].calls;
    if (k < calls.size() && calls[k].ttft_ms) ttfts.push_back(*calls[k].ttft_ms);
  }
  return stats::percentile(ttfts, 50);
}

// Another agent's call on the same server was in flight between `from_ms` and `to_ms`.
bool others_in_flight(const ExecutionResult& run, std::size_t agent, const std::string& endpoint,
                      double from_ms, double to_ms) {
  for (std::size_t j = 0; j < run.agents.size(); ++j) {
    if (j == agent) continue;
    const auto& other = run.agents[j];
    for (std::size_t k = 0; k < other.calls.size() && k < other.call_spans.size(); ++k) {
      const auto& span = other.call_spans[k];
      if (other.calls[k].endpoint == endpoint && span.start_ms < to_ms && span.end_ms > from_ms) {
        return true;
      }
    }
  }
  return false;
}

// How long the call's model sat idle on its server before the call, within
// the run: since the last call there with that model ended; none if no
// earlier call there is known.
std::optional<double> idle_before_ms(const ExecutionResult& run, const measure::RequestResult& call,
                                     double start_ms) {
  std::optional<double> last_end;
  for (const auto& a : run.agents) {
    for (std::size_t k = 0; k < a.calls.size() && k < a.call_spans.size(); ++k) {
      const auto& c = a.calls[k];
      const double end = a.call_spans[k].end_ms;
      if (c.endpoint != call.endpoint || c.model != call.model) continue;
      if (end <= start_ms && (!last_end || end > *last_end)) last_end = end;
      // Still running when this call was sent: the model was in use.
      if (a.call_spans[k].start_ms < start_ms && end > start_ms) return 0.0;
    }
  }
  if (!last_end) return std::nullopt;
  return start_ms - *last_end;
}

// What showed call `k` of agent `agent` paid a reload, if it did.
std::optional<std::string> reload_evidence(const std::vector<ExecutionResult>& isolated,
                                           const ExecutionResult& run, std::size_t agent,
                                           std::size_t k, double cold_threshold_ms) {
  const auto& exec = run.agents[agent];
  const auto& call = exec.calls[k];
  if (call.server.load_ms) {
    if (*call.server.load_ms <= cold_threshold_ms) return std::nullopt;
    return fmt::format("call {}: load_duration {:.0f} ms > {:.0f} ms (server statistics)", k + 1,
                       *call.server.load_ms, cold_threshold_ms);
  }
  const auto warm = warm_ttft_ms(isolated, agent, k);
  if (!call.ttft_ms || !warm || k >= exec.call_spans.size()) return std::nullopt;
  const double jump = *call.ttft_ms - *warm;
  if (jump <= cold_threshold_ms || *call.ttft_ms < kTtftJumpFactor * *warm) return std::nullopt;
  const double sent = exec.call_spans[k].start_ms;
  if (others_in_flight(run, agent, call.endpoint, sent, sent + *call.ttft_ms)) return std::nullopt;
  return fmt::format(
      "call {}: TTFT {:.0f} ms against a warm {:.0f} ms alone (+{:.0f} ms > {:.0f} ms, "
      "≥ {:.0f}x; client clock, the server reports no load time), no other request of the run "
      "in flight on its server",
      k + 1, *call.ttft_ms, *warm, jump, cold_threshold_ms, kTtftJumpFactor);
}

std::size_t isolated_reloads(const std::vector<ExecutionResult>& isolated, std::size_t agent,
                             double cold_threshold_ms) {
  std::size_t n = 0;
  for (const auto& repetition : isolated) {
    if (agent >= repetition.agents.size()) continue;
    for (const auto& call : repetition.agents[agent].calls) {
      if (call.server.load_ms.value_or(0) > cold_threshold_ms) ++n;
    }
  }
  return n;
}

bool shares_server(const ExecutionResult& run, std::size_t agent, const std::string& endpoint) {
  for (std::size_t j = 0; j < run.agents.size(); ++j) {
    if (j == agent) continue;
    for (const auto& c : run.agents[j].calls) {
      if (c.endpoint == endpoint) return true;
    }
  }
  return false;
}

// Why the agent's concurrent reloads are not contention, or "" when they are.
std::string reload_cause(const ExecutionResult& run, std::size_t agent, const ReloadFindings& found,
                         std::optional<double> longest_idle_ms) {
  if (found.isolated_reloads > 0) {
    return fmt::format(
        "the isolated phase shows it too ({} measured isolated call(s) paid a model load), so "
        "its baseline already includes it",
        found.isolated_reloads);
  }
  const auto& calls = run.agents[agent].calls;
  const std::string endpoint = calls.empty() ? "" : calls.front().endpoint;
  if (!shares_server(run, agent, endpoint)) {
    return fmt::format(
        "no other agent of the run sends to {}, so running together did not cause it "
        "(keep_alive expiry of an idle model, or another client of that server)",
        endpoint);
  }
  if (longest_idle_ms && *longest_idle_ms >= kDefaultKeepAliveS * 1000) {
    return fmt::format("keep_alive expiry: the model sat idle {:.0f} s ≥ {:.0f} s before it",
                       *longest_idle_ms / 1000, kDefaultKeepAliveS);
  }
  return "";
}

}  // namespace

AgentServer agent_server(const AgentExecution& execution) {
  AgentServer s;
  if (execution.calls.empty()) return s;
  const auto& call = execution.calls.front();
  s.endpoint = call.endpoint;
  s.model = call.model;
  for (const char* key : kLayoutOptions) {
    if (call.options.is_object() && call.options.contains(key)) {
      s.load_options[key] = option_text(call.options[key]);
    }
  }
  return s;
}

std::vector<ReloadFindings> find_reloads(const std::vector<ExecutionResult>& isolated,
                                         const ExecutionResult& concurrent,
                                         double cold_threshold_ms) {
  std::vector<ReloadFindings> out(concurrent.agents.size());
  for (std::size_t i = 0; i < concurrent.agents.size(); ++i) {
    auto& found = out[i];
    const auto& exec = concurrent.agents[i];
    std::optional<double> longest_idle;
    for (std::size_t k = 0; k < exec.calls.size(); ++k) {
      auto evidence = reload_evidence(isolated, concurrent, i, k, cold_threshold_ms);
      if (!evidence) continue;
      ++found.reloads;
      found.evidence.push_back(std::move(*evidence));
      if (k < exec.call_spans.size()) {
        const auto idle = idle_before_ms(concurrent, exec.calls[k], exec.call_spans[k].start_ms);
        if (idle && (!longest_idle || *idle > *longest_idle)) longest_idle = idle;
      }
    }
    if (found.reloads == 0) continue;
    found.isolated_reloads = isolated_reloads(isolated, i, cold_threshold_ms);
    found.cause = reload_cause(concurrent, i, found, longest_idle);
  }
  return out;
}

std::string differing_layouts(const std::vector<std::string>& names,
                              const std::vector<AgentServer>& servers,
                              const std::vector<std::size_t>& reloaded) {
  // The agents on the servers of the reloaded ones.
  std::set<std::string> endpoints;
  for (auto i : reloaded) endpoints.insert(servers[i].endpoint);
  std::vector<std::size_t> sharing;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if (endpoints.contains(servers[i].endpoint)) sharing.push_back(i);
  }
  std::vector<std::string> parts;
  auto differs = [&](const std::string& what, auto value_of) {
    std::set<std::string> values;
    std::string list;
    for (auto i : sharing) {
      const std::string v = value_of(servers[i]);
      values.insert(v);
      list += fmt::format("{}{} {}", list.empty() ? "" : ", ", names[i],
                          v.empty() ? "server default" : v);
    }
    if (values.size() > 1) parts.push_back(fmt::format("{} ({})", what, list));
  };
  differs("model", [](const AgentServer& s) { return s.model; });
  for (const char* key : kLayoutOptions) {
    differs(key, [key](const AgentServer& s) {
      const auto it = s.load_options.find(key);
      return it == s.load_options.end() ? std::string() : it->second;
    });
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace chimera::orchestrate
