// PostgreSQL-only behaviour: concurrent first use, the libpq environment,
// credentials kept out of messages, and the background batch writer.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "chimera/store/postgres_store.hpp"
#include "store_test_util.hpp"

namespace chimera::store {
namespace {

std::string fresh_database(testing::PostgresServer& server) {
  std::string error;
  auto url = server.create_database(&error);
  EXPECT_FALSE(url.empty()) << error;
  return url;
}

// Four processes open the same new database at the same moment: each one
// must succeed, the migrations run once, and each one's run is stored.
TEST(PostgresStore, ProcessesOpeningANewDatabaseAtOnceAllSucceed) {
  CHIMERA_REQUIRE_POSTGRES(server);
  const auto url = fresh_database(*server);
  constexpr int kProcesses = 4;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(go[1]);
      char byte = 0;
      if (read(go[0], &byte, 1) != 0) _exit(5);  // wait for the start signal (EOF)
      auto store = open_store(url);
      if (!store) _exit(2);
      if (!(*store)->begin_run({.fingerprint = "race"})) _exit(3);
      _exit(0);
    }
    children.push_back(child);
  }
  close(go[0]);
  close(go[1]);  // every child starts now
  for (const auto child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto store = open_or_die(url);
  EXPECT_EQ(store->runs()->size(), static_cast<std::size_t>(kProcesses));
  EXPECT_EQ(raw_scalar(url, "SELECT COUNT(*) FROM schema_version"), "1");
}

TEST(PostgresStore, EnvironmentVariablesFillInWhatTheUrlLeavesOut) {
  CHIMERA_REQUIRE_POSTGRES(server);
  const auto url = fresh_database(*server);
  const auto database = url.substr(url.rfind('/') + 1);
  setenv("PGHOST", "127.0.0.1", 1);
  setenv("PGPORT", std::to_string(server->port()).c_str(), 1);
  setenv("PGUSER", "chimera", 1);
  auto store = open_store("postgresql:///" + database);
  unsetenv("PGHOST");
  unsetenv("PGPORT");
  unsetenv("PGUSER");
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE((*store)->begin_run({}));
  EXPECT_EQ(raw_scalar(url, "SELECT COUNT(*) FROM runs"), "1");
}

TEST(PostgresStore, PasswordNeverAppearsInDescriptionOrErrors) {
  CHIMERA_REQUIRE_POSTGRES(server);
  const auto url = fresh_database(*server);
  // The test server trusts loopback, so a password is accepted and ignored.
  const auto with_password =
      "postgresql://chimera:Hunter2secret@127.0.0.1:" + url.substr(url.rfind(':') + 1);
  auto store = open_store(with_password);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->description().find("Hunter2secret"), std::string::npos);
  EXPECT_NE((*store)->description().find("chimera:***@127.0.0.1"), std::string::npos);

  const auto missing =
      "postgresql://chimera:Hunter2secret@127.0.0.1:" + std::to_string(server->port()) +
      "/no_such_database";
  auto failed = open_store(missing);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("Could not open results store"), std::string::npos);
  EXPECT_NE(failed.error().message.find("no_such_database"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(failed.error().message.find("Hunter2secret"), std::string::npos)
      << failed.error().message;
}

TEST(PostgresStore, UnreachableServerIsAConnectFailure) {
  // Port 1 on loopback: nothing listens there.
  auto store = open_store("postgresql://chimera:pw@127.0.0.1:1/results?connect_timeout=5");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind, FailureKind::kConnect);
  EXPECT_NE(store.error().message.find("postgresql://chimera:***@127.0.0.1:1/results"),
            std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find(":pw@"), std::string::npos);
}

// Requests left in the buffer reach the database on the timer, with no read,
// flush or close by the writer: another connection sees them.
TEST(PostgresStore, BufferedRequestsAreWrittenOnATimer) {
  CHIMERA_REQUIRE_POSTGRES(server);
  const auto url = fresh_database(*server);
  auto writer = open_or_die(url);
  const auto run_id = *writer->begin_run({});
  const auto config_id = *writer->add_configuration(run_id, {.label = "a"});
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(writer->record_request(run_id, config_id, make_request(i)));
  std::string count;
  const auto deadline = std::chrono::steady_clock::now() + 20 * kFlushInterval;
  while (std::chrono::steady_clock::now() < deadline) {
    count = raw_scalar(url, "SELECT COUNT(*) FROM requests");
    if (count == "3") break;
    std::this_thread::sleep_for(kFlushInterval / 4);
  }
  EXPECT_EQ(count, "3");
}

// Closing the store writes what is buffered.
TEST(PostgresStore, CloseFlushes) {
  CHIMERA_REQUIRE_POSTGRES(server);
  const auto url = fresh_database(*server);
  {
    auto writer = open_or_die(url);
    const auto run_id = *writer->begin_run({});
    const auto config_id = *writer->add_configuration(run_id, {.label = "a"});
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(writer->record_request(run_id, config_id, make_request(i)));
    }
  }
  EXPECT_EQ(raw_scalar(url, "SELECT COUNT(*) FROM requests"), "5");
}

}  // namespace
}  // namespace chimera::store
