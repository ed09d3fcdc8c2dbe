#pragma once
// Shared by the store tests: sample requests, and a fresh empty store of
// either kind behind one fixture, so the same calls run on both.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "chimera/store/store.hpp"
#include "support/postgres_server.hpp"
#include "support/process.hpp"

namespace chimera::store {

inline measure::RequestResult make_request(int i, bool warmup = false) {
  measure::RequestResult r;
  r.id = "req-" + std::to_string(i);
  r.backend = "ollama";
  r.endpoint = "http://127.0.0.1:11434";
  r.api = "generate";
  r.model = "gemma3:latest";
  r.options = {{"num_ctx", 1024}};
  r.warmup = warmup;
  r.server.eval_count = 4;
  r.server.eval_ms = 30.0 + i;
  r.server.total_ms = 90.0;
  r.server.load_ms = 1.5;
  measure::Timeline t;
  t.text_chunk_ms = {50.0 + i, 60.0 + i, 71.0 + i, 83.0 + i};
  measure::finalize(r, t);
  return r;
}

inline std::unique_ptr<ResultStore> open_or_die(const std::string& url) {
  auto store = open_store(url);
  EXPECT_TRUE(store) << (store ? "" : store.error().message);
  return store ? std::move(*store) : nullptr;
}

// The first column of the first row of `sql`, run directly on the store's
// database (bypassing the store), as text; empty when there is no row.
std::string raw_scalar(const std::string& url, const std::string& sql);

// Parameter "sqlite": a file in a temporary directory; "postgresql": a new
// database on the test binary's PostgreSQL server (skipped without one).
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite://" + dir_.path() + "/store.sqlite";
      return;
    }
    CHIMERA_REQUIRE_POSTGRES(server);
    std::string error;
    url_ = server->create_database(&error);
    ASSERT_FALSE(url_.empty()) << error;
  }
  bool is_postgresql() const { return GetParam() == "postgresql"; }

  testing::TempDir dir_;
  std::string url_;
};

}  // namespace chimera::store
