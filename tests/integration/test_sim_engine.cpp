// The simulator's engine behaviours seen from a real client: continuous
// batching (each request slower, the engine faster, as the batch grows), the
// first-of-a-shape prefill penalty, and prefill proportional to the prompt.
// Expected times are recomputed from the truth the simulator records; margins
// are wide because the machine is shared.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "support/process.hpp"
#include "test_sim_client.hpp"

namespace chimera::testing {
namespace {

using nlohmann::json;

json generate(int tokens, const std::string& prompt = "measure me", bool stream = true) {
  return {{"model", "gemma3:latest"},
          {"prompt", prompt},
          {"stream", stream},
          {"options", {{"num_predict", tokens}}}};
}

// Decode time the simulator's curve gives for the tokens it decoded at each
// batch size: Σ count_b / (decode_tps / (1 + alpha (b - 1))).
double expected_eval_ms(const json& engine, double decode_tps, double alpha) {
  double ms = 0;
  for (const auto& [batch, tokens] : engine["tokens_by_batch"].items()) {
    const double factor = 1.0 / (1.0 + alpha * (std::stod(batch) - 1.0));
    ms += tokens.get<double>() / (decode_tps * factor) * 1000.0;
  }
  return ms;
}

// Sends the bodies together, one client each; returns the truth of those requests by id order.
json run_together(const std::string& url, const std::vector<json>& bodies) {
  SimClient control;
  control.request("DELETE", url + "/sim/requests");
  std::vector<std::thread> threads;
  std::vector<HttpReply> replies(bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      SimClient c;
      replies[i] = c.post(url + "/api/generate", bodies[i]);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : replies) EXPECT_EQ(r.status, 200);
  return json::parse(control.get(url + "/sim/requests").body);
}

const std::vector<std::string> kBatchingSim{
    "--parallel", "4", "--model",
    "gemma3:latest,batching=continuous,batch_alpha=0.5,decode_tps=100,load_ms=0,"
    "prefill_tps=100000"};

TEST(SimEngine, ContinuousBatchingSlowsEachRequestAndSpeedsTheEngine) {
  SimProcess sim(kBatchingSim);
  SimClient warm;
  warm.post(sim.url() + "/api/generate", generate(1));

  const auto truth = run_together(sim.url(), {generate(40), generate(40)});
  ASSERT_EQ(truth.size(), 2u);
  double tokens = 0;
  for (const auto& t : truth) {
    const auto& engine = t["engine"];
    EXPECT_EQ(engine["batching"], "continuous");
    EXPECT_EQ(engine["batch_max"], 2);
    // Nearly every token was decoded two at a time: 40 at 100/1.5 tok/s = 600 ms.
    EXPECT_GE(engine["tokens_by_batch"].value("2", 0), 35);
    const double eval_ms = t["eval_ms"].get<double>();
    EXPECT_NEAR(eval_ms, expected_eval_ms(engine, 100, 0.5), 0.15 * eval_ms);
    EXPECT_NEAR(eval_ms, 600.0, 120.0);
    EXPECT_LT(engine["effective_tps"].get<double>(), 80.0);  // slower than alone (100)
    tokens += t["eval_count"].get<double>();
  }
  // The engine's aggregate: 80 tokens in about 600 ms, more than one request alone.
  const std::int64_t start = std::min(truth[0]["first_token_ns"].get<std::int64_t>(),
                                      truth[1]["first_token_ns"].get<std::int64_t>());
  const std::int64_t end = std::max(truth[0]["last_token_ns"].get<std::int64_t>(),
                                    truth[1]["last_token_ns"].get<std::int64_t>());
  const double aggregate_tps = tokens / (static_cast<double>(end - start) / 1e9);
  EXPECT_GT(aggregate_tps, 110.0);  // 133 nominal
}

TEST(SimEngine, ShortRequestLeavesTheBatchAndTheLongOneSpeedsUp) {
  SimProcess sim(kBatchingSim);
  SimClient warm;
  warm.post(sim.url() + "/api/generate", generate(1));

  const auto truth = run_together(sim.url(), {generate(20), generate(60, "measure me too")});
  ASSERT_EQ(truth.size(), 2u);
  const auto& longer = truth[0]["eval_count"] == 60 ? truth[0] : truth[1];
  const auto& engine = longer["engine"];
  EXPECT_EQ(engine["batch_min"], 1);
  EXPECT_EQ(engine["batch_max"], 2);
  // 20 tokens together (300 ms), then 40 alone (400 ms).
  EXPECT_NEAR(engine["tokens_by_batch"].value("1", 0), 40, 6);
  const double eval_ms = longer["eval_ms"].get<double>();
  EXPECT_NEAR(eval_ms, expected_eval_ms(engine, 100, 0.5), 0.15 * eval_ms);
  EXPECT_NEAR(eval_ms, 700.0, 140.0);
}

TEST(SimEngine, NonStreamingRequestsFollowTheBatchToo) {
  SimProcess sim(kBatchingSim);
  SimClient warm;
  warm.post(sim.url() + "/api/generate", generate(1));
  const auto truth = run_together(sim.url(), {generate(30, "a", false), generate(30, "b", false)});
  ASSERT_EQ(truth.size(), 2u);
  for (const auto& t : truth) {
    EXPECT_FALSE(t["stream"].get<bool>());
    EXPECT_EQ(t["engine"]["batch_max"], 2);
    EXPECT_NEAR(t["eval_ms"].get<double>(), 450.0, 110.0);  // 30 at 66.7 tok/s
  }
}

TEST(SimEngine, TableCurveSetsTheRateOfEachBatchSize) {
  // Two together at half rate each: the engine gains nothing from batching.
  SimProcess sim({"--parallel", "2", "--model",
                  "gemma3:latest,batching=continuous,batch_curve=2:0.5,decode_tps=100,load_ms=0,"
                  "prefill_tps=100000"});
  SimClient warm;
  warm.post(sim.url() + "/api/generate", generate(1));
  const auto truth = run_together(sim.url(), {generate(30), generate(30)});
  ASSERT_EQ(truth.size(), 2u);
  for (const auto& t : truth) {
    EXPECT_GE(t["engine"]["tokens_by_batch"].value("2", 0), 25);
    EXPECT_NEAR(t["eval_ms"].get<double>(), 600.0, 120.0);  // 30 tokens at 50 tok/s
    EXPECT_NEAR(t["engine"]["effective_tps"].get<double>(), 50.0, 10.0);
  }
}

TEST(SimEngine, IndependentSlotsKeepTheirRate) {
  SimProcess sim(
      {"--parallel", "2", "--load-ms", "0", "--decode-tps", "100", "--prefill-tps", "100000"});
  SimClient warm;
  warm.post(sim.url() + "/api/generate", generate(1));
  const auto truth = run_together(sim.url(), {generate(40), generate(40)});
  ASSERT_EQ(truth.size(), 2u);
  for (const auto& t : truth) {
    EXPECT_EQ(t["engine"]["batching"], "independent");
    EXPECT_NEAR(t["eval_ms"].get<double>(), 400.0, 100.0);
  }
}

TEST(SimEngine, FirstRequestOfAShapePaysThePenalty) {
  SimProcess sim({"--load-ms", "0", "--decode-tps", "1000", "--model",
                  "gemma3:latest,shape_penalty_ms=400,shape_bucket_tokens=64,prefill_tps=100000"});
  SimClient client;
  auto prefill = [&](const std::string& prompt) {
    auto r = client.post(sim.url() + "/api/generate", generate(2, prompt));
    EXPECT_EQ(r.status, 200);
    const auto truth = json::parse(client.get(sim.url() + "/sim/requests").body).back();
    return std::pair{ndjson_lines(r.body).back()["prompt_eval_duration"].get<double>() / 1e6,
                     truth};
  };
  const auto [first_ms, first] = prefill("short prompt");
  EXPECT_GE(first_ms, 390.0);
  EXPECT_DOUBLE_EQ(first["engine"]["shape_penalty_ms"].get<double>(), 400.0);
  EXPECT_EQ(first["engine"]["shape_bucket"], 1);

  const auto [again_ms, again] = prefill("short prompt again");  // same bucket
  EXPECT_LT(again_ms, 100.0);
  EXPECT_DOUBLE_EQ(again["engine"]["shape_penalty_ms"].get<double>(), 0.0);

  const auto [longer_ms, longer] = prefill(std::string(1200, 'x'));  // ~300 tokens: a new bucket
  const auto bucket = (longer["prompt_eval_count"].get<std::int64_t>() + 63) / 64;
  EXPECT_GT(bucket, 1);
  EXPECT_EQ(longer["engine"]["shape_bucket"], bucket);
  EXPECT_GE(longer_ms, 390.0);
  EXPECT_DOUBLE_EQ(longer["engine"]["shape_penalty_ms"].get<double>(), 400.0);
}

// The first step at each new batch-size bucket (2, 3-4, 5-8, ...) stalls
// every request decoding then, once for the life of the server.
TEST(SimEngine, FirstStepAtANewBatchSizePaysThePenaltyOnce) {
  SimProcess sim({"--parallel", "4", "--batch-penalty-ms", "300", "--model",
                  "gemma3:latest,batching=continuous,batch_alpha=0,decode_tps=200,load_ms=0,"
                  "prefill_tps=100000"});
  SimClient warm;
  warm.post(sim.url() + "/api/generate", generate(1));
  const auto alone = json::parse(warm.get(sim.url() + "/sim/requests").body).back();
  EXPECT_EQ(alone["engine"]["batch_penalty_ms"].get<double>(), 0.0);  // one request is no batch

  // Two at once: the first step at batch 2 stalls both, by 300 ms.
  const auto pair = run_together(sim.url(), {generate(40), generate(40)});
  ASSERT_EQ(pair.size(), 2u);
  int started = 0;
  for (const auto& t : pair) {
    const auto& engine = t["engine"];
    ASSERT_GE(engine["batch_max"].get<int>(), 2) << t.dump();
    // The one that found batch 2 waits all 300 ms; the other the rest of the
    // stall after its own step began (at most one 5 ms token gap less).
    EXPECT_NEAR(engine["batch_penalty_ms"].get<double>(), 300.0, 20.0) << t.dump();
    ASSERT_EQ(engine["batch_penalties"].size(), 1u);
    const auto& paid = engine["batch_penalties"][0];
    EXPECT_EQ(paid["bucket"], 2);
    EXPECT_GE(paid["at_ns"].get<std::int64_t>(), t["received_ns"].get<std::int64_t>());
    EXPECT_LE(paid["at_ns"].get<std::int64_t>(), t["done_ns"].get<std::int64_t>());
    if (paid["started"].get<bool>()) {
      ++started;
      EXPECT_DOUBLE_EQ(paid["ms"].get<double>(), 300.0);
    }
    // 40 tokens at 200 tok/s (batch_alpha 0: no slowdown) plus the stall.
    EXPECT_NEAR(t["eval_ms"].get<double>(), 200.0 + 300.0, 100.0);
  }
  EXPECT_EQ(started, 1);

  // Two again: bucket 2 was paid for the life of the server.
  for (const auto& t : run_together(sim.url(), {generate(40), generate(40)})) {
    EXPECT_DOUBLE_EQ(t["engine"]["batch_penalty_ms"].get<double>(), 0.0) << t.dump();
    EXPECT_NEAR(t["eval_ms"].get<double>(), 200.0, 80.0);
  }

  // Four at once reach bucket 3-4, new: paid once more, by all four.
  const auto four =
      run_together(sim.url(), {generate(40), generate(40), generate(40), generate(40)});
  ASSERT_EQ(four.size(), 4u);
  int max_batch = 0;
  for (const auto& t : four) {
    max_batch = std::max(max_batch, t["engine"]["batch_max"].get<int>());
    std::set<int> buckets;
    for (const auto& p : t["engine"]["batch_penalties"]) buckets.insert(p["bucket"].get<int>());
    EXPECT_EQ(buckets, std::set<int>{4}) << t.dump();
  }
  EXPECT_GE(max_batch, 3);
}

TEST(SimEngine, PrefillTimeFollowsThePromptLength) {
  SimProcess sim({"--load-ms", "0", "--decode-tps", "1000", "--prefill-tps", "1000"});
  SimClient client;
  client.post(sim.url() + "/api/generate", generate(1));
  auto r = client.post(sim.url() + "/api/generate", generate(2, std::string(1600, 'y')));
  ASSERT_EQ(r.status, 200);
  const auto final_line = ndjson_lines(r.body).back();
  const double tokens = final_line["prompt_eval_count"].get<double>();
  EXPECT_GE(tokens, 400.0);
  const double prefill_ms = final_line["prompt_eval_duration"].get<double>() / 1e6;
  EXPECT_NEAR(prefill_ms, tokens, 0.15 * tokens + 20);  // 1000 tok/s: one ms per token
}

}  // namespace
}  // namespace chimera::testing
