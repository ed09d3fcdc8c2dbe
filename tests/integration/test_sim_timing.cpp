// The simulator's timing model seen from a real client: decode rate, load on
// first use and on a num_ctx change, queueing, 503 beyond the queue. Margins
// are wide because the machine is shared; the exact figures are in the truth.

#include <gtest/gtest.h>

#include <thread>

#include "support/process.hpp"
#include "test_sim_client.hpp"

namespace chimera::testing {
namespace {

using nlohmann::json;

json generate(const std::string& model, int tokens, json options = json::object()) {
  options["num_predict"] = tokens;
  return {{"model", model}, {"prompt", "measure me"}, {"options", options}};
}

TEST(SimTiming, DecodeRateMatchesTheModel) {
  SimProcess sim({"--load-ms", "0", "--decode-tps", "100", "--prefill-tps", "100000"});
  SimClient client;
  auto r = client.post(sim.url() + "/api/generate", generate("gemma3:latest", 20));
  ASSERT_EQ(r.status, 200);
  const auto final_line = ndjson_lines(r.body).back();
  const double eval_ms = final_line["eval_duration"].get<double>() / 1e6;
  EXPECT_NEAR(eval_ms, 200.0, 60.0);  // 20 tokens at 100 tok/s
  const double rate = final_line["eval_count"].get<double>() / eval_ms * 1000.0;
  EXPECT_NEAR(rate, 100.0, 25.0);
  // The client saw the tokens spread over the same time, not in one burst.
  ASSERT_GE(r.arrival_ms.size(), 10u);
  EXPECT_GT(r.arrival_ms.back() - r.arrival_ms.front(), 150.0);
}

TEST(SimTiming, LoadIsPaidOnFirstUseAndOnNumCtxChange) {
  SimProcess sim({"--load-ms", "300", "--decode-tps", "5000", "--prefill-tps", "100000"});
  SimClient client;
  auto load_ms = [&](json options) {
    auto r = client.post(sim.url() + "/api/generate", generate("gemma3:latest", 2, options));
    return ndjson_lines(r.body).back().value("load_duration", 0.0) / 1e6;
  };
  EXPECT_GE(load_ms({}), 290.0);                   // cold
  EXPECT_LT(load_ms({}), 50.0);                    // warm
  EXPECT_GE(load_ms({{"num_ctx", 2048}}), 290.0);  // new memory layout: reload
  EXPECT_LT(load_ms({{"num_ctx", 2048}}), 50.0);
  EXPECT_GE(load_ms({{"num_ctx", 2048}, {"num_gpu", 20}}), 290.0);
}

TEST(SimTiming, ParallelOneQueuesTheSecondRequest) {
  SimProcess sim(
      {"--load-ms", "0", "--decode-tps", "100", "--prefill-tps", "100000", "--parallel", "1"});
  SimClient warm;
  warm.post(sim.url() + "/api/generate", generate("gemma3:latest", 1));
  warm.request("DELETE", sim.url() + "/sim/requests");

  HttpReply first, second;
  std::thread a([&] {
    SimClient c;
    first = c.post(sim.url() + "/api/generate", generate("gemma3:latest", 20));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread b([&] {
    SimClient c;
    second = c.post(sim.url() + "/api/generate", generate("gemma3:latest", 20));
  });
  a.join();
  b.join();
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  const auto truth = json::parse(warm.get(sim.url() + "/sim/requests").body);
  ASSERT_EQ(truth.size(), 2u);
  const auto& early = truth[0]["received_ns"] < truth[1]["received_ns"] ? truth[0] : truth[1];
  const auto& late = truth[0]["received_ns"] < truth[1]["received_ns"] ? truth[1] : truth[0];
  EXPECT_LT(early["queue_ms"].get<double>(), 20.0);
  EXPECT_GT(late["queue_ms"].get<double>(), 100.0);  // waited for most of the first's 200 ms
  EXPECT_GE(late["first_token_ns"].get<std::int64_t>(), early["done_ns"].get<std::int64_t>());
}

TEST(SimTiming, BeyondMaxQueueIs503) {
  SimProcess sim({"--load-ms", "0", "--decode-tps", "50", "--parallel", "1", "--max-queue", "1"});
  std::vector<HttpReply> replies(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(40 * i));
      SimClient c;
      replies[static_cast<std::size_t>(i)] =
          c.post(sim.url() + "/api/generate", generate("gemma3:latest", 10));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(replies[0].status, 200);
  EXPECT_EQ(replies[1].status, 200);
  ASSERT_EQ(replies[2].status, 503);
  EXPECT_EQ(json::parse(replies[2].body)["error"],
            "server busy, please try again.  maximum pending requests exceeded");
}

TEST(SimTiming, RateLimitsOffStreamsWithoutWaiting) {
  SimProcess sim({"--rate-limits", "off"});  // default models: 2.2 s load, 100 tok/s
  SimClient client;
  const auto start = std::chrono::steady_clock::now();
  auto r = client.post(sim.url() + "/api/generate", generate("gemma3:latest", 2000));
  const double elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ndjson_lines(r.body).back()["eval_count"], 2000);
  EXPECT_LT(elapsed, 1500.0);  // the model would need 22 s
}

}  // namespace
}  // namespace chimera::testing
