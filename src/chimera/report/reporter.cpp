#include "chimera/report/reporter.hpp"

#include <fmt/format.h>

#include "chimera/report/reporters.hpp"

namespace chimera::report {

const std::vector<std::string>& reporter_formats() {
  static const std::vector<std::string> formats = {"console", "md", "csv", "json", "jsonl", "html"};
  return formats;
}

Expected<std::unique_ptr<Reporter>> make_reporter(std::string_view format) {
  if (format == "console" || format == "text") return make_console_reporter();
  if (format == "md" || format == "markdown") return make_markdown_reporter();
  if (format == "csv") return make_csv_reporter();
  if (format == "json") return make_json_reporter();
  if (format == "jsonl") return make_jsonl_reporter();
  if (format == "html") return make_html_reporter();
  return fail(FailureKind::kInvalidInput, fmt::format("unknown output format '{}'; use one of: {}",
                                                      format, fmt::join(reporter_formats(), ", ")));
}

}  // namespace chimera::report
