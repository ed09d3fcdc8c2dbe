// JSON documents and JSON Lines, including NaN/Infinity and truncation.
#include <cstdint>
#include <string_view>

#include "chimera/ingest/figure_index.hpp"
#include "chimera/ingest/json_doc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chimera::ingest;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FigureIndex figures(10'000, 1'000);
  const auto fid = figures.add_file("/fuzz", "x.json");
  analyse_json(text, Provenance{"/fuzz", "x.json", 0, {}, {}, 0}, &figures, fid);
  JsonLinesReader lines(Provenance{"/fuzz", "x.jsonl", 0, {}, {}, 0}, &figures, fid, 1024);
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  lines.feed(text.substr(0, split));
  lines.feed(text.substr(split));
  lines.finish();
  figures.seal();
  figures.find(1.0, 0.01);
  return 0;
}
