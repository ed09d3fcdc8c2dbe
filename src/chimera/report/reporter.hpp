#pragma once
// Reporters turn a BenchReport into one output format. make_reporter() is the
// only place a format name becomes a type.
//
// Formats:
//   console  aligned text tables, hyperfine-like (mean ± sd, min … max, percentiles)
//   md       GitHub-flavoured Markdown tables
//   csv      long format: one row per configuration × phase (warm|cold) × metric
//   json     the whole BenchReport with its schema_version
//   jsonl    one line per raw request (measure::to_json), warm-up included
//   html     one self-contained page: inline CSS and SVG charts, no external assets

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/measure/request.hpp"
#include "chimera/report/model.hpp"
#include "chimera/util/error.hpp"

namespace chimera::report {

using RequestSink = std::function<void(const measure::RequestResult&)>;
// Replays the raw requests behind a report (from the store, a JSONL file or
// memory) into a sink, so that they never need to be held all at once.
// An empty RequestSource means the raw requests are not available.
using RequestSource = std::function<Expected<void>(const RequestSink&)>;

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual std::string_view format() const = 0;
  // Only the jsonl and html reporters read `requests` (html: for latency distributions).
  virtual Expected<void> write(const BenchReport& report, const RequestSource& requests,
                               std::ostream& out) const = 0;
};

// "console", "md", "csv", "json", "jsonl", "html".
const std::vector<std::string>& reporter_formats();
// Also accepts "markdown" and "text" as aliases.
Expected<std::unique_ptr<Reporter>> make_reporter(std::string_view format);

}  // namespace chimera::report
