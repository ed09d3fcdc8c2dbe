#include "chimera/orchestrate/workflow.hpp"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>

#include "chimera/util/signals.hpp"

namespace chimera::orchestrate {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kNoText;

struct Completion {
  std::size_t agent = 0;
  bool warmup = false;
  measure::RequestResult result;
};

class Mailbox {
 public:
  void post(Completion c) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(c));
    }
    cv_.notify_one();
  }
  std::optional<Completion> take() {
    std::unique_lock lock(mutex_);
    // Bounded, so Ctrl-C is noticed within 100 ms.
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    auto c = std::move(queue_.front());
    queue_.pop_front();
    return c;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Completion> queue_;
};

enum class State { kWaiting, kWarmingUp, kReady, kInFlight, kDone };

struct AgentState {
  State state = State::kWaiting;
  std::size_t calls_done = 0;
  std::size_t calls_total = 2;
};

backends::GenerationRequest base_request(const WorkflowAgent& agent,
                                         const ExecutionOptions& options) {
  backends::GenerationRequest req;
  req.model = agent.spec.profile.model;
  req.api = agent.backend->kind() == "openai" ? "chat_completions" : "chat";
  req.options = agent.spec.profile.options;
  req.timeouts = options.timeouts;
  req.headers = options.headers;
  return req;
}

double ms_since(Clock::time_point begin) {
  return std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
}

}  // namespace

const std::string& AgentExecution::final_text() const {
  if (calls.empty() || calls.back().status != measure::Status::kOk) return kNoText;
  return calls.back().text;
}

