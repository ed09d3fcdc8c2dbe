#include <gtest/gtest.h>

#include "chimera/store/store.hpp"

namespace chimera::store {
namespace {

TEST(StoreUrl, AcceptedForms) {
  EXPECT_EQ(parse_store_url("results.sqlite")->target, "results.sqlite");
  EXPECT_EQ(parse_store_url("sqlite:///abs/path.db")->target, "/abs/path.db");
  EXPECT_EQ(parse_store_url("sqlite:relative.db")->target, "relative.db");
  EXPECT_EQ(parse_store_url("postgresql://u@h/db")->kind, StoreLocation::Kind::kPostgresql);
  EXPECT_EQ(parse_store_url("postgres://u@h/db")->kind, StoreLocation::Kind::kPostgresql);
  EXPECT_EQ(parse_store_url("postgresql:///db")->target, "postgresql:///db");
  EXPECT_FALSE(parse_store_url("redis://host"));
  EXPECT_FALSE(parse_store_url("sqlite:"));
  EXPECT_FALSE(parse_store_url(""));
}

TEST(StoreUrl, RedactsPasswords) {
  EXPECT_EQ(redact_store_url("postgresql://ana:s3cret@db.example:5432/results"),
            "postgresql://ana:***@db.example:5432/results");
  EXPECT_EQ(redact_store_url("postgres://ana:p%40ss@db/results?sslmode=require"),
            "postgres://ana:***@db/results?sslmode=require");
  EXPECT_EQ(redact_store_url("postgresql://db/results?user=ana&password=s3cret&sslmode=require"),
            "postgresql://db/results?user=ana&password=***&sslmode=require");
  // Nothing to hide: unchanged.
  EXPECT_EQ(redact_store_url("postgresql://ana@db:5432/results"),
            "postgresql://ana@db:5432/results");
  EXPECT_EQ(redact_store_url("postgresql:///results"), "postgresql:///results");
  EXPECT_EQ(redact_store_url("results.sqlite"), "results.sqlite");
  EXPECT_EQ(redact_store_url("http://127.0.0.1:11434"), "http://127.0.0.1:11434");
}

TEST(StoreUrl, RedactsEveryStringInArguments) {
  const nlohmann::json args = {
      {"store", "postgresql://u:pw@h/db"}, {"runs", 3}, {"list", {"x", "postgres://v:pw2@h/db"}}};
  const auto out = redact_credentials(args);
  EXPECT_EQ(out["store"], "postgresql://u:***@h/db");
  EXPECT_EQ(out["runs"], 3);
  EXPECT_EQ(out["list"][0], "x");
  EXPECT_EQ(out["list"][1], "postgres://v:***@h/db");
}

}  // namespace
}  // namespace chimera::store
