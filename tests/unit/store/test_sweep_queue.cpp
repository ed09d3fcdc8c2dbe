// The distributed sweep queue on a real PostgreSQL: registration by
// fingerprint, leases that expire, completion only by the lease holder, and
// the per-endpoint permits.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "chimera/store/sweep_queue.hpp"
#include "store_test_util.hpp"

namespace chimera::store {
namespace {

struct QueueFixture {
  std::string url;
  std::unique_ptr<ResultStore> db;
  std::unique_ptr<SweepQueue> queue;
};

QueueFixture open_fresh(testing::PostgresServer& server) {
  QueueFixture f;
  std::string error;
  f.url = server.create_database(&error);
  EXPECT_FALSE(f.url.empty()) << error;
  f.db = open_or_die(f.url);
  auto queue = open_sweep_queue(f.url);
  EXPECT_TRUE(queue) << (queue ? "" : queue.error().message);
  if (queue) f.queue = std::move(*queue);
  return f;
}

std::vector<SweepCell> cells(int n) {
  std::vector<SweepCell> out;
  for (int i = 0; i < n; ++i) out.push_back({i, "cell-" + std::to_string(i), {{"i", i}}});
  return out;
}

Registration register_one(QueueFixture& f, const std::string& print, SweepEndpoint endpoint,
                          int n) {
  auto r = f.queue->register_sweep(print, {{"plan", nlohmann::json::object()}}, endpoint, cells(n),
                                   [&]() -> Expected<std::int64_t> {
                                     RunInfo info;
                                     info.kind = RunKind::kSweep;
                                     info.fingerprint = print;
                                     info.started_at = utc_now_iso8601();
                                     return f.db->begin_run(info);
                                   });
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : Registration{};
}

TEST(SweepQueue, RegistersOnceByFingerprint) {
  CHIMERA_REQUIRE_POSTGRES(server);
  auto f = open_fresh(*server);
  const auto first = register_one(f, "fp", {"sim", 0}, 3);
  EXPECT_TRUE(first.created);
  const auto second = register_one(f, "fp", {"sim", 0}, 3);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.sweep_id, first.sweep_id);
  EXPECT_EQ(second.run_id, first.run_id);
  EXPECT_EQ(f.db->runs()->size(), 1u);  // make_run ran once
  EXPECT_EQ(*f.queue->remaining(first.sweep_id), 3);
}

TEST(SweepQueue, CellsGoOutInOrderOnceEachAndAnExpiredLeaseComesBack) {
  CHIMERA_REQUIRE_POSTGRES(server);
  auto f = open_fresh(*server);
  const auto reg = register_one(f, "fp", {"sim", 0}, 2);
  auto a = *f.queue->claim(reg.sweep_id, "a", 0.5);
  auto b = *f.queue->claim(reg.sweep_id, "b", 60);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ordinal, 0);
  EXPECT_EQ(b->ordinal, 1);
  EXPECT_EQ(a->run_id, reg.run_id);
  EXPECT_EQ(a->cell_spec["i"], 0);
  EXPECT_FALSE(*f.queue->claim(reg.sweep_id, "c", 60));  // both leased
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto c = *f.queue->claim(reg.sweep_id, "c", 60);  // a's lease expired
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cell_id, a->cell_id);
  EXPECT_EQ(c->attempts, 2);
  // a lost its lease: it can neither renew nor complete.
  EXPECT_FALSE(*f.queue->renew(a->cell_id, "a", 60));
  EXPECT_TRUE(*f.queue->renew(c->cell_id, "c", 60));
  ConfigurationRecord config;
  config.run_id = reg.run_id;
  config.key = "cell-0";
  const auto id_a = *f.db->add_configuration(reg.run_id, config);
  const auto id_c = *f.db->add_configuration(reg.run_id, config);
  EXPECT_FALSE(*f.queue->complete(a->cell_id, "a", id_a));
  EXPECT_TRUE(*f.queue->complete(c->cell_id, "c", id_c));
  // The same completion again (its answer lost with the server) is a success;
  // another configuration, or another worker, is not.
  EXPECT_TRUE(*f.queue->complete(c->cell_id, "c", id_c));
  EXPECT_FALSE(*f.queue->complete(c->cell_id, "c", id_a));
  EXPECT_FALSE(*f.queue->complete(c->cell_id, "b", id_c));
  EXPECT_EQ(*f.queue->remaining(reg.sweep_id), 1);
  const auto status = *f.queue->status(reg.sweep_id);
  EXPECT_EQ(status.done, 1);
  EXPECT_EQ(status.leased, 1);
  ASSERT_EQ(status.workers.size(), 2u);  // b (leased) and c (done); a holds nothing
}

TEST(SweepQueue, AFailedCellIsRetriedThenMarkedFailed) {
  CHIMERA_REQUIRE_POSTGRES(server);
  auto f = open_fresh(*server);
  const auto reg = register_one(f, "fp", {"sim", 0}, 1);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto lease = *f.queue->claim(reg.sweep_id, "w", 60);
    ASSERT_TRUE(lease);
    EXPECT_EQ(lease->attempts, attempt);
    ASSERT_TRUE(f.queue->fail(lease->cell_id, "w", "boom", 2));
  }
  EXPECT_FALSE(*f.queue->claim(reg.sweep_id, "w", 60));
  EXPECT_EQ(f.queue->status(reg.sweep_id)->failed, 1);
  EXPECT_EQ(*f.queue->remaining(reg.sweep_id), 0);
}

TEST(SweepQueue, PermitsHoldAcrossSweepsOfOneEndpoint) {
  CHIMERA_REQUIRE_POSTGRES(server);
  auto f = open_fresh(*server);
  const auto one = register_one(f, "fp1", {"http://gpu-1:11434", 1}, 2);
  const auto two = register_one(f, "fp2", {"http://gpu-1:11434", 1}, 2);
  const auto other = register_one(f, "fp3", {"http://gpu-2:11434", 1}, 1);
  auto first = *f.queue->claim(std::nullopt, "a", 60);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->sweep_id, one.sweep_id);
  // gpu-1's one permit is taken, by either sweep: the next claim is gpu-2's.
  auto second = *f.queue->claim(std::nullopt, "b", 60);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->sweep_id, other.sweep_id);
  EXPECT_FALSE(*f.queue->claim(two.sweep_id, "c", 60));
  ConfigurationRecord config;
  config.run_id = one.run_id;
  config.key = "cell-0";
  ASSERT_TRUE(
      *f.queue->complete(first->cell_id, "a", *f.db->add_configuration(one.run_id, config)));
  EXPECT_TRUE(*f.queue->claim(two.sweep_id, "c", 60));
}

TEST(SweepQueue, SqliteSaysItNeedsPostgresql) {
  testing::TempDir dir;
  auto queue = open_sweep_queue(dir.path() + "/s.sqlite");
  ASSERT_FALSE(queue);
  EXPECT_NE(queue.error().message.find("distributed sweeps need PostgreSQL"), std::string::npos);
}

}  // namespace
}  // namespace chimera::store
