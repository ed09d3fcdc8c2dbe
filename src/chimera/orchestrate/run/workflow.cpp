#include "chimera/orchestrate/run/workflow.hpp"

#include <fmt/format.h>

#include <chrono>

#include "chimera/orchestrate/common/mailbox.hpp"
#include "chimera/orchestrate/common/warmup.hpp"
#include "chimera/util/signals.hpp"

namespace chimera::orchestrate {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kNoText;
constexpr const char* kCancelled = "cancelled: interrupted before this agent finished";

struct Completion {
  std::size_t agent = 0;
  bool warmup = false;
  measure::RequestResult result;
};

enum class State { kWaiting, kWarmingUp, kReady, kInFlight, kDone };

struct AgentState {
  State state = State::kWaiting;
  std::size_t calls_done = 0;
  std::size_t calls_total = 2;
};

const char* stage_name(agents::Stage stage) {
  switch (stage) {
    case agents::Stage::kAnalysis:
      return "analysis";
    case agents::Stage::kReport:
      return "report";
    default:
      return "single";
  }
}

// The caller's thread decides what to submit next; completions come back
// through the mailbox. Each step below is one decision of that loop.
class Coordinator {
 public:
  Coordinator(const std::vector<WorkflowAgent>& agents, const ExecutionOptions& options)
      : agents_(agents), options_(options), states_(agents.size()) {
    out_.agents.resize(agents.size());
    for (std::size_t i = 0; i < agents.size(); ++i) {
      out_.agents[i].agent = agents[i].spec.name;
      index_of_[agents[i].spec.name] = i;
      states_[i].calls_total = agents[i].spec.persona.workflow == agents::Workflow::kSingle ? 1 : 2;
    }
  }

  ExecutionResult run() {
    schedule();
    while (!all_done()) {
      if (signals::interrupted() && !out_.interrupted) stop_new_work();
      if (in_flight_ == 0) {
        if (out_.interrupted) break;
        schedule();
        if (in_flight_ == 0) {
          give_up_on_blocked_agents();
          break;
        }
        continue;
      }
      if (auto c = mailbox_.take()) {
        receive(std::move(*c));
        if (!out_.interrupted) schedule();
      }
    }
    out_.wall_ms = first_submit_ms_ ? last_completion_ms_ - *first_submit_ms_ : 0;
    return std::move(out_);
  }

 private:
  bool isolated() const { return options_.mode == ExecutionMode::kIsolated; }
  double now_ms() const {
    return std::chrono::duration<double, std::milli>(Clock::now() - begin_).count();
  }

  bool deps_done(std::size_t i) const {
    for (const auto& dep : agents_[i].spec.depends_on) {
      auto it = index_of_.find(dep);
      if (it != index_of_.end() && states_[it->second].state != State::kDone) return false;
    }
    return true;
  }
  bool permit_free(std::size_t i) {
    if (options_.permits_per_endpoint <= 0) return true;
    return permits_in_use_[agents_[i].backend] < options_.permits_per_endpoint;
  }
  bool busy() const {
    for (const auto& st : states_) {
      if (st.state == State::kInFlight || st.state == State::kWarmingUp) return true;
    }
    return false;
  }
  bool all_done() const {
    for (const auto& s : states_) {
      if (s.state != State::kDone) return false;
    }
    return true;
  }

  void schedule() {
    // Agents between calls (or just warmed up) go on first.
    for (std::size_t i = 0; i < agents_.size(); ++i) {
      if (states_[i].state != State::kReady || !permit_free(i)) continue;
      submit_next_call(i);
      if (isolated()) return;
    }
    if (isolated() && busy()) return;
    for (std::size_t i = 0; i < agents_.size(); ++i) {
      if (states_[i].state != State::kWaiting || !deps_done(i)) continue;
      if (isolated()) {
        // One agent at a time, warmed up right before it is timed.
        if (options_.warm_up_each_isolated_agent) {
          submit_warmup(i);
        } else {
          submit_next_call(i);
        }
        return;
      }
      states_[i].state = State::kReady;
      if (permit_free(i)) submit_next_call(i);
    }
  }

  void submit(std::size_t i, backends::GenerationRequest req, bool warmup) {
    ++in_flight_;
    ++permits_in_use_[agents_[i].backend];
    agents_[i].backend->submit(std::move(req), [this, i, warmup](measure::RequestResult r) {
      mailbox_.post(Completion{i, warmup, std::move(r)});
    });
  }

  agents::Prompt next_prompt(std::size_t i, agents::Stage& stage) const {
    const auto& agent = agents_[i];
    agents::PromptInput input;
    input.persona = &agent.spec.persona;
    input.data_summary = agent.data_summary;
    for (const auto& dep : agent.spec.depends_on) {
      auto it = index_of_.find(dep);
      if (it == index_of_.end()) continue;
      input.upstream.push_back({dep, out_.agents[it->second].final_text()});
    }
    stage = agents::Stage::kSingle;
    if (states_[i].calls_total == 2) {
      stage = states_[i].calls_done == 0 ? agents::Stage::kAnalysis : agents::Stage::kReport;
      if (stage == agents::Stage::kReport) input.analysis = out_.agents[i].calls.front().text;
    }
    return agents::build_prompt(stage, input);
  }

