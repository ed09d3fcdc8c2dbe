#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "chimera/load/workload.hpp"
#include "chimera/sim/request.hpp"
#include "support/process.hpp"

namespace chimera::load {
namespace {

// What the simulator counts for a request body: its own parser, its own estimate.
std::int64_t sim_prompt_tokens(sim::Api api, const nlohmann::json& body) {
  auto parsed = sim::parse_generation_request(api, body.dump());
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return parsed ? parsed->prompt_tokens : -1;
}

nlohmann::json chat_body(const std::vector<Message>& messages) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  return {{"model", "gemma3"}, {"messages", list}};
}

TEST(SyntheticText, FourCharactersPerTokenAndOneWordEach) {
  for (std::int64_t n : {1, 2, 7, 100, 4096}) {
    const auto text = synthetic_text(n, static_cast<std::uint64_t>(n));
    EXPECT_EQ(text.size(), static_cast<std::size_t>(4 * n));
    EXPECT_EQ(count_tokens(text), n);
    EXPECT_NE(text.front(), ' ');
    EXPECT_EQ(sim_prompt_tokens(sim::Api::kGenerate, {{"model", "m"}, {"prompt", text}}), n);
  }
  EXPECT_EQ(synthetic_text(50, 1), synthetic_text(50, 1));
  EXPECT_NE(synthetic_text(50, 1), synthetic_text(50, 2));
  EXPECT_EQ(synthetic_text(3, 1, true).front(), ' ');
  EXPECT_EQ(synthetic_text(0, 1), "");
}

TEST(SyntheticPrompts, PrefixIsSharedAndCountsAdd) {
  SyntheticPrompts prompts(
      {.prefix_tokens = 64, .input = {32, 0}, .output = LengthSpec{16, 0}, .seed = 9});
  const auto a = prompts.next();
  const auto b = prompts.next();
  EXPECT_EQ(a.tokens, 96);
  EXPECT_EQ(a.text.substr(0, 256), b.text.substr(0, 256));  // the same 64-token prefix
  EXPECT_NE(a.text, b.text);
  EXPECT_EQ(count_tokens(a.text), 96);
  EXPECT_EQ(sim_prompt_tokens(sim::Api::kGenerate, {{"model", "m"}, {"prompt", a.text}}), 96);
  EXPECT_EQ(a.max_tokens, 16);
}

TEST(LengthSpec, ParsesMeanAndSdAndSamplesAroundThem) {
  const auto spec = parse_length_spec("--input-tokens", "512,64");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->mean, 512);
  EXPECT_EQ(spec->sd, 64);
  EXPECT_EQ(parse_length_spec("--output-tokens", "128")->sd, 0);
  EXPECT_NE(parse_length_spec("--input-tokens", "lots").error().message.find("MEAN,SD"),
            std::string::npos);
  EXPECT_FALSE(parse_length_spec("--input-tokens", "0"));
  EXPECT_FALSE(parse_length_spec("--input-tokens", "10,-1"));
  EXPECT_FALSE(parse_length_spec("--input-tokens", "nan"));
  // Beyond 2^20 tokens: refused with the limit, instead of building the text.
  const auto huge = parse_length_spec("--input-tokens", "1e12");
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("limit of 1048576 tokens"), std::string::npos)
      << huge.error().message;
  EXPECT_TRUE(parse_length_spec("--input-tokens", "1048576"));
  EXPECT_FALSE(parse_length_spec("--input-tokens", "1048577"));
  EXPECT_FALSE(parse_length_spec("--output-tokens", "100,2000000"));
  // A wide spread never draws past the limit.
  LengthSampler wide({1'000'000, 1'000'000}, 7);
  for (int i = 0; i < 1000; ++i) {
    const auto v = wide.next();
    EXPECT_GE(v, 1);
    EXPECT_LE(v, 1'048'576);
  }
  LengthSampler fixed({100, 0}, 1);
  EXPECT_EQ(fixed.next(), 100);
  LengthSampler spread({512, 64}, 1);
  double sum = 0, sq = 0;
  for (int i = 0; i < 4000; ++i) {
    const auto v = static_cast<double>(spread.next());
    sum += v;
    sq += v * v;
  }
  const double mean = sum / 4000;
  EXPECT_NEAR(mean, 512, 4);
  EXPECT_NEAR(std::sqrt(sq / 4000 - mean * mean), 64, 4);
}

TEST(OutputLength, AsksEachServerForExactlyNTokens) {
  EXPECT_EQ(output_length_options("ollama", 64), (nlohmann::json{{"num_predict", 64}}));
  const auto openai = output_length_options("openai", 64);
  EXPECT_EQ(openai["num_predict"], 64);
  EXPECT_EQ(openai["min_tokens"], 64);
  EXPECT_EQ(openai["ignore_eos"], true);
}

