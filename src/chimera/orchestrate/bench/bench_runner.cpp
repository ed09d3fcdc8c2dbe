#include "chimera/orchestrate/bench/bench_runner.hpp"

#include <fmt/format.h>

#include "chimera/orchestrate/common/mailbox.hpp"
#include "chimera/orchestrate/common/warmup.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/signals.hpp"

namespace chimera::orchestrate {
namespace {

backends::GenerationRequest make_request(const RunPlan& plan, int index, bool warmup) {
  backends::GenerationRequest req;
  req.id = fmt::format("{}-{}", plan.id_prefix, index);
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
  if (warmup) {
    return warmup_request(std::move(req), fmt::format("{}-w{}", plan.id_prefix, index));
  }
  return req;
}

}  // namespace

RunOutcome run_plan(backends::Backend& backend, const RunPlan& plan,
                    const std::function<void(const measure::RequestResult&)>& on_result) {
  RunOutcome outcome;
  Mailbox<measure::RequestResult> mailbox;
  auto submit = [&](int index, bool warmup) {
    backend.submit(make_request(plan, index, warmup),
                   [&mailbox](measure::RequestResult r) { mailbox.post(std::move(r)); });
  };
  auto deliver = [&](const measure::RequestResult& r) {
    if (r.status == measure::Status::kError && r.error_kind == to_string(FailureKind::kCancelled))
      return;
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
