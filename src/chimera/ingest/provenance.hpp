#pragma once
// Where a fact or a figure came from. Every number the ingest layer reports
// carries one, so a reader (or the verifier) can open the file and find it.

#include <cstddef>
#include <string>

namespace chimera::ingest {

struct Provenance {
  std::string root;       // the root directory as given
  std::string file;       // path relative to `root`, '/'-separated
  std::size_t row = 0;    // 1-based data row of a table (header excluded); 0 = not a table cell
  std::string column;     // column name of a table cell
  std::string json_path;  // e.g. $.models[0].mean_tokens_s; for a JSON table, the path of the array
  std::size_t line = 0;   // 1-based line in the file; 0 = unknown

  // "reports/x.csv row 3, column mean_tokens_s (line 4)".
  std::string describe() const;
};

}  // namespace chimera::ingest
