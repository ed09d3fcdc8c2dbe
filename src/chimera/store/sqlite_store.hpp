#pragma once
// The embedded SQLite results store (the default). WAL journal with
// synchronous=NORMAL: each request is its own committed transaction, and a
// committed transaction survives the process being killed (only a power loss
// can take back the last few). A busy timeout lets several processes share a
// file.

#include <memory>
#include <string>

#include "chimera/store/store.hpp"

namespace chimera::store {

Expected<std::unique_ptr<ResultStore>> open_sqlite_store(const std::string& path);

}  // namespace chimera::store
