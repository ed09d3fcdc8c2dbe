#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "chimera/sim/server.hpp"
#include "chimera/sim/truth.hpp"
#include "support/http_get.hpp"

namespace chimera::sim {
namespace {

using nlohmann::json;

TEST(TruthLog, StampsReachTheStoredRecord) {
  TruthLog log;
  RequestTruth t;
  t.id = 7;
  log.add(t);
  log.stamp_first_byte(7, 100);
  log.stamp_first_byte(7, 150);  // the first stamp wins
  log.stamp_last_byte(7, 200);
  log.stamp_last_byte(99, 1);  // unknown: ignored
  const auto records = log.snapshot();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].first_byte_ns, 100);
  EXPECT_EQ(records[0].last_byte_ns, 200);
  EXPECT_EQ(to_json(records[0])["last_byte_ns"], 200);
}

// Over real HTTP: the response's first and last bytes are stamped in order,
// between the request's arrival and the next request.
TEST(SimTruth, FirstAndLastByteOfStreamedAndWholeAnswers) {
  SimConfig config = default_sim_config();
  config.rate_limits = false;
  SimServer server(config);
  server.start("127.0.0.1", 0);
  const std::string generate = server.url() + "/api/generate";
  const auto streamed = testing::http_request(
      "POST", generate,
      json{{"model", "gemma3"}, {"prompt", "hello"}, {"options", {{"num_predict", 8}}}}.dump());
  ASSERT_EQ(streamed.status, 200);
  const auto whole =
      testing::http_request("POST", server.url() + "/v1/chat/completions",
                            json{{"model", "gemma3"},
                                 {"max_tokens", 4},
                                 {"messages", {{{"role", "user"}, {"content", "hi"}}}}}
                                .dump());
  ASSERT_EQ(whole.status, 200);
  // The last byte is stamped once the socket took it, a moment after the
  // client may already have read it.
  json truth;
  for (int attempt = 0; attempt < 100; ++attempt) {
    truth = json::parse(testing::http_request("GET", server.url() + "/sim/requests").body);
    if (truth.size() == 2 && truth[0]["last_byte_ns"] != 0 && truth[1]["last_byte_ns"] != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.stop();
  ASSERT_EQ(truth.size(), 2u);
  for (const auto& t : truth) {
    const auto received = t["received_ns"].get<std::int64_t>();
    const auto first = t["first_byte_ns"].get<std::int64_t>();
    const auto last = t["last_byte_ns"].get<std::int64_t>();
    EXPECT_GT(received, 0);
    EXPECT_LE(received, first);
    EXPECT_LE(first, last);
    EXPECT_LE(t["done_ns"].get<std::int64_t>(), last);
  }
  // The stream's first byte went out before its first token; the whole
  // answer is one write, so its first and last byte are the same moment.
  EXPECT_LE(truth[0]["first_byte_ns"].get<std::int64_t>(),
            truth[0]["first_token_ns"].get<std::int64_t>());
  EXPECT_EQ(truth[1]["first_byte_ns"], truth[1]["last_byte_ns"]);
}

}  // namespace
}  // namespace chimera::sim
