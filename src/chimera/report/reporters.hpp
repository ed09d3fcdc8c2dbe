#pragma once
// One factory per format (internal to report/; use make_reporter()).

#include <memory>

#include "chimera/report/reporter.hpp"

namespace chimera::report {

std::unique_ptr<Reporter> make_console_reporter();
std::unique_ptr<Reporter> make_markdown_reporter();
std::unique_ptr<Reporter> make_csv_reporter();
std::unique_ptr<Reporter> make_json_reporter();
std::unique_ptr<Reporter> make_jsonl_reporter();
std::unique_ptr<Reporter> make_html_reporter();

}  // namespace chimera::report
