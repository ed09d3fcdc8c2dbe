// Wire format of every endpoint of `chimera sim`, over real loopback HTTP.

#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "support/process.hpp"
#include "test_sim_client.hpp"

namespace chimera::testing {
namespace {

using nlohmann::json;

const std::vector<std::string> kFastSim{"--load-ms",     "20",    "--decode-tps", "2000",
                                        "--prefill-tps", "100000"};

class SimProtocol : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new SimProcess(kFastSim); }
  static void TearDownTestSuite() {
    delete sim_;
    sim_ = nullptr;
  }
  static std::string url(const std::string& path) { return sim_->url() + path; }
  static SimProcess* sim_;
  SimClient client_;
};
SimProcess* SimProtocol::sim_ = nullptr;

TEST_F(SimProtocol, GenerateStreamsNdjsonWithFinalStatistics) {
  auto r = client_.post(url("/api/generate"), {{"model", "gemma3:latest"},
                                               {"prompt", "Why is the sky blue?"},
                                               {"options", {{"num_predict", 12}, {"seed", 3}}}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/x-ndjson");
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  EXPECT_FALSE(r.headers["x-sim-request-id"].empty());
  const auto lines = ndjson_lines(r.body);
  ASSERT_EQ(lines.size(), 13u);
  static const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z)");
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(lines[i]["model"], "gemma3:latest");
    EXPECT_EQ(lines[i]["done"], false);
    EXPECT_FALSE(lines[i]["response"].get<std::string>().empty());
    EXPECT_TRUE(std::regex_match(lines[i]["created_at"].get<std::string>(), rfc3339));
  }
  const auto& last = lines.back();
  EXPECT_EQ(last["done"], true);
  EXPECT_EQ(last["done_reason"], "length");
  EXPECT_EQ(last["response"], "");
  EXPECT_EQ(last["eval_count"], 12);
  EXPECT_EQ(last["prompt_eval_count"], 5);  // 20 characters / 4
  EXPECT_EQ(last["context"].size(), 17u);
  // Nanoseconds: 12 tokens at 2000 tok/s take about 6 ms.
  EXPECT_GT(last["eval_duration"].get<std::int64_t>(), 4'000'000);
  EXPECT_LT(last["eval_duration"].get<std::int64_t>(), 1'000'000'000);
  EXPECT_GE(last["total_duration"].get<std::int64_t>(), last["eval_duration"].get<std::int64_t>());
}

TEST_F(SimProtocol, StreamFalseReturnsTheSameTextInOneObject) {
  const json request{
      {"model", "gemma3:latest"}, {"prompt", "p"}, {"options", {{"num_predict", 30}, {"seed", 9}}}};
  auto streamed = client_.post(url("/api/generate"), request);
  std::string text;
  for (const auto& line : ndjson_lines(streamed.body)) text += line["response"].get<std::string>();

  json whole_request = request;
  whole_request["stream"] = false;
  auto whole = client_.post(url("/api/generate"), whole_request);
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.headers["content-type"], "application/json; charset=utf-8");
  const auto body = json::parse(whole.body);
  EXPECT_EQ(body["response"], text);
  EXPECT_EQ(body["done"], true);
  EXPECT_EQ(body["eval_count"], 30);
}

TEST_F(SimProtocol, ChatCarriesAssistantMessages) {
  auto r = client_.post(url("/api/chat"), {{"model", "llama3.1:8b-instruct-q4_0"},
                                           {"messages", {{{"role", "user"}, {"content", "hello"}}}},
                                           {"options", {{"num_predict", 4}}}});
  ASSERT_EQ(r.status, 200);
  const auto lines = ndjson_lines(r.body);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["message"]["role"], "assistant");
  EXPECT_FALSE(lines[0].contains("response"));
  EXPECT_EQ(lines.back()["message"]["content"], "");
  EXPECT_EQ(lines.back()["done_reason"], "length");
  EXPECT_FALSE(lines.back().contains("context"));

  auto whole =
      client_.post(url("/api/chat"), {{"model", "llama3.1:8b-instruct-q4_0"},
                                      {"stream", false},
                                      {"messages", {{{"role", "user"}, {"content", "hello"}}}}});
  const auto body = json::parse(whole.body);
  EXPECT_EQ(body["done_reason"], "stop");  // no limit: the report ends by itself
  EXPECT_GE(body["eval_count"].get<int>(), 128);
  EXPECT_NE(body["message"]["content"].get<std::string>().find("## "), std::string::npos);
}

