#include "chimera/orchestrate/bench/store_guard.hpp"

#include <fmt/format.h>

#include "chimera/util/terminal.hpp"

namespace chimera::orchestrate {

void StoreGuard::configuration(std::size_t index, std::int64_t id) {
  index_of_[id] = index;
  id_of_[index] = id;
}

bool StoreGuard::check(const Expected<void>& done, const std::string& what) {
  if (done) return true;
  give_up(done.error(), what);
  return false;
}

void StoreGuard::record(std::size_t index, std::int64_t run_id, const measure::RequestResult& r) {
  if (db_ == nullptr) return;
  const auto id = id_of_.find(index);
  if (failed() || id == id_of_.end()) {
    keep(index, r);
    return;
  }
  // A batch keeps the row whatever happens; a failure is one of writing it.
  auto saved = db_->record_request(run_id, id->second, r);
  if (!saved) flushed(std::unexpected(saved.error()));
}

void StoreGuard::flushed(const Expected<void>& result) {
  if (result || failed()) return;
  if (result.error().kind == FailureKind::kIo) {
    give_up(result.error(), "writing requests");
    return;
  }
  if (retried_++ == 0) first_retry_ = result.error().message;
}

void StoreGuard::give_up(const Failure& failure, const std::string& what) {
  if (failed() || db_ == nullptr) return;
  failure_ = fmt::format("{} failed while {}: {}", db_->description(), what, failure.message);
  term::warn(
      fmt::format("results store: {}; measuring goes on, and the requests it does not hold "
                  "are kept for the exports and the figures",
                  *failure_));
  for (auto& row : db_->take_unstored()) {
    const auto index = index_of_.find(row.configuration_id);
    keep(index != index_of_.end() ? index->second : 0, std::move(row.request));
  }
}

void StoreGuard::keep(std::size_t index, measure::RequestResult r) {
  ++unstored_;
  if (r.warmup) ++unstored_warmups_;
  kept_[index].push_back(std::move(r));
}

const std::vector<measure::RequestResult>& StoreGuard::kept(std::size_t index) const {
  static const std::vector<measure::RequestResult> none;
  const auto it = kept_.find(index);
  return it != kept_.end() ? it->second : none;
}

std::optional<std::string> StoreGuard::retry_note() const {
  if (retried_ == 0 || db_ == nullptr) return std::nullopt;
  return fmt::format("{} write(s) to {} failed and were tried again{} (first: {})", retried_,
                     db_->description(), failed() ? "" : "; every request was stored in the end",
                     first_retry_);
}

report::RequestSource StoreGuard::requests(std::optional<std::int64_t> run_id, std::size_t points) {
  if (db_ == nullptr || !run_id) return {};
  return [this, run = *run_id, points](const report::RequestSink& sink) -> Expected<void> {
    auto visit = [&](std::int64_t, const measure::RequestResult& r) { sink(r); };
    if (!failed()) {
      auto n = db_->requests(run, std::nullopt, visit);
      if (!n) return std::unexpected(n.error());
      return {};
    }
    bool readable = true;
    for (std::size_t i = 0; i < points; ++i) {
      const auto id = id_of_.find(i);
      if (readable && id != id_of_.end()) {
        if (auto n = db_->requests(run, id->second, visit); !n) {
          readable = false;
          term::warn(fmt::format(
              "the requests stored in {} before it failed could not be read back for the "
              "request export ({}); from grid point {} on, the export holds only the requests "
              "the store did not take",
              db_->description(), n.error().message, i + 1));
        }
      }
      for (const auto& r : kept(i)) sink(r);
    }
    return {};
  };
}

}  // namespace chimera::orchestrate
