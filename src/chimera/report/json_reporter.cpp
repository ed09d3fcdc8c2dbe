// JSON: the whole report (schema_version first among its fields' meaning).
// JSONL: the raw requests, one JSON object per line, as measure::to_json.

#include "chimera/report/reporters.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::report {
namespace {

class JsonReporter final : public Reporter {
 public:
  std::string_view format() const override { return "json"; }
  Expected<void> write(const BenchReport& report, const RequestSource&,
                       std::ostream& out) const override {
    out << dump_json(to_json(report), 2) << '\n';
    return {};
  }
};

class JsonlReporter final : public Reporter {
 public:
  std::string_view format() const override { return "jsonl"; }
  Expected<void> write(const BenchReport&, const RequestSource& requests,
                       std::ostream& out) const override {
    if (!requests) {
      return fail(FailureKind::kInvalidInput,
                  "JSONL output lists the raw requests, and they are not available here (a JSON "
                  "results file holds only summaries); re-render from the results store instead");
    }
    return requests(
        [&out](const measure::RequestResult& r) { out << measure::to_json_text(r) << '\n'; });
  }
};

}  // namespace

std::unique_ptr<Reporter> make_json_reporter() {
  return std::make_unique<JsonReporter>();
}
std::unique_ptr<Reporter> make_jsonl_reporter() {
  return std::make_unique<JsonlReporter>();
}

}  // namespace chimera::report
