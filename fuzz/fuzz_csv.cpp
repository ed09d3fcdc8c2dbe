// Any bytes, fed in two chunks split at a position chosen by the input, must
// parse without crashing and give the same rows as one feed.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "chimera/ingest/csv.hpp"
#include "chimera/ingest/table.hpp"
#include "chimera/ingest/utf8.hpp"

namespace {

std::vector<std::vector<std::string>> parse(std::string_view text, std::size_t split) {
  using namespace chimera::ingest;
  std::vector<std::vector<std::string>> rows;
  std::unique_ptr<TableAccumulator> table;
  std::vector<Cell> cells;
  CsvParser parser(
      [&](const std::vector<std::string_view>& fields, std::size_t line) {
        rows.emplace_back(fields.begin(), fields.end());
        if (!table) {
          table = std::make_unique<TableAccumulator>(rows.back(), Provenance{}, "csv");
          return;
        }
        cells.clear();
        for (auto f : fields) cells.push_back(Cell::from_text(f));
        table->add_row(cells, line);
      },
      4096);
  parser.feed(text.substr(0, split));
  parser.feed(text.substr(split));
  parser.finish();
  if (table) table->finish();
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  chimera::ingest::Utf8Validator utf8;
  utf8.feed(text);
  utf8.finish();
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  if (parse(text, split) != parse(text, size)) std::abort();
  return 0;
}
