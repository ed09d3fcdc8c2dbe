#include "chimera/orchestrate/bench/bench_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "chimera/load/conventions.hpp"
#include "chimera/load/recorder.hpp"
#include "chimera/load/sketch.hpp"
#include "chimera/orchestrate/bench/warmup_load.hpp"
#include "chimera/orchestrate/common/mailbox.hpp"
#include "chimera/orchestrate/common/warmup.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/signals.hpp"

namespace chimera::orchestrate {
namespace {

using Clock = std::chrono::steady_clock;

// Open loop without a concurrency cap: a request is built and handed to the
// HTTP loop up to this long before it is due, and the loop sends it at its
// time. What this thread is doing then (a burst of completions, a store
// write) no longer delays the send; only the loop's own wake-up does.
constexpr double kOpenLoopLeadS = 0.020;

// The load figures print percentiles, never a confidence interval; a
// bootstrap (O(n × 2000)) would be spent on nothing.
constexpr stats::BootstrapOptions kNoCi{.resamples = 0};

// A completion and when the HTTP loop thread posted it (within microseconds
// of the last byte), so the finish time does not include the caller's delay.
struct Finished {
  measure::RequestResult result;
  Clock::time_point at;
};

backends::GenerationRequest base_request(const RunPlan& plan, std::string id) {
  backends::GenerationRequest req;
  req.id = std::move(id);
  req.model = plan.model;
  req.api = plan.api;
  req.system = plan.system;
  req.options = plan.options;
  req.keep_alive = plan.keep_alive;
  req.headers = plan.headers;
  req.timeouts = plan.timeouts;
  return req;
}

std::string plain_prompt(const RunPlan& plan, int index) {
  return plan.prompts.empty() ? std::string("Hello")
                              : plan.prompts[static_cast<std::size_t>(index) % plan.prompts.size()];
}

backends::GenerationRequest warmup_of(const RunPlan& plan, int index) {
  auto req = base_request(plan, fmt::format("{}-{}", plan.id_prefix, index));
  req.prompt = plain_prompt(plan, index);
  return warmup_request(std::move(req), fmt::format("{}-w{}", plan.id_prefix, index));
}

// The measured requests' prompts and lengths, drawn in send order.
class Workload {
 public:
  Workload(const RunPlan& plan, std::string backend_kind)
      : plan_(plan), backend_kind_(std::move(backend_kind)) {
    if (plan.synthetic) synthetic_.emplace(*plan.synthetic);
    if (plan.output_tokens) output_.emplace(*plan.output_tokens, plan.workload_seed + 1);
  }

  // The request and our count of its prompt tokens (0: not counted).
  std::pair<backends::GenerationRequest, std::int64_t> next(int index) {
    auto req = base_request(plan_, fmt::format("{}-{}", plan_.id_prefix, index));
    std::int64_t tokens = 0;
    std::optional<std::int64_t> max_tokens;
    if (!plan_.prompt_records.empty()) {
      const auto& rec =
          plan_.prompt_records[static_cast<std::size_t>(index) % plan_.prompt_records.size()];
      req.prompt = rec.prompt;
      for (const auto& m : rec.messages) req.messages.push_back({m.role, m.content});
      max_tokens = rec.max_tokens;
    } else if (synthetic_) {
      auto p = synthetic_->next();
      req.prompt = std::move(p.text);
      tokens = p.tokens;
      max_tokens = p.max_tokens;
    } else {
      req.prompt = plain_prompt(plan_, index);
    }
    if (!max_tokens && output_) max_tokens = output_->next();
    if (max_tokens) req.options.update(load::output_length_options(backend_kind_, *max_tokens));
    return {std::move(req), tokens};
  }

  // --output-tokens for a request built elsewhere (a conversation's turn).
  void ask_output_length(backends::GenerationRequest& req) {
    if (output_) req.options.update(load::output_length_options(backend_kind_, output_->next()));
  }

 private:
  const RunPlan& plan_;
  std::string backend_kind_;
  std::optional<load::SyntheticPrompts> synthetic_;
  std::optional<load::LengthSampler> output_;
};

// Other tools' inter-token figures, streamed (see load/conventions.hpp).
class Conventions {
 public:
  void add(const measure::RequestResult& r) {
    if (r.status != measure::Status::kOk) return;
    put(vllm_tpot_, load::vllm_tpot_ms(r));
    for (double gap : r.itl_ms) vllm_itl_.add(gap);
    put(genai_itl_, load::genai_perf_itl_ms(r));
    put(guidellm_itl_, load::guidellm_itl_ms(r));
    put(guidellm_tpot_, load::guidellm_tpot_ms(r));
    put(llmperf_, load::llmperf_inter_token_ms(r));
  }