TEST_F(SimProtocol, OpenAiChatSse) {
  auto r = client_.post(url("/v1/chat/completions"),
                        {{"model", "gemma3:latest"},
                         {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                         {"stream", true},
                         {"max_tokens", 5},
                         {"stream_options", {{"include_usage", true}}}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  const auto events = sse_data(r.body);
  ASSERT_EQ(events.size(), 1u + 5u + 1u + 1u + 1u);
  EXPECT_EQ(events.back(), "[DONE]");
  const auto role = json::parse(events[0]);
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(role["choices"][0]["delta"]["content"], "");
  EXPECT_TRUE(role["usage"].is_null());
  for (std::size_t i = 1; i <= 5; ++i) {
    const auto chunk = json::parse(events[i]);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    EXPECT_FALSE(chunk["choices"][0]["delta"]["content"].get<std::string>().empty());
    EXPECT_TRUE(chunk["choices"][0]["finish_reason"].is_null());
  }
  const auto finish = json::parse(events[6]);
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");
  const auto usage = json::parse(events[7]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 5);
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 3);  // "user: hi\n"
}

TEST_F(SimProtocol, OpenAiWithoutUsageAndNonStreaming) {
  auto r = client_.post(
      url("/v1/completions"),
      {{"model", "gemma3:latest"}, {"prompt", "x"}, {"stream", true}, {"max_tokens", 3}});
  const auto events = sse_data(r.body);
  ASSERT_EQ(events.size(), 3u + 1u + 1u);
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_FALSE(json::parse(events[i]).contains("usage"));
  }
  EXPECT_EQ(json::parse(events[0])["object"], "text_completion");

  auto whole = client_.post(url("/v1/chat/completions"),
                            {{"model", "gemma3:latest"},
                             {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                             {"max_tokens", 7}});
  ASSERT_EQ(whole.status, 200);
  const auto body = json::parse(whole.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["usage"]["completion_tokens"], 7);
  EXPECT_EQ(body["usage"]["total_tokens"], 7 + 3);
}

TEST_F(SimProtocol, UnknownModelIs404InEachProtocol) {
  auto ollama = client_.post(url("/api/generate"), {{"model", "x"}, {"prompt", "p"}});
  EXPECT_EQ(ollama.status, 404);
  EXPECT_EQ(json::parse(ollama.body),
            json({{"error", "model \"x\" not found, try pulling it first"}}));
  auto openai = client_.post(
      url("/v1/chat/completions"),
      {{"model", "x"}, {"messages", json::array({{{"role", "user"}, {"content", "p"}}})}});
  EXPECT_EQ(openai.status, 404);
  const auto error = json::parse(openai.body)["error"];
  EXPECT_EQ(error["code"], "model_not_found");
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_TRUE(error["message"].is_string());
  auto bad = client_.request("POST", url("/api/generate"), "{not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(json::parse(bad.body).contains("error"));
  EXPECT_EQ(client_.get(url("/nope")).status, 404);
}

TEST_F(SimProtocol, CatalogueEndpoints) {
  const auto tags = json::parse(client_.get(url("/api/tags")).body);
  ASSERT_EQ(tags["models"].size(), 2u);
  EXPECT_EQ(tags["models"][0]["name"], "gemma3:latest");
  EXPECT_EQ(tags["models"][0]["details"]["parameter_size"], "4.3B");
  EXPECT_EQ(tags["models"][0]["details"]["quantization_level"], "Q4_K_M");
  EXPECT_EQ(tags["models"][0]["digest"].get<std::string>().size(), 64u);

  const auto show = json::parse(client_.post(url("/api/show"), {{"model", "gemma3:latest"}}).body);
  EXPECT_EQ(show["model_info"]["gemma3.block_count"], 34);
  EXPECT_EQ(show["details"]["family"], "gemma3");
  const auto llama =
      json::parse(client_.post(url("/api/show"), {{"model", "llama3.1:8b-instruct-q4_0"}}).body);
  EXPECT_EQ(llama["model_info"]["llama.block_count"], 32);
  EXPECT_EQ(client_.post(url("/api/show"), {{"model", "nope"}}).status, 404);

  EXPECT_TRUE(json::parse(client_.get(url("/api/version")).body)["version"].is_string());
  const auto models = json::parse(client_.get(url("/v1/models")).body);
  EXPECT_EQ(models["object"], "list");
  EXPECT_EQ(models["data"][1]["id"], "llama3.1:8b-instruct-q4_0");
}

TEST_F(SimProtocol, LoadAndUnloadWithEmptyPrompt) {
  const std::string model = "llama3.1:8b-instruct-q4_0";
  auto load = client_.post(url("/api/generate"), {{"model", model}, {"keep_alive", "5m"}});
  ASSERT_EQ(load.status, 200);
  const auto loaded = json::parse(load.body);
  EXPECT_EQ(loaded["done_reason"], "load");
  EXPECT_EQ(loaded["done"], true);
  auto ps = json::parse(client_.get(url("/api/ps")).body);
  bool listed = false;
  for (const auto& m : ps["models"]) listed = listed || m["name"] == model;
  EXPECT_TRUE(listed) << ps.dump();

  auto unload = client_.post(url("/api/generate"), {{"model", model}, {"keep_alive", 0}});
  EXPECT_EQ(json::parse(unload.body)["done_reason"], "unload");
  ps = json::parse(client_.get(url("/api/ps")).body);
  for (const auto& m : ps["models"]) EXPECT_NE(m["name"], model);
}

TEST_F(SimProtocol, KeepAliveReusesTheConnection) {
  auto first = client_.get(url("/api/version"));
  auto second = client_.post(
      url("/api/generate"),
      {{"model", "gemma3:latest"}, {"prompt", "p"}, {"options", {{"num_predict", 2}}}});
  auto third = client_.get(url("/api/tags"));
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.new_connections, 0);
  EXPECT_EQ(third.new_connections, 0);
}

TEST_F(SimProtocol, TruthRecordsEveryGeneration) {
  client_.request("DELETE", url("/sim/requests"));
  auto r = client_.post(
      url("/api/generate"),
      {{"model", "gemma3:latest"}, {"prompt", "abcd"}, {"options", {{"num_predict", 6}}}});
  const auto id = std::stoull(r.headers["x-sim-request-id"]);
  const auto truth = json::parse(client_.get(url("/sim/requests")).body);
  ASSERT_EQ(truth.size(), 1u);
  const auto& t = truth[0];
  EXPECT_EQ(t["id"], id);
  EXPECT_EQ(t["api"], "generate");
  EXPECT_EQ(t["eval_count"], 6);
  EXPECT_EQ(t["status"], 200);
  EXPECT_LE(t["received_ns"].get<std::int64_t>(), t["first_token_ns"].get<std::int64_t>());
  EXPECT_LE(t["first_token_ns"].get<std::int64_t>(), t["last_token_ns"].get<std::int64_t>());
  EXPECT_LE(t["last_token_ns"].get<std::int64_t>(), t["done_ns"].get<std::int64_t>());
  const auto final_line = ndjson_lines(r.body).back();
  EXPECT_NEAR(t["eval_ms"].get<double>(), final_line["eval_duration"].get<double>() / 1e6, 1e-3);
}

TEST(SimProcessLifecycle, SigtermStopsCleanly) {
  SimProcess sim(kFastSim);
  sim.process().send_signal(SIGTERM);
  EXPECT_EQ(sim.process().wait(std::chrono::seconds(10)), 0);
}

TEST(SimProcessLifecycle, StartupLineIsExact) {
  SimProcess sim(kFastSim);
  const auto line = sim.process().wait_for_stdout_line("listening", std::chrono::seconds(5));
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "chimera sim: listening on " + sim.url() + " (ollama + openai)");
}

}  // namespace
}  // namespace chimera::testing
