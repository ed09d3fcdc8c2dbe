#pragma once
// The PostgreSQL results store, for a team that wants every run from several
// machines in one database. Same schema and migrations as SQLite; migrations
// run under an advisory lock so that processes opening a new database at once
// apply them once.
//
// Requests are buffered and written in batches (one multi-row INSERT, its own
// transaction) when the batch is full, on a short timer, before any read, and
// on close: the load generator never waits for a round trip per request, and a
// killed process loses at most the batch in flight (kRequestBatchSize requests
// or kFlushInterval of them).

#include <chrono>
#include <memory>
#include <string>

#include "chimera/store/store.hpp"

namespace chimera::store {

inline constexpr std::size_t kRequestBatchSize = 128;
inline constexpr std::chrono::milliseconds kFlushInterval{100};

// `url` is a postgresql:// or postgres:// URL; host, port, user, password and
// database that it leaves out come from PGHOST, PGPORT, PGUSER, PGPASSWORD,
// PGDATABASE (libpq's own rules).
Expected<std::unique_ptr<ResultStore>> open_postgresql_store(const std::string& url);

}  // namespace chimera::store