ExecutionResult execute(const std::vector<WorkflowAgent>& agents, const ExecutionOptions& options) {
  ExecutionResult out;
  out.agents.resize(agents.size());
  std::vector<AgentState> states(agents.size());
  std::map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    out.agents[i].agent = agents[i].spec.name;
    index_of[agents[i].spec.name] = i;
    states[i].calls_total = agents[i].spec.persona.workflow == agents::Workflow::kSingle ? 1 : 2;
  }

  Mailbox mailbox;
  std::map<const backends::Backend*, int> permits_in_use;
  int in_flight = 0;
  const auto begin = Clock::now();
  std::optional<double> first_submit_ms;
  double last_completion_ms = 0;

  auto deps_done = [&](std::size_t i) {
    for (const auto& dep : agents[i].spec.depends_on) {
      auto it = index_of.find(dep);
      if (it != index_of.end() && states[it->second].state != State::kDone) return false;
    }
    return true;
  };
  auto permit_free = [&](std::size_t i) {
    if (options.permits_per_endpoint <= 0) return true;
    return permits_in_use[agents[i].backend] < options.permits_per_endpoint;
  };

  auto submit = [&](std::size_t i, backends::GenerationRequest req, bool warmup) {
    ++in_flight;
    ++permits_in_use[agents[i].backend];
    agents[i].backend->submit(std::move(req), [&mailbox, i, warmup](measure::RequestResult r) {
      mailbox.post(Completion{i, warmup, std::move(r)});
    });
  };

  auto submit_next_call = [&](std::size_t i) {
    const auto& agent = agents[i];
    auto& exec = out.agents[i];
    agents::PromptInput input;
    input.persona = &agent.spec.persona;
    input.data_summary = agent.data_summary;
    for (const auto& dep : agent.spec.depends_on) {
      auto it = index_of.find(dep);
      if (it == index_of.end()) continue;
      input.upstream.push_back({dep, out.agents[it->second].final_text()});
    }
    agents::Stage stage = agents::Stage::kSingle;
    if (states[i].calls_total == 2) {
      stage = states[i].calls_done == 0 ? agents::Stage::kAnalysis : agents::Stage::kReport;
      if (stage == agents::Stage::kReport) input.analysis = exec.calls.front().text;
    }
    const auto prompt = agents::build_prompt(stage, input);
    auto req = base_request(agent, options);
    req.id = fmt::format("{}-{}-{}", options.id_prefix, agent.spec.name,
                         stage == agents::Stage::kAnalysis ? "analysis"
                         : stage == agents::Stage::kReport ? "report"
                                                           : "single");
    req.system = prompt.system();
    req.prompt = prompt.user();
    const double now = ms_since(begin);
    if (states[i].calls_done == 0) exec.start_ms = now;
    if (!first_submit_ms) first_submit_ms = now;
    states[i].state = State::kInFlight;
    submit(i, std::move(req), false);
  };

  auto submit_warmup = [&](std::size_t i) {
    auto req = base_request(agents[i], options);
    req.id = fmt::format("{}-{}-warmup", options.id_prefix, agents[i].spec.name);
    req.prompt = "Reply with the single word OK.";
    req.options["num_predict"] = 4;
    req.warmup = true;
    states[i].state = State::kWarmingUp;
    submit(i, std::move(req), true);
  };

  auto busy = [&] {
    for (const auto& st : states) {
      if (st.state == State::kInFlight || st.state == State::kWarmingUp) return true;
    }
    return false;
  };
  const bool isolated = options.mode == ExecutionMode::kIsolated;
  auto schedule = [&] {
    // Agents between calls (or just warmed up) go on first.
    for (std::size_t i = 0; i < agents.size(); ++i) {
      if (states[i].state != State::kReady || !permit_free(i)) continue;
      submit_next_call(i);
      if (isolated) return;
    }
    if (isolated && busy()) return;
    for (std::size_t i = 0; i < agents.size(); ++i) {
      if (states[i].state != State::kWaiting || !deps_done(i)) continue;
      if (isolated) {
        // One agent at a time, warmed up right before it is timed.
        if (options.warm_up_each_isolated_agent) {
          submit_warmup(i);
        } else {
          submit_next_call(i);
        }
        return;
      }
      states[i].state = State::kReady;
      if (permit_free(i)) submit_next_call(i);
    }
  };

  auto all_done = [&] {
    for (const auto& s : states) {
      if (s.state != State::kDone) return false;
    }
    return true;
  };

  schedule();
  while (!all_done()) {
    if (signals::interrupted() && !out.interrupted) {
      out.interrupted = true;
      // Nothing new starts; what is in flight is cancelled by the HTTP client.
      for (std::size_t i = 0; i < agents.size(); ++i) {
        if (states[i].state == State::kWaiting || states[i].state == State::kReady) {
          states[i].state = State::kDone;
          out.agents[i].failure = "cancelled: interrupted before this agent finished";
        }
      }
    }
    if (in_flight == 0) {
      if (out.interrupted) break;
      schedule();
      if (in_flight == 0) {
        // Only agents whose dependencies can never finish are left.
        for (std::size_t i = 0; i < agents.size(); ++i) {
          if (states[i].state != State::kDone) {
            states[i].state = State::kDone;
            out.agents[i].failure = "never started: its dependencies did not finish";
          }
        }
        break;
      }
      continue;
    }
    auto c = mailbox.take();
    if (!c) continue;
    --in_flight;
    --permits_in_use[agents[c->agent].backend];
    auto& exec = out.agents[c->agent];
    auto& s = states[c->agent];
    if (c->warmup) {
      exec.warmups.push_back(std::move(c->result));
      s.state = out.interrupted ? State::kDone : State::kReady;
      if (out.interrupted) exec.failure = "cancelled: interrupted before this agent finished";
    } else {
      const double now = ms_since(begin);
      const double span =
          now - (s.calls_done == 0 ? exec.start_ms : exec.start_ms + exec.analysis_ms);
      if (s.calls_done == 0) {
        exec.analysis_ms = span;
      } else {
        exec.report_ms = span;
      }
      const bool call_ok = c->result.status == measure::Status::kOk;
      exec.calls.push_back(std::move(c->result));
      ++s.calls_done;
      exec.end_ms = now;
      last_completion_ms = std::max(last_completion_ms, now);
      if (!call_ok || s.calls_done >= s.calls_total || out.interrupted) {
        s.state = State::kDone;
        exec.ok = call_ok && s.calls_done >= s.calls_total;
        if (out.interrupted && !exec.ok && exec.failure.empty()) {
          exec.failure = "cancelled: interrupted before this agent finished";
        }
      } else {
        s.state = State::kReady;
      }
    }
    if (!out.interrupted) schedule();
  }
  out.wall_ms = first_submit_ms ? last_completion_ms - *first_submit_ms : 0;
  return out;
}

}  // namespace chimera::orchestrate
