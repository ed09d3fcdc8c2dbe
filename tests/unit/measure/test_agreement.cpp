#include <gtest/gtest.h>

#include "chimera/measure/agreement.hpp"

namespace chimera::measure {
namespace {

RequestResult timed(std::optional<double> e2e_ms, std::optional<double> server_total_ms) {
  RequestResult r;
  r.e2e_ms = e2e_ms;
  r.server.total_ms = server_total_ms;
  return r;
}

TEST(ServerTotal, AboveTheClientsTimeBeyondTheToleranceDisagrees) {
  // 100 ms claimed by the server, 4 ms waited by the client.
  const auto gap = server_total_exceeds_client(timed(4.0, 100.0));
  ASSERT_TRUE(gap);
  EXPECT_DOUBLE_EQ(gap->server_total_ms, 100.0);
  EXPECT_DOUBLE_EQ(gap->client_e2e_ms, 4.0);
  // The bound is 10% of the client's time plus 5 ms: 1000 ms allows up to 1105 ms.
  EXPECT_FALSE(server_total_exceeds_client(timed(1000.0, 1104.9)));
  EXPECT_TRUE(server_total_exceeds_client(timed(1000.0, 1105.1)));
  EXPECT_EQ(server_total_tolerance_text(), "10% of the client's end-to-end time + 5 ms");
}

TEST(ServerTotal, BelowTheClientsTimeOrMissingAgrees) {
  EXPECT_FALSE(server_total_exceeds_client(timed(120.0, 95.0)));
  EXPECT_FALSE(server_total_exceeds_client(timed(std::nullopt, 95.0)));
  EXPECT_FALSE(server_total_exceeds_client(timed(4.0, std::nullopt)));
}

}  // namespace
}  // namespace chimera::measure
