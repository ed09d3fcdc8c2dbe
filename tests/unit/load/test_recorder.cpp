#include <gtest/gtest.h>

#include "chimera/load/recorder.hpp"

namespace chimera::load {
namespace {

measure::RequestResult finished(const std::string& id, double ttft, std::vector<double> chunks_ms,
                                std::int64_t prompt_tokens) {
  measure::RequestResult r;
  r.id = id;
  r.status = measure::Status::kOk;
  measure::Timeline timeline;
  timeline.text_chunk_ms = std::move(chunks_ms);
  r.server.eval_count = static_cast<std::int64_t>(timeline.text_chunk_ms.size());
  r.server.prompt_eval_count = prompt_tokens;
  measure::finalize(r, timeline);
  EXPECT_EQ(*r.ttft_ms, ttft);
  return r;
}

TEST(LoadRecorder, OpenLoopRunAsTheRunnerWouldReportIt) {
  LoadRecorder rec(2.0, *parse_slo("ttft=150ms"));
  // Two requests due at 0 and 0.5 s, sent 0.2 ms and 1 ms late.
  rec.on_send("a", 0.0, 0.0002, false, 40);
  rec.on_send("b", 0.5, 0.501, false, 40);
  EXPECT_EQ(rec.in_flight(), 2u);
  rec.on_finish(finished("a", 100, {100, 200, 300}, 12), 0.9);  // chunks at 0.1–0.3 s
  rec.on_finish(finished("b", 200, {200, 300}, 12), 1.0);       // TTFT 200 misses the SLO
  rec.on_finish(finished("zzz", 1, {1}, 1), 1.1);               // never sent: ignored
  EXPECT_EQ(rec.in_flight(), 0u);
  EXPECT_EQ(rec.unknown_finishes(), 1);
  const auto s = rec.finish();
  EXPECT_NEAR(s.throughput.duration_s, 1.0 - 0.0002, 1e-12);
  EXPECT_EQ(s.throughput.ok, 2);
  EXPECT_EQ(s.throughput.output_tokens, 5);
  EXPECT_EQ(s.throughput.prompt_tokens, 24);  // the server's count, not the workload's 40
  EXPECT_EQ(s.throughput.max_in_flight, 2);
  EXPECT_EQ(*s.throughput.slo_met, 1);
  ASSERT_TRUE(s.schedule);
  EXPECT_EQ(s.schedule->requests, 2);
  EXPECT_NEAR(*s.schedule->lateness_ms.max, 1.0, 1e-9);
  EXPECT_NEAR(*s.schedule->lateness_ms.p50, 0.6, 1e-9);
  const auto j = to_json(s);
  EXPECT_TRUE(j.contains("schedule"));
  EXPECT_EQ(j["throughput"]["slo_met"], 1);
}

TEST(LoadRecorder, LatenessIsTheResultsOwnSendTimeWhenItHasOne) {
  LoadRecorder rec(10.0);
  // Handed over early (held by the HTTP loop until due); the bytes went out
  // 0.3 ms and 2 ms after the due times.
  rec.on_send("a", 0.0, 0.0);
  rec.on_send("b", 0.1, 0.1);
  auto a = finished("a", 10, {10, 20}, 3);
  a.send_s = 0.0003;
  auto b = finished("b", 10, {10, 20}, 3);
  b.send_s = 0.102;
  rec.on_finish(a, 0.05);
  rec.on_finish(b, 0.15);
  const auto s = rec.finish();
  ASSERT_TRUE(s.schedule);
  EXPECT_NEAR(*s.schedule->lateness_ms.max, 2.0, 1e-9);
  EXPECT_NEAR(*s.schedule->lateness_ms.p50, 1.15, 1e-9);
  EXPECT_NEAR(s.schedule->achieved_rate, 1 / (0.102 - 0.0003), 1e-9);
}

TEST(LoadRecorder, ClosedLoopHasNoSchedule) {
  LoadRecorder rec;
  rec.on_send("x", 0, 0);
  rec.on_finish(finished("x", 10, {10, 20}, 3), 0.5);
  const auto s = rec.finish();
  EXPECT_FALSE(s.schedule);
  EXPECT_FALSE(s.throughput.goodput_per_s);
  EXPECT_DOUBLE_EQ(s.throughput.requests_per_s, 2.0);
  EXPECT_FALSE(to_json(s).contains("schedule"));
}

}  // namespace
}  // namespace chimera::load
