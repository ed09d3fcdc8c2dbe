#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "chimera/orchestrate/common/files.hpp"
#include "chimera/orchestrate/common/mailbox.hpp"
#include "chimera/orchestrate/common/server.hpp"
#include "chimera/orchestrate/common/timeouts.hpp"
#include "chimera/orchestrate/common/warmup.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {
namespace {

backends::GenerationRequest measured_call() {
  backends::GenerationRequest req;
  req.id = "r1-agent-analysis";
  req.model = "gemma3:latest";
  req.api = "chat_completions";
  req.system = "You are an analyst.";
  req.prompt = "Analyse these numbers.";
  req.options = {{"num_ctx", 2048}, {"temperature", 0.4}};
  req.headers = {{"Authorization", "Bearer x"}, {"X-Sim-Fault", "none"}};
  req.timeouts.first_token_ms = 300'000;
  return req;
}

TEST(WarmupRequest, IsTheMeasuredRequestMarkedAsAWarmUp) {
  const auto measured = measured_call();
  const auto w = warmup_request(measured, "r1-agent-warmup");
  EXPECT_TRUE(w.warmup);
  EXPECT_FALSE(measured.warmup);
  EXPECT_EQ(w.id, "r1-agent-warmup");
  EXPECT_EQ(w.model, measured.model);
  EXPECT_EQ(w.api, "chat_completions");
  EXPECT_EQ(w.headers, measured.headers);
  EXPECT_EQ(w.options, measured.options);
  EXPECT_DOUBLE_EQ(w.timeouts.first_token_ms, 300'000);
  // The prompt too: an engine's first prefill of a prompt length is paid here.
  EXPECT_EQ(w.prompt, measured.prompt);
  EXPECT_EQ(w.system, measured.system);
}

TEST(Mailbox, DeliversInOrderAcrossThreads) {
  Mailbox<int> box;
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) box.post(i);
  });
  std::vector<int> got;
  while (got.size() < 100) {
    if (auto v = box.take()) got.push_back(*v);
  }
  producer.join();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
}

TEST(Mailbox, TakeReturnsNothingWhenEmpty) {
  Mailbox<int> box;
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(box.take());
  EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(90));
}

TEST(ServerUrl, SimulatorSuffixFollowsTheBackendKind) {
  EXPECT_EQ(simulator_url("http://127.0.0.1:9", "openai"), "http://127.0.0.1:9/v1");
  EXPECT_EQ(simulator_url("http://127.0.0.1:9", "ollama"), "http://127.0.0.1:9");
  EXPECT_EQ(simulator_url("http://127.0.0.1:9", ""), "http://127.0.0.1:9");
  EXPECT_EQ(server_url("http://host:1", "openai"), "http://host:1");
  EXPECT_EQ(server_url("", "openai"), backends::default_openai_url());
  EXPECT_EQ(server_url("", ""), backends::default_ollama_url());
}

TEST(Timeouts, AgentCallsGetMoreTimeThanBenchRequests) {
  const auto bench = bench_timeouts();
  const auto agent = agent_timeouts();
  EXPECT_DOUBLE_EQ(agent.connect_ms, bench.connect_ms);
  EXPECT_GT(agent.first_token_ms, bench.first_token_ms);
  EXPECT_GT(agent.idle_ms, bench.idle_ms);
  EXPECT_GT(agent.total_ms, bench.total_ms);
}

TEST(Files, WriteTextReplacesWholeFiles) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("chimera_files_" + std::to_string(::getpid()));
  make_directory(dir / "a" / "b");
  const auto path = dir / "a" / "b" / "x.md";
  write_text(path, "first");
  write_text(path, "second");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "second");
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  EXPECT_THROW(write_text(dir / "missing" / "y.md", "z"), Error);
  std::filesystem::remove_all(dir);
}

TEST(Files, FileSafeAndDate) {
  EXPECT_EQ(file_safe("Data Collector/9000"), "Data_Collector_9000");
  EXPECT_EQ(file_safe("single:InsightAgent"), "single_InsightAgent");
  const auto date = utc_date();
  ASSERT_EQ(date.size(), 10u);
  EXPECT_EQ(date[4], '-');
  EXPECT_EQ(date[7], '-');
}

TEST(ValueOrThrow, ThrowsTheChosenErrorWithContext) {
  Expected<int> ok = 7;
  EXPECT_EQ(value_or_throw(ok), 7);
  Expected<int> bad = fail(FailureKind::kIo, "disk full");
  try {
    (void)value_or_throw(bad, "results store");
    FAIL() << "no throw";
  } catch (const UsageError&) {
    FAIL() << "wrong type";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "results store: disk full");
    EXPECT_EQ(e.exit_code(), kExitFatal);
  }
  EXPECT_THROW(value_or_throw<UsageError>(bad), UsageError);
  Expected<void> done{};
  EXPECT_NO_THROW(value_or_throw(done));
}

}  // namespace
}  // namespace chimera::orchestrate
