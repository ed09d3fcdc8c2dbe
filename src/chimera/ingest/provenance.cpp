#include "chimera/ingest/provenance.hpp"

namespace chimera::ingest {

std::string Provenance::describe() const {
  std::string out = file;
  if (!json_path.empty()) out += " " + json_path;
  if (row > 0) out += " row " + std::to_string(row);
  if (!column.empty()) out += (row > 0 ? ", column " : " column ") + column;
  if (line > 0) out += " (line " + std::to_string(line) + ")";
  return out;
}

}  // namespace chimera::ingest
