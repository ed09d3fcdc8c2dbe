#include <gtest/gtest.h>

#include "chimera/sim/text.hpp"

namespace chimera::sim {
namespace {

TEST(SimText, ExactlyMaxTokens) {
  for (std::int64_t n : {1, 2, 7, 20, 128, 1000, 5000}) {
    const auto text = generate_report(3, n, "");
    EXPECT_EQ(static_cast<std::int64_t>(text.tokens.size()), n);
    EXPECT_EQ(text.finish_reason, "length");
  }
  EXPECT_TRUE(generate_report(3, 0, "").tokens.empty());
}

TEST(SimText, DeterministicForASeed) {
  EXPECT_EQ(generate_report(11, 300, "x").joined(), generate_report(11, 300, "x").joined());
  EXPECT_NE(generate_report(11, 300, "x").joined(), generate_report(12, 300, "x").joined());
}

TEST(SimText, DefaultLengthEndsNaturally) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto text = generate_report(seed, std::nullopt, "");
    EXPECT_GE(text.tokens.size(), 128u);
    EXPECT_LE(text.tokens.size(), 400u);
    EXPECT_EQ(text.finish_reason, "stop");
    EXPECT_NE(text.tokens.back().back(), '\n');
  }
}

TEST(SimText, LooksLikeAMarkdownReport) {
  const auto report = generate_report(5, 600, "").joined();
  EXPECT_EQ(report.rfind("## Executive Summary\n\n", 0), 0u) << report;
  EXPECT_NE(report.find("## Key Findings"), std::string::npos);
  EXPECT_NE(report.find("## Recommendations"), std::string::npos);
  EXPECT_NE(report.find("\n- "), std::string::npos);
  EXPECT_NE(report.find("\n1. "), std::string::npos);
  EXPECT_NE(report.find("| Metric | Value | Unit |\n|---|---|---|\n"), std::string::npos);
}

TEST(SimText, TokensAreWordsOrPunctuation) {
  const auto text = generate_report(9, 400, "");
  for (const auto& token : text.tokens) {
    ASSERT_FALSE(token.empty());
    const auto body = token.substr(token.front() == ' ' ? 1 : 0);
    EXPECT_EQ(body.find(' '), std::string::npos) << "'" << token << "'";
  }
}

TEST(SimText, FindsAndQuotesPromptNumbers) {
  EXPECT_EQ(numbers_in("ran 102.31 tok/s at 2048 ctx, v1."),
            (std::vector<std::string>{"102.31", "2048", "1"}));
  const auto report = generate_report(1, 2000, "throughput was 987654.321 tok/s").joined();
  EXPECT_NE(report.find("987654.321"), std::string::npos);
}

}  // namespace
}  // namespace chimera::sim
