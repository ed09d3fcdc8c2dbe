#pragma once
// Everything the bench runner tells the load library about one
// configuration, in two calls per request:
//
//   LoadRecorder rec(open_loop ? std::optional(spec.rate) : std::nullopt, slo);
//   rec.on_send(id, scheduled_s, sent_s, held_by_cap, workload_prompt_tokens);  // at submit
//   rec.on_finish(result, finished_s);  // on the runner's thread, in finish order
//   LoadSummary s = rec.finish();       // any time; again later
//
// sent_s at on_send is when the request should go out as far as the runner
// knows (the later of its due time and the hand-over to the HTTP client);
// throughput and in-flight counts use it. Lateness uses the result's own
// `send_s` (when the client was about to write the request bytes) when the
// result has one, so the schedule summary agrees with the stored requests.
// finished_s should be stamped on the HTTP loop thread as the completion is
// posted (it is then in finish order and within microseconds of the last
// byte). Memory: one small record per request in flight.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "chimera/load/arrival.hpp"
#include "chimera/load/slo.hpp"
#include "chimera/load/throughput.hpp"

namespace chimera::load {

struct LoadSummary {
  ThroughputSummary throughput;
  std::optional<ScheduleSummary> schedule;  // open loop only
};

class LoadRecorder {
 public:
  // target_rate: the open-loop rate (nullopt for a closed loop). slo: for goodput.
  explicit LoadRecorder(std::optional<double> target_rate = std::nullopt,
                        std::optional<Slo> slo = std::nullopt);

  // Closed loop: scheduled_s = sent_s.
  void on_send(const std::string& id, double scheduled_s, double sent_s, bool held_by_cap = false,
               std::int64_t workload_prompt_tokens = 0);
  // A result whose id was never sent (or came twice) is ignored and counted.
  void on_finish(const measure::RequestResult& result, double finished_s);

  // The send times of a request in flight or just finished, for the store/JSONL.
  struct Sent {
    double scheduled_s = 0;
    double sent_s = 0;
    std::int64_t prompt_tokens = 0;
    bool held_by_cap = false;
  };
  // nullopt once on_finish has seen the request (or it was never sent).
  std::optional<Sent> sent_of(const std::string& id) const;
  std::size_t in_flight() const { return sent_.size(); }
  std::int64_t unknown_finishes() const { return unknown_; }

  LoadSummary finish() const;

 private:
  std::optional<Slo> slo_;
  std::optional<ScheduleAccumulator> schedule_;
  ThroughputAccumulator throughput_;
  std::unordered_map<std::string, Sent> sent_;
  std::int64_t unknown_ = 0;
};

// {"throughput": {...}, "schedule": {...}} (schedule only for an open loop).
nlohmann::json to_json(const LoadSummary& summary);

}  // namespace chimera::load
