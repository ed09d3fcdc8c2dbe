#include "chimera/orchestrate/bench_runner.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "chimera/util/signals.hpp"

namespace chimera::orchestrate {
namespace {

// Completed results travel from the HTTP loop thread to the caller's thread,
// so the loop never waits on a disk write.
class Mailbox {
 public:
  void post(measure::RequestResult r) {
    {
      std::lock_guard lock(mutex_);
      results_.push_back(std::move(r));
    }
    cv_.notify_one();
  }
  std::optional<measure::RequestResult> take() {
    std::unique_lock lock(mutex_);
    // Bounded wait, so the caller notices Ctrl-C within 100 ms.
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return !results_.empty(); });
    if (results_.empty()) return std::nullopt;
    auto r = std::move(results_.front());
    results_.pop_front();
    return r;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<measure::RequestResult> results_;
};

backends::GenerationRequest make_request(const RunPlan& plan, int index, bool warmup) {
  backends::GenerationRequest req;
  req.id = warmup ? fmt::format("{}-w{}", plan.id_prefix, index)
                  : fmt::format("{}-{}", plan.id_prefix, index);
  req.model = plan.model;
  req.api = plan.api;
  req.system = plan.system;
  req.prompt = plan.prompts.empty()
                   ? std::string("Hello")
                   : plan.prompts[static_cast<std::size_t>(index) % plan.prompts.size()];
  req.options = plan.options;
  req.keep_alive = plan.keep_alive;
  req.headers = plan.headers;
  req.timeouts = plan.timeouts;
  req.warmup = warmup;
  return req;
}

}  // namespace

RunOutcome run_plan(backends::Backend& backend, const RunPlan& plan,
                    const std::function<void(const measure::RequestResult&)>& on_result) {
  RunOutcome outcome;
  Mailbox mailbox;
  auto submit = [&](int index, bool warmup) {
    backend.submit(make_request(plan, index, warmup),
                   [&mailbox](measure::RequestResult r) { mailbox.post(std::move(r)); });
  };
  auto deliver = [&](const measure::RequestResult& r) {
    if (r.status == measure::Status::kError && r.error_kind == "cancelled") return;
    on_result(r);
    if (!r.warmup) {
      ++outcome.measured;
      if (r.status != measure::Status::kOk) ++outcome.failed;
    }
  };
  auto wait_all = [&](int& in_flight) {
    while (in_flight > 0) {
      if (auto r = mailbox.take()) {
        --in_flight;
        deliver(*r);
      }
    }
  };

  // Warm-up, one at a time: the first one pays for the model load.
  if (!plan.cold) {
    for (int i = 0; i < plan.warmup && !signals::interrupted(); ++i) {
      int in_flight = 1;
      submit(i, true);
      wait_all(in_flight);
    }
  }

  const int concurrency = plan.cold ? 1 : std::max(1, plan.concurrency);
  int next = 0;
  int in_flight = 0;
  while (!signals::interrupted() && (next < plan.runs || in_flight > 0)) {
    while (next < plan.runs && in_flight < concurrency && !signals::interrupted()) {
      if (plan.cold) {
        if (auto unloaded = backend.unload(plan.model); !unloaded) {
          outcome.notes.push_back(fmt::format("could not unload before run {}: {}", next + 1,
                                              unloaded.error().message));
        }
      }
      submit(next++, false);
      ++in_flight;
    }
    if (in_flight > 0) {
      if (auto r = mailbox.take()) {
        --in_flight;
        deliver(*r);
      }
    }
  }
  if (signals::interrupted()) {
    outcome.interrupted = true;
    // The client cancels what is in flight; collect those so no callback
    // outlives this frame. Requests that finished meanwhile are still kept.
    wait_all(in_flight);
  }
  return outcome;
}

}  // namespace chimera::orchestrate
