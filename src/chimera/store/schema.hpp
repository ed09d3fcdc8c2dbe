#pragma once
// The results store's schema, as numbered migrations. Written in portable SQL
// (TEXT, INTEGER, BIGINT, DOUBLE PRECISION; JSON as TEXT; timestamps as ISO
// 8601 TEXT; flags as 0/1 INTEGER) so that a PostgreSQL store can run the same
// statements; the one dialect difference, how an id column generates its
// values, is a parameter.

#include <string>
#include <vector>

namespace chimera::store {

struct Migration {
  int version = 0;  // the schema version after this migration
  std::string sql;  // one or more statements
};

// How each dialect spells an auto-generated 64-bit primary key.
inline constexpr const char* kSqliteIdColumn = "INTEGER PRIMARY KEY";
inline constexpr const char* kPostgresqlIdColumn =
    "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

// Every migration in order; the last one's version is the current schema version.
std::vector<Migration> schema_migrations(const std::string& id_column);
int current_schema_version();

}  // namespace chimera::store
