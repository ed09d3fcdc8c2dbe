#include <gtest/gtest.h>

#include "chimera/report/model.hpp"
#include "report_fixtures.hpp"

namespace chimera::report {
namespace {

using fixtures::empty_request;
using fixtures::failed_request;
using fixtures::ok_request;

bool has_warning(const ConfigurationResult& c, const std::string& needle) {
  for (const auto& w : c.warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(SummarizeConfiguration, ExcludesWarmupSeparatesColdAndNeverCountsFailuresAsSuccess) {
  const std::vector<measure::RequestResult> requests = {
      ok_request(900, 5, 10, 800, /*warmup=*/true),  // warm-up, also cold: ignored
      ok_request(100, 5, 10),                        // ttft 100, decode 5 / 0.05 s = 100 tok/s
      ok_request(110, 5, 10),
      ok_request(120, 5, 10),
      ok_request(1500, 5, 10, /*load_ms=*/1400),  // cold
      empty_request(),
      failed_request("timeout", "no first token within 30 s"),
      failed_request("timeout", "no first token within 30 s"),
  };
  const auto c = summarize_configuration("base", requests);
  EXPECT_EQ(c.counts.total, 8);
  EXPECT_EQ(c.counts.warmup, 1);
  EXPECT_EQ(c.counts.ok, 4);
  EXPECT_EQ(c.counts.cold, 1);
  EXPECT_EQ(c.counts.empty, 1);
  EXPECT_EQ(c.counts.error, 2);
  EXPECT_EQ(c.backend, "ollama");
  EXPECT_EQ(c.options["num_ctx"], 1024);

  const auto* ttft = c.warm_summary(Metric::kTtftMs);
  ASSERT_NE(ttft, nullptr);
  EXPECT_EQ(ttft->n, 3u);  // the cold one is not averaged in
  EXPECT_DOUBLE_EQ(*ttft->mean, 110.0);
  EXPECT_DOUBLE_EQ(*ttft->sd, 10.0);
  const auto* tps = c.warm_summary(Metric::kDecodeTps);
  EXPECT_DOUBLE_EQ(*tps->mean, 100.0);
  ASSERT_FALSE(c.cold.empty());
  EXPECT_EQ(c.cold.front().metric, Metric::kTtftMs);
  EXPECT_DOUBLE_EQ(*c.cold.front().summary.mean, 1500.0);

  EXPECT_EQ(c.error_reasons.at("timeout: no first token within 30 s"), 2);
  EXPECT_EQ(c.error_reasons.at("empty: the server answered with zero output tokens"), 1);
  EXPECT_TRUE(has_warning(c, "reported apart"));
  EXPECT_TRUE(has_warning(c, "zero output tokens"));
  EXPECT_TRUE(has_warning(c, "2 requests of 7 failed"));
  EXPECT_FALSE(has_warning(c, "noisy"));  // ttft CV is 9.1%
}

TEST(SummarizeConfiguration, WarnsAboutNoisyResultsWithAdvice) {
  // TTFT 100, 150, 200: mean 150, sd 50, CV 33.3%.
  const auto c = summarize_configuration(
      "noisy", {ok_request(100, 5, 10), ok_request(150, 5, 10), ok_request(200, 5, 10)});
  EXPECT_TRUE(has_warning(c, "ttft_ms varies by 33.3%"));
  EXPECT_TRUE(has_warning(c, "use more --runs or close other programs"));
}

TEST(SummarizeConfiguration, UnderLoadTheSpreadIsCalledQueueing) {
  SummarizeOptions options;
  options.under_load = true;
  ConfigurationAccumulator acc({.label = "c=4"}, options);
  for (double ttft : {100.0, 150.0, 200.0}) acc.add(ok_request(ttft, 5, 10));
  const auto c = acc.finish();
  EXPECT_TRUE(has_warning(c, "ttft_ms varies by 33.3%"));
  EXPECT_TRUE(has_warning(c, "queueing"));
  EXPECT_FALSE(has_warning(c, "use more --runs"));
}

TEST(SummarizeConfiguration, NoSuccessfulRequests) {
  const auto c =
      summarize_configuration("down", {failed_request("connect", "is the server running?")});
  EXPECT_TRUE(c.warm.empty());
  EXPECT_EQ(c.counts.error, 1);
  EXPECT_TRUE(has_warning(c, "no successful requests"));
}

TEST(ConfigurationAccumulator, StreamsToTheSameResultAndCanFinishEarly) {
  const auto requests = fixtures::steady_requests(100, 20);
  ConfigurationAccumulator acc({.key = "k", .label = "streamed"});
  acc.add(requests[0]);
  acc.add(requests[1]);
  EXPECT_EQ(acc.finish().counts.ok, 1);  // interim result for an early export
  for (std::size_t i = 2; i < requests.size(); ++i) acc.add(requests[i]);
  const auto streamed = acc.finish();
  const auto batch = summarize_configuration("streamed", requests);
  EXPECT_EQ(streamed.key, "k");
  EXPECT_EQ(to_json(streamed)["warm"], to_json(batch)["warm"]);
  EXPECT_EQ(acc.requests_added(), 7);
}

TEST(ReportJson, RoundTripsAndCarriesTheSchemaVersion) {
  const auto report = fixtures::two_configuration_report();
  const auto json = to_json(report);
  EXPECT_EQ(json["schema_version"], kSchemaVersion);
  EXPECT_EQ(json["configurations"][0]["warm"]["ttft_ms"]["unit"], "ms");
  EXPECT_TRUE(json["configurations"][0]["cold"].empty());
  const auto back = report_from_json(json);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(to_json(*back), json);
}

TEST(ReportJson, RefusesNewerSchemaAndForeignFiles) {
  auto json = to_json(fixtures::two_configuration_report());
  json["schema_version"] = kSchemaVersion + 1;
  auto back = report_from_json(json);
  ASSERT_FALSE(back);
  EXPECT_NE(back.error().message.find("newer than this Chimera"), std::string::npos);
  EXPECT_FALSE(report_from_json(nlohmann::json{{"foo", 1}}));
}

TEST(RankedOrder, BestFirstByTheRankingMetric) {
  auto report = fixtures::two_configuration_report();
  // Gaps of 20 ms vs 10 ms: the second configuration decodes twice as fast.
  EXPECT_EQ(ranked_order(report), (std::vector<std::size_t>{1, 0}));
  report.ranking = Ranking{Metric::kTtftMs, false};
  EXPECT_EQ(ranked_order(report), (std::vector<std::size_t>{1, 0}));  // 82.5 ms < 102.5 ms
  report.ranking.reset();
  EXPECT_EQ(ranked_order(report), (std::vector<std::size_t>{0, 1}));
}

}  // namespace
}  // namespace chimera::report
