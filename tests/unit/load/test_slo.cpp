#include <gtest/gtest.h>

#include "chimera/load/slo.hpp"

namespace chimera::load {
namespace {

measure::RequestResult request(double ttft, double e2e, std::int64_t tokens) {
  measure::RequestResult r;
  r.status = measure::Status::kOk;
  r.ttft_ms = ttft;
  r.e2e_ms = e2e;
  r.output_tokens = tokens;
  if (tokens >= 2) r.tpot_ms = (e2e - ttft) / static_cast<double>(tokens - 1);
  return r;
}

TEST(ParseSlo, UnitsAndAllThreeMetrics) {
  const auto slo = parse_slo("ttft=500ms,tpot=50ms,e2e=10s");
  ASSERT_TRUE(slo) << slo.error().message;
  EXPECT_EQ(*slo->ttft_ms, 500);
  EXPECT_EQ(*slo->tpot_ms, 50);
  EXPECT_EQ(*slo->e2e_ms, 10000);
  EXPECT_EQ(*parse_slo("ttft=250us")->ttft_ms, 0.25);
  EXPECT_EQ(*parse_slo("e2e=1.5m")->e2e_ms, 90000);
  EXPECT_EQ(to_string(*slo), "ttft=500ms,tpot=50ms,e2e=10000ms");
}

TEST(ParseSlo, EveryMistakeGetsASentence) {
  struct Case {
    const char* spec;
    const char* says;
  };
  for (const auto& c :
       {Case{"", "empty"}, Case{"ttft", "expected NAME=VALUE"}, Case{"ttft=500", "no unit"},
        Case{"ttft=500h", "unknown 'h'"}, Case{"ttft=fast", "not a number"},
        Case{"ttft=-5ms", "positive"}, Case{"ttft=0ms", "positive"},
        Case{"latency=5ms", "unknown metric 'latency'"}, Case{"ttft=5ms,ttft=6ms", "twice"},
        Case{"ttft=5ms,", "expected NAME=VALUE"}}) {
    const auto slo = parse_slo(c.spec);
    ASSERT_FALSE(slo) << c.spec;
    EXPECT_EQ(slo.error().kind, FailureKind::kInvalidInput);
    EXPECT_NE(slo.error().message.find(c.says), std::string::npos)
        << c.spec << " -> " << slo.error().message;
  }
}

TEST(Meets, EveryBoundMustHold) {
  const Slo slo = *parse_slo("ttft=500ms,tpot=50ms");
  EXPECT_TRUE(meets(slo, request(400, 800, 11)));    // tpot 40
  EXPECT_TRUE(meets(slo, request(500, 1000, 11)));   // on the bounds
  EXPECT_FALSE(meets(slo, request(600, 800, 11)));   // ttft over
  EXPECT_FALSE(meets(slo, request(400, 1500, 11)));  // tpot 110
  EXPECT_TRUE(meets(slo, request(400, 400, 1)));     // one token: no tpot to hold against it
  auto failed = request(10, 20, 5);
  failed.status = measure::Status::kError;
  EXPECT_FALSE(meets(slo, failed));
  auto no_token = request(10, 20, 5);
  no_token.ttft_ms.reset();
  EXPECT_FALSE(meets(slo, no_token));
}

}  // namespace
}  // namespace chimera::load