  nlohmann::json to_json() const {
    auto p = [](const load::LatencySketch& s) { return load::percentiles_json(s.summary(kNoCi)); };
    return {{"vllm", {{"tpot_ms", p(vllm_tpot_)}, {"itl_ms", p(vllm_itl_)}}},
            {"genai_perf", {{"inter_token_latency_ms", p(genai_itl_)}}},
            {"guidellm", {{"itl_ms", p(guidellm_itl_)}, {"tpot_ms", p(guidellm_tpot_)}}},
            {"llmperf", {{"inter_token_latency_ms", p(llmperf_)}}}};
  }

 private:
  static void put(load::LatencySketch& sketch, std::optional<double> v) {
    if (v) sketch.add(*v);
  }
  load::LatencySketch vllm_tpot_, vllm_itl_, genai_itl_, guidellm_itl_, guidellm_tpot_, llmperf_;
};

// Per turn of a conversation: how fast the answer started and how long the
// prompt was by the server's count (KV-cache reuse shows as a flat TTFT).
struct TurnStats {
  load::LatencySketch ttft_ms, prompt_tokens;
  std::int64_t requests = 0;
};

// The measured part of one plan: sends (closed or open loop), completions,
// and the streamed load aggregates.
class MeasuredRun {
 public:
  MeasuredRun(backends::Backend& backend, const RunPlan& plan, RunOutcome& outcome,
              const std::function<void(const measure::RequestResult&)>& on_result,
              const std::function<void()>& on_flush)
      : backend_(backend),
        plan_(plan),
        outcome_(outcome),
        on_result_(on_result),
        on_flush_(on_flush),
        workload_(plan, backend.kind()),
        recorder_(plan.open_loop ? std::optional(plan.open_loop->rate) : std::nullopt, plan.slo) {}

  // At the measured load: a burst (closed loop) or the measured schedule
  // (open loop), every request finished before the measured ones start.
  void warm_up(const WarmupLoad& load) {
    if (load.open_loop) {
      warm_up_open_loop(*load.open_loop);
    } else {
      int next = 0;
      while (!signals::interrupted() && (next < load.requests || in_flight_ > 0)) {
        while (next < load.requests && in_flight_ < load.in_flight && !signals::interrupted()) {
          submit(warmup_of(plan_, next++));
        }
        if (in_flight_ > 0) receive_until(Clock::now() + std::chrono::milliseconds(100));
      }
    }
    drain_all();
  }

  void run() {
    origin_ = Clock::now();
    if (plan_.open_loop) {
      open_loop();
    } else if (plan_.turns > 1) {
      conversations();
    } else {
      closed_loop();
    }
    if (signals::interrupted()) {
      outcome_.interrupted = true;
      // The client cancels what is in flight; collect those so no callback
      // outlives this frame. Requests that finished meanwhile are still kept.
      drain_all();
    }
    finish_json();
  }

 private:
  double seconds(Clock::time_point t) const {
    return std::chrono::duration<double>(t - origin_).count();
  }

  void submit(backends::GenerationRequest req) {
    ++in_flight_;
    backend_.submit(std::move(req), [this](measure::RequestResult r) {
      mailbox_.post(Finished{std::move(r), Clock::now()});
    });
  }

  // `scheduled_s` < 0: closed loop, due when sent. An open-loop request
  // handed over early is held by the HTTP loop until it is due.
  void send(int index, double scheduled_s, bool held_by_cap) {
    auto [req, tokens] = workload_.next(index);
    const double now = seconds(Clock::now());
    if (scheduled_s >= 0) req.not_before = at(scheduled_s);
    recorder_.on_send(req.id, scheduled_s < 0 ? now : scheduled_s, std::max(now, scheduled_s),
                      held_by_cap, tokens);
    submit(std::move(req));
  }

  Clock::time_point at(double seconds_since_origin) const {
    return origin_ + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(seconds_since_origin));
  }

  // The request's send times on this run's axis: when it was due (open loop)
  // and when the client was about to write its bytes (t0, from the backend).
  void stamp_send_times(measure::RequestResult& r) const {
    const auto sent = recorder_.sent_of(r.id);
    if (!sent) return;
    if (plan_.open_loop) r.scheduled_send_s = sent->scheduled_s;
    if (r.t0_steady_ns != 0) {
      r.send_s = seconds(Clock::time_point(
          std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(r.t0_steady_ns))));
    } else {
      r.send_s = sent->sent_s;
    }
  }

