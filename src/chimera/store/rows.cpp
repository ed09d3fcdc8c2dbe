#include "chimera/store/rows.hpp"

#include <fmt/format.h>

namespace chimera::store {

nlohmann::json parse_json_or(const std::string& text, nlohmann::json fallback) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

Expected<measure::RequestResult> stored_request(const std::string& raw, std::int64_t run_id,
                                                const std::string& store_description) {
  auto json = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("a stored request of run {} in {} is not valid JSON", run_id,
                            store_description));
  }
  return measure::request_from_json(json);
}

}  // namespace chimera::store
