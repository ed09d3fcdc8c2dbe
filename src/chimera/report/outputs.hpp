#pragma once
// `--output FILE` (repeatable): each spec is FILE, with the format taken from
// its extension (.md .csv .json .jsonl .html .txt), or FORMAT:FILE. Files are
// written atomically (a temporary file in the same directory, then rename),
// so a reader never sees half a report, and a command rewrites them after
// each configuration completes, so a later failure loses nothing (hyperfine's
// habit).

#include <string>
#include <vector>

#include "chimera/report/model.hpp"
#include "chimera/report/reporter.hpp"

namespace chimera::report {

struct OutputSpec {
  std::string format;  // one of reporter_formats()
  std::string path;
};

// Checks a spec without writing anything, so a command can reject a bad
// --output before it spends an hour measuring.
Expected<OutputSpec> parse_output_spec(const std::string& spec);

// Writes `text` to `path` atomically. Failure message:
// "Could not create export file 'PATH': REASON".
Expected<void> write_file_atomically(const std::string& path, const std::string& text);

// Renders the report once per spec and writes each file atomically. A file
// that fails does not stop the others; the failure names every file that
// failed, one line each.
Expected<void> write_outputs(const BenchReport& report, const RequestSource& requests,
                             const std::vector<std::string>& specs);

}  // namespace chimera::report
