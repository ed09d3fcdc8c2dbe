#pragma once
// The PostgreSQL results store, for a team that wants every run from several
// machines in one database. Same schema and migrations as SQLite; migrations
// run under an advisory lock so that processes opening a new database at once
// apply them once.
//
// Requests are buffered and written by a writer thread in batches (one COPY
// per kRequestBatchSize rows, each its own transaction) when a
// batch is full or kFlushInterval has passed, and also before any read, when a
// configuration is marked done, and on close. The recording thread (the load
// generator's event loop) does not wait for the database unless the writer
// falls kMaxBufferedRequests behind a reachable server. A killed process
// loses at most what was buffered or being written: under 2 x
// kMaxBufferedRequests requests, or the last kFlushInterval of them at a
// lower rate.
//
// A lost server (a restart, a network drop): each statement reconnects with
// growing pauses within StoreOptions::reconnect_limit (pg_db.hpp). Recording
// never waits meanwhile: rows wait in the buffer. Each row gets its id from
// the table's identity sequence before its first write and keeps it, so a
// batch whose outcome was lost with the server is sent again with INSERT ...
// ON CONFLICT (id) DO NOTHING and stored exactly once. Reads and status
// changes run again once reconnected; the two inserts that return an id
// (runs, configurations) look for the row they may already have made.

#include <chrono>
#include <memory>
#include <string>

#include "chimera/store/store.hpp"

namespace chimera::store {

inline constexpr std::size_t kRequestBatchSize = 128;
inline constexpr std::size_t kMaxBufferedRequests = 4 * kRequestBatchSize;
inline constexpr std::chrono::milliseconds kFlushInterval{100};

// `url` is a postgresql:// or postgres:// URL; host, port, user, password and
// database that it leaves out come from PGHOST, PGPORT, PGUSER, PGPASSWORD,
// PGDATABASE (libpq's own rules).
Expected<std::unique_ptr<ResultStore>> open_postgresql_store(const std::string& url,
                                                             const StoreOptions& options = {});

}  // namespace chimera::store