  void receive(Finished f) {
    --in_flight_;
    auto& r = f.result;
    if (r.status == measure::Status::kError && r.error_kind == to_string(FailureKind::kCancelled)) {
      return;
    }
    if (!r.warmup) {
      stamp_send_times(r);
      recorder_.on_finish(r, seconds(f.at));
      conventions_.add(r);
      ++outcome_.measured;
      if (r.status != measure::Status::kOk) ++outcome_.failed;
    }
    on_result_(r);
    ++unflushed_;
    if (!r.warmup && plan_.turns > 1) after_turn(r);
  }

  // Flushes what is due, then waits for one completion (no later than
  // `deadline`, nor than the next flush that is due) and takes every other
  // one already there. Flushing here, just before waiting, lets the store's
  // writes overlap the requests the caller has just sent.
  void receive_until(Clock::time_point deadline) {
    flush_if_due();
    if (unflushed_ > 0) deadline = std::min(deadline, flushed_at_ + kFlushEvery);
    if (auto f = mailbox_.take_until(deadline)) {
      receive(std::move(*f));
      while (auto more = mailbox_.try_take()) receive(std::move(*more));
    }
  }

  // Calls on_flush once results came in and kFlushEvery passed since the
  // last call, or kFlushResults of them are waiting: a lone result is flushed
  // at once, a stream of them in groups.
  void flush_if_due() {
    if (unflushed_ == 0) return;
    const auto now = Clock::now();
    if (unflushed_ >= kFlushResults || now - flushed_at_ >= kFlushEvery) flush(now);
  }

  void flush(Clock::time_point now) {
    if (on_flush_) on_flush_();
    unflushed_ = 0;
    flushed_at_ = now;
  }

  void drain_all() {
    while (in_flight_ > 0) receive_until(Clock::now() + std::chrono::milliseconds(100));
  }

  // More to send: `runs` requests, or until closed_loop_s has passed.
  bool more_to_send(int next) const {
    if (plan_.closed_loop_s) return seconds(Clock::now()) < *plan_.closed_loop_s;
    return next < plan_.runs;
  }

  void closed_loop() {
    const int concurrency = plan_.cold ? 1 : std::max(1, plan_.concurrency);
    int next = 0;
    while (!signals::interrupted() && (more_to_send(next) || in_flight_ > 0)) {
      while (more_to_send(next) && in_flight_ < concurrency && !signals::interrupted()) {
        if (plan_.cold) {
          if (auto unloaded = backend_.unload(plan_.model); !unloaded) {
            outcome_.notes.push_back(fmt::format("could not unload before run {}: {}", next + 1,
                                                 unloaded.error().message));
          }
        }
        send(next++, -1, false);
      }
      if (in_flight_ > 0) receive_until(Clock::now() + std::chrono::milliseconds(100));
    }
  }

  struct Slot {
    std::optional<load::Conversation> conversation;
    int number = 0;
  };

  void conversations() {
    slots_.resize(static_cast<std::size_t>(std::max(1, plan_.concurrency)));
    for (std::size_t s = 0; s < slots_.size() && started_ < plan_.runs; ++s) start_conversation(s);
    while (!signals::interrupted() && in_flight_ > 0) {
      receive_until(Clock::now() + std::chrono::milliseconds(100));
    }
  }

  void start_conversation(std::size_t slot) {
    const auto seed = plan_.workload_seed + 7919 * static_cast<std::uint64_t>(started_);
    slots_[slot].conversation.emplace(plan_.system, plan_.turn_user_tokens, plan_.turns, seed);
    slots_[slot].number = started_++;
    send_turn(slot);
  }

  void send_turn(std::size_t slot) {
    auto& conversation = *slots_[slot].conversation;
    auto req = base_request(plan_, fmt::format("{}-{}-t{}", plan_.id_prefix, slots_[slot].number,
                                               conversation.turn() + 1));
    req.system.clear();  // the conversation puts it first
    for (const auto& m : conversation.next_messages()) req.messages.push_back({m.role, m.content});
    if (req.api.empty()) req.api = backend_.kind() == "openai" ? "chat_completions" : "chat";
    workload_.ask_output_length(req);
    slot_of_[req.id] = slot;
    const double now = seconds(Clock::now());
    recorder_.on_send(req.id, now, now, false, conversation.content_tokens());
    submit(std::move(req));
  }

  void after_turn(const measure::RequestResult& r) {
    const auto it = slot_of_.find(r.id);
    if (it == slot_of_.end()) return;
    const std::size_t slot = it->second;
    slot_of_.erase(it);
    auto& conversation = *slots_[slot].conversation;
    const auto turn = static_cast<std::size_t>(conversation.turn());
    if (turn_stats_.size() <= turn) turn_stats_.resize(turn + 1);
    auto& stats = turn_stats_[turn];
    ++stats.requests;
    if (r.ttft_ms) stats.ttft_ms.add(*r.ttft_ms);
    if (auto p = r.server.prompt_eval_count ? r.server.prompt_eval_count : r.server.prompt_tokens) {
      stats.prompt_tokens.add(static_cast<double>(*p));
    }
    conversation.add_answer(r.text, r.output_tokens);
    if (signals::interrupted()) return;
    if (!conversation.done()) {
      send_turn(slot);
    } else if (started_ < plan_.runs) {
      start_conversation(slot);
    }
  }