TEST(PromptFile, GoodLinesKeptBadLinesReportedWithNumbers) {
  const std::string text =
      "{\"prompt\": \"Summarise the run\", \"max_tokens\": 64}\n"
      "\n"
      "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, {\"role\": \"user\", "
      "\"content\": \"hi\"}]}\r\n"
      "not json\n"
      "[1, 2]\n"
      "{\"prompt\": \"a\", \"messages\": []}\n"
      "{\"prompt\": 5}\n"
      "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n"
      "{\"prompt\": \"ok\", \"max_tokens\": 0}\n"
      "{\"messages\": [{\"role\": \"user\"}]}\n"
      "{\"prompt\": \"last\"}";
  const auto file = parse_prompt_jsonl(text);
  ASSERT_EQ(file.records.size(), 3u);
  EXPECT_EQ(file.records[0].prompt, "Summarise the run");
  EXPECT_EQ(file.records[0].max_tokens, 64);
  EXPECT_EQ(file.records[1].messages.size(), 2u);
  EXPECT_EQ(file.records[1].line, 3u);
  EXPECT_EQ(file.records[2].line, 11u);
  ASSERT_EQ(file.errors.size(), 7u);
  const std::size_t lines[] = {4, 5, 6, 7, 8, 9, 10};
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(file.errors[i].line, lines[i]);
  EXPECT_EQ(file.errors[0].message, "not valid JSON");
  EXPECT_NE(file.errors[2].message.find("exactly one"), std::string::npos);
  EXPECT_NE(file.errors[4].message.find("robot"), std::string::npos);
  EXPECT_NE(file.errors[5].message.find("max_tokens"), std::string::npos);
  const auto described = describe_errors("p.jsonl", file.errors, 2);
  EXPECT_NE(described.find("p.jsonl: line 4: not valid JSON; line 5:"), std::string::npos);
  EXPECT_NE(described.find("and 5 more bad lines"), std::string::npos);
}

TEST(PromptFile, ReadingFailuresSayWhatToDo) {
  chimera::testing::TempDir dir;
  const std::filesystem::path root(dir.path());
  EXPECT_EQ(read_prompt_file(root / "missing.jsonl").error().kind, FailureKind::kIo);
  const auto bad = root / "bad.jsonl";
  std::ofstream(bad) << "oops\n{\"prompt\": 3}\n";
  const auto result = read_prompt_file(bad);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("line 1: not valid JSON; line 2:"), std::string::npos);
  const auto good = root / "good.jsonl";
  std::ofstream(good) << "{\"prompt\": \"x\"}\nbroken\n";
  const auto ok = read_prompt_file(good);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->records.size(), 1u);
  EXPECT_EQ(ok->errors.size(), 1u);
}

TEST(Conversation, EachTurnSendsEverythingBeforePlusANewUserMessage) {
  Conversation chat("", 20, 4, 5);
  std::int64_t previous = 0;
  std::int64_t previous_answer = 0;
  for (int k = 1; k <= 4; ++k) {
    ASSERT_FALSE(chat.done());
    const auto messages = chat.next_messages();
    ASSERT_EQ(messages.size(), static_cast<std::size_t>(2 * k - 1));
    EXPECT_EQ(messages.back().role, "user");
    // Turn k's prompt = turn k−1's prompt + its answer + the new user message.
    const std::int64_t content = chat.content_tokens();
    if (k > 1) {
      EXPECT_EQ(content, previous + previous_answer + 20);
    }
    // The simulator counts the content plus its "role: content\n" framing.
    const std::int64_t framing_chars = 7 * k + 12 * (k - 1);
    EXPECT_EQ(sim_prompt_tokens(sim::Api::kChat, chat_body(messages)),
              content + (framing_chars + 3) / 4)
        << "turn " << k;
    const std::int64_t answer_tokens = 10 * k;
    chat.add_answer(synthetic_text(answer_tokens, 100 + static_cast<std::uint64_t>(k)),
                    answer_tokens);
    previous = content;
    previous_answer = answer_tokens;
  }
  EXPECT_TRUE(chat.done());
}

TEST(Conversation, SystemTextComesFirstAndCounts) {
  Conversation chat(synthetic_text(8, 1), 4, 2, 1);
  const auto messages = chat.next_messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].role, "system");
  EXPECT_EQ(chat.content_tokens(), 12);
  EXPECT_EQ(sim_prompt_tokens(sim::Api::kChat, chat_body(messages)), 12 + (9 + 7 + 3) / 4);
}

}  // namespace
}  // namespace chimera::load