  void submit_next_call(std::size_t i) {
    agents::Stage stage{};
    const auto prompt = next_prompt(i, stage);
    auto req = agent_request(agents_[i], options_.timeouts, options_.headers);
    req.id = fmt::format("{}-{}-{}", options_.id_prefix, agents_[i].spec.name, stage_name(stage));
    req.system = prompt.system();
    req.prompt = prompt.user();
    req.warmup = options_.as_warmup;
    const double now = now_ms();
    if (states_[i].calls_done == 0) out_.agents[i].start_ms = now;
    if (!first_submit_ms_) first_submit_ms_ = now;
    states_[i].state = State::kInFlight;
    submit(i, std::move(req), false);
  }

  // The measured shape of the agent's first call, prompt included: a server
  // whose first prefill of a new prompt length is slow pays that here.
  void submit_warmup(std::size_t i) {
    agents::Stage stage{};
    const auto prompt = next_prompt(i, stage);
    auto measured = agent_request(agents_[i], options_.timeouts, options_.headers);
    measured.system = prompt.system();
    measured.prompt = prompt.user();
    auto req = warmup_request(
        std::move(measured), fmt::format("{}-{}-warmup", options_.id_prefix, agents_[i].spec.name));
    states_[i].state = State::kWarmingUp;
    submit(i, std::move(req), true);
  }

  // Ctrl-C: nothing new starts; what is in flight is cancelled by the HTTP client.
  void stop_new_work() {
    out_.interrupted = true;
    for (std::size_t i = 0; i < agents_.size(); ++i) {
      if (states_[i].state == State::kWaiting || states_[i].state == State::kReady) {
        states_[i].state = State::kDone;
        out_.agents[i].failure = kCancelled;
      }
    }
  }

  // Only agents whose dependencies can never finish are left.
  void give_up_on_blocked_agents() {
    for (std::size_t i = 0; i < agents_.size(); ++i) {
      if (states_[i].state != State::kDone) {
        states_[i].state = State::kDone;
        out_.agents[i].failure = "never started: its dependencies did not finish";
      }
    }
  }

  void receive(Completion c) {
    --in_flight_;
    --permits_in_use_[agents_[c.agent].backend];
    auto& exec = out_.agents[c.agent];
    auto& s = states_[c.agent];
    if (c.warmup) {
      exec.warmups.push_back(std::move(c.result));
      s.state = out_.interrupted ? State::kDone : State::kReady;
      if (out_.interrupted) exec.failure = kCancelled;
      return;
    }
    const double now = now_ms();
    const double span =
        now - (s.calls_done == 0 ? exec.start_ms : exec.start_ms + exec.analysis_ms);
    (s.calls_done == 0 ? exec.analysis_ms : exec.report_ms) = span;
    const bool call_ok = c.result.status == measure::Status::kOk;
    exec.calls.push_back(std::move(c.result));
    ++s.calls_done;
    exec.end_ms = now;
    last_completion_ms_ = std::max(last_completion_ms_, now);
    if (call_ok && s.calls_done < s.calls_total && !out_.interrupted) {
      s.state = State::kReady;
      return;
    }
    s.state = State::kDone;
    exec.ok = call_ok && s.calls_done >= s.calls_total;
    if (out_.interrupted && !exec.ok && exec.failure.empty()) exec.failure = kCancelled;
  }

  const std::vector<WorkflowAgent>& agents_;
  const ExecutionOptions& options_;
  std::vector<AgentState> states_;
  std::map<std::string, std::size_t> index_of_;
  ExecutionResult out_;
  Mailbox<Completion> mailbox_;
  std::map<const backends::Backend*, int> permits_in_use_;
  int in_flight_ = 0;
  const Clock::time_point begin_ = Clock::now();
  std::optional<double> first_submit_ms_;
  double last_completion_ms_ = 0;
};

}  // namespace

const std::string& AgentExecution::final_text() const {
  if (calls.empty() || calls.back().status != measure::Status::kOk) return kNoText;
  return calls.back().text;
}

backends::GenerationRequest agent_request(const WorkflowAgent& agent,
                                          const backends::Timeouts& timeouts,
                                          const std::map<std::string, std::string>& headers) {
  backends::GenerationRequest req;
  req.model = agent.spec.profile.model;
  req.api = agent.backend->kind() == "openai" ? "chat_completions" : "chat";
  req.options = agent.spec.profile.options;
  req.timeouts = timeouts;
  req.headers = headers;
  return req;
}

ExecutionResult execute(const std::vector<WorkflowAgent>& agents, const ExecutionOptions& options) {
  return Coordinator(agents, options).run();
}

}  // namespace chimera::orchestrate