  void warm_up_open_loop(const load::OpenLoopSpec& spec) {
    load::OpenLoopPacer pacer(spec);
    const auto origin = Clock::now();
    int next = 0;
    while (!signals::interrupted()) {
      const double now_s = std::chrono::duration<double>(Clock::now() - origin).count();
      const auto step = pacer.poll(now_s, in_flight_);
      if (step.kind == load::OpenLoopPacer::Step::kSend) {
        submit(warmup_of(plan_, next++));
        continue;
      }
      if (step.kind == load::OpenLoopPacer::Step::kDone && in_flight_ == 0) break;
      auto deadline = Clock::time_point::max();
      if (std::isfinite(step.wake_at)) {
        deadline = origin + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(step.wake_at));
      }
      receive_until(deadline);
    }
  }

  // With --max-concurrency, whether a slot is free at the due time is only
  // known here, so a capped run hands each request over when it is due.
  void open_loop() {
    load::OpenLoopPacer pacer(*plan_.open_loop);
    const double lead = plan_.open_loop->max_concurrency > 0 ? 0.0 : kOpenLoopLeadS;
    while (!signals::interrupted()) {
      const auto step = pacer.poll(seconds(Clock::now()) + lead, in_flight_);
      if (step.kind == load::OpenLoopPacer::Step::kSend) {
        send(static_cast<int>(step.index), step.scheduled_s, step.held_by_cap);
        continue;
      }
      if (step.kind == load::OpenLoopPacer::Step::kDone && in_flight_ == 0) break;
      auto deadline = Clock::time_point::max();
      if (std::isfinite(step.wake_at)) deadline = at(step.wake_at - lead);
      receive_until(deadline);
    }
  }

  void finish_json() {
    outcome_.load = load::to_json(recorder_.finish());
    outcome_.load["conventions"] = conventions_.to_json();
    if (plan_.turns > 1) {
      auto& turns = outcome_.load["turns"] = nlohmann::json::array();
      for (std::size_t k = 0; k < turn_stats_.size(); ++k) {
        turns.push_back({{"turn", k + 1},
                         {"requests", turn_stats_[k].requests},
                         {"ttft_ms", load::percentiles_json(turn_stats_[k].ttft_ms.summary(kNoCi))},
                         {"prompt_tokens",
                          load::percentiles_json(turn_stats_[k].prompt_tokens.summary(kNoCi))}});
      }
    }
    if (plan_.open_loop) {
      outcome_.load["mode"] = {{"loop", "open"},
                               {"rate", plan_.open_loop->rate},
                               {"arrival", load::to_string(plan_.open_loop->arrival)}};
    } else {
      outcome_.load["mode"] = {{"loop", "closed"},
                               {"concurrency", plan_.cold ? 1 : std::max(1, plan_.concurrency)}};
      if (plan_.turns > 1) outcome_.load["mode"]["turns"] = plan_.turns;
    }
  }

  backends::Backend& backend_;
  const RunPlan& plan_;
  RunOutcome& outcome_;
  const std::function<void(const measure::RequestResult&)>& on_result_;
  const std::function<void()>& on_flush_;
  int unflushed_ = 0;  // on_result_ calls since on_flush_ last ran
  Clock::time_point flushed_at_{};
  Workload workload_;
  load::LoadRecorder recorder_;
  Conventions conventions_;
  Mailbox<Finished> mailbox_;
  Clock::time_point origin_;
  int in_flight_ = 0;
  // --turns
  std::vector<Slot> slots_;
  std::unordered_map<std::string, std::size_t> slot_of_;
  int started_ = 0;
  std::vector<TurnStats> turn_stats_;
};

}  // namespace

RunOutcome run_plan(backends::Backend& backend, const RunPlan& plan,
                    const std::function<void(const measure::RequestResult&)>& on_result,
                    const std::function<void()>& on_flush) {
  RunOutcome outcome;
  MeasuredRun run(backend, plan, outcome, on_result, on_flush);
  const WarmupLoad warmup = warmup_load(plan);
  if (!warmup.note.empty()) outcome.notes.push_back(warmup.note);
  if (warmup.requests > 0) run.warm_up(warmup);
  run.run();
  return outcome;
}

}  // namespace chimera::orchestrate
