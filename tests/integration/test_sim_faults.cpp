// Every fault kind, asked for by header and by model-name suffix.

#include <gtest/gtest.h>

#include "support/process.hpp"
#include "test_sim_client.hpp"

namespace chimera::testing {
namespace {

using nlohmann::json;

class SimFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new SimProcess(
        {"--load-ms", "0", "--decode-tps", "1000", "--prefill-tps", "100000", "--parallel", "4"});
  }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  HttpReply generate(const std::string& fault, int tokens = 10, bool stream = true,
                     const std::string& model = "gemma3:latest") {
    SimClient client;
    json body{{"model", model},
              {"prompt", "p"},
              {"stream", stream},
              {"options", {{"num_predict", tokens}}}};
    std::vector<std::string> headers;
    if (!fault.empty()) headers.push_back("X-Sim-Fault: " + fault);
    return client.post(sim_->url() + "/api/generate", body, headers);
  }
  HttpReply chat_sse(const std::string& fault, int tokens = 10) {
    SimClient client;
    return client.post(sim_->url() + "/v1/chat/completions",
                       {{"model", "gemma3:latest"},
                        {"stream", true},
                        {"max_tokens", tokens},
                        {"stream_options", {{"include_usage", true}}},
                        {"messages", {{{"role", "user"}, {"content", "p"}}}}},
                       {"X-Sim-Fault: " + fault});
  }
  json truth_of(const HttpReply& reply) {
    SimClient client;
    const auto id = std::stoull(reply.headers.at("x-sim-request-id"));
    for (const auto& t : json::parse(client.get(sim_->url() + "/sim/requests").body)) {
      if (t["id"] == id) return t;
    }
    return json();
  }
  static SimProcess* sim_;
};
SimProcess* SimFaults::sim_ = nullptr;

TEST_F(SimFaults, DropClosesTheConnectionMidStream) {
  auto r = generate("drop;after=4");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.code, CURLE_OK);  // the chunked body never ended
  const auto lines = ndjson_lines(r.body);
  EXPECT_EQ(lines.size(), 4u);
  for (const auto& line : lines) EXPECT_EQ(line["done"], false);
  EXPECT_EQ(truth_of(r)["fault"], "drop;after=4");
  EXPECT_EQ(truth_of(r)["eval_count"], 4);
}

TEST_F(SimFaults, ModelSuffixSelectsAFaultToo) {
  auto r = generate("", 10, true, "gemma3:latest@fault=drop;after=2");
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_EQ(ndjson_lines(r.body).size(), 2u);
}

TEST_F(SimFaults, Http500And503CarryProtocolBodies) {
  auto r500 = generate("http500");
  EXPECT_EQ(r500.status, 500);
  EXPECT_TRUE(json::parse(r500.body)["error"].is_string());
  auto r503 = generate("http503");
  EXPECT_EQ(r503.status, 503);
  EXPECT_TRUE(json::parse(r503.body)["error"].is_string());
  SimClient client;
  auto openai =
      client.post(sim_->url() + "/v1/completions", {{"model", "gemma3:latest"}, {"prompt", "p"}},
                  {"X-Sim-Fault: http500"});
  EXPECT_EQ(openai.status, 500);
  EXPECT_TRUE(json::parse(openai.body)["error"]["message"].is_string());
}

TEST_F(SimFaults, TruncateEndsCleanlyWithoutTheFinalLine) {
  auto r = generate("truncate;after=6");
  EXPECT_EQ(r.code, CURLE_OK);
  const auto lines = ndjson_lines(r.body);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines.back()["done"], false);

  auto sse = chat_sse("truncate");
  EXPECT_EQ(sse.code, CURLE_OK);
  const auto events = sse_data(sse.body);
  ASSERT_EQ(events.size(), 1u + 10u);  // role chunk and tokens; no finish, usage or [DONE]
  EXPECT_EQ(sse.body.find("[DONE]"), std::string::npos);
}

TEST_F(SimFaults, MalformedLineMidStream) {
  auto r = generate("malformed;after=3");
  EXPECT_EQ(r.code, CURLE_OK);
  const auto lines = ndjson_lines(r.body);
  ASSERT_EQ(lines.size(), 12u);       // 10 tokens, 1 broken line, final
  EXPECT_TRUE(lines[3].is_string());  // did not parse
  EXPECT_EQ(lines.back()["done"], true);
  auto whole = generate("malformed", 10, false);
  EXPECT_TRUE(json::parse(whole.body, nullptr, false).is_discarded());
}

TEST_F(SimFaults, ZeroTokens) {
  auto r = generate("zero_tokens");
  const auto lines = ndjson_lines(r.body);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["done"], true);
  EXPECT_FALSE(lines[0].contains("eval_count"));  // zero is omitted
  auto sse = chat_sse("zero_tokens");
  const auto events = sse_data(sse.body);
  EXPECT_EQ(json::parse(events[events.size() - 2])["usage"]["completion_tokens"], 0);
}

TEST_F(SimFaults, StallBeforeTheFirstToken) {
  auto r = generate("stall_first;ms=300", 5);
  ASSERT_EQ(r.status, 200);
  const auto truth = truth_of(r);
  const double ttft_ms =
      (truth["first_token_ns"].get<double>() - truth["received_ns"].get<double>()) / 1e6;
  EXPECT_GE(ttft_ms, 290.0);
  EXPECT_GE(r.arrival_ms.front(), 0.0);
  EXPECT_GE(r.arrival_ms.back(), 290.0);
}

TEST_F(SimFaults, StallBetweenTokens) {
  auto r = generate("stall_between;ms=40", 6);
  const auto final_line = ndjson_lines(r.body).back();
  // Five gaps of at least 40 ms each.
  EXPECT_GE(final_line["eval_duration"].get<double>() / 1e6, 195.0);
}

TEST_F(SimFaults, ErrorLineEndsTheStream) {
  auto r = generate("error_line;after=2");
  EXPECT_EQ(r.code, CURLE_OK);
  const auto lines = ndjson_lines(r.body);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines.back()["error"].is_string());
}

TEST_F(SimFaults, UnknownFaultIsABadRequest) {
  EXPECT_EQ(generate("explode").status, 400);
}

TEST_F(SimFaults, Html200AnswersAPageWhereAStreamWasAskedFor) {
  auto r = chat_sse("html_200");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(r.body.starts_with("<!DOCTYPE html>")) << r.body;
}

TEST_F(SimFaults, EchoAuthPutsTheAuthorizationHeaderIntoA401Body) {
  SimClient client;
  auto r = client.post(sim_->url() + "/api/chat",
                       {{"model", "gemma3:latest@fault=echo_auth"},
                        {"messages", {{{"role", "user"}, {"content", "p"}}}}},
                       {"Authorization: Bearer sk-echo-me"});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::parse(r.body)["error"], "invalid credentials: Bearer sk-echo-me");
}

}  // namespace
}  // namespace chimera::testing
