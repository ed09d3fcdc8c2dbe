// Any bytes as a response body, for both wire formats (Ollama NDJSON, OpenAI
// SSE): decoded in one feed, in two chunks split at a point chosen by the
// input, and one byte at a time, the results must agree; with a small line
// limit the decoders must stop rather than grow. The framing layers
// (LineSplitter, SseParser) are checked the same way on their own.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "chimera/backends/stream_decoder.hpp"
#include "chimera/http/line_splitter.hpp"
#include "chimera/http/sse_parser.hpp"

namespace {

using chimera::backends::StreamDecoder;

struct Outcome {
  std::string text;
  std::size_t chunks = 0;
  bool finished = false;
  std::string error_kind;
  bool operator==(const Outcome&) const = default;
};

Outcome run(bool ollama, std::size_t limit, const std::vector<std::string_view>& parts) {
  auto decoder = ollama ? chimera::backends::make_ollama_decoder(limit)
                        : chimera::backends::make_openai_decoder(limit);
  const auto at = chimera::http::Clock::now();
  for (auto part : parts) {
    if (decoder->feed(part, at) == chimera::http::BodyAction::kStop) break;
  }
  decoder->finish(at);
  const auto& s = decoder->state();
  return {s.text, s.text_chunk_at.size(), s.finished, s.error_kind};
}

void check_decoders(bool ollama, std::size_t limit, std::string_view body, std::size_t split) {
  const Outcome whole = run(ollama, limit, {body});
  if (!(run(ollama, limit, {body.substr(0, split), body.substr(split)}) == whole)) std::abort();
  if (body.size() <= 512) {
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < body.size(); ++i) bytes.push_back(body.substr(i, 1));
    if (!(run(ollama, limit, bytes) == whole)) std::abort();
  }
  // What is kept never exceeds the limit plus one chunk's worth of text.
  if (limit != 0 && whole.error_kind.empty() && whole.text.size() > body.size()) std::abort();
}

std::vector<std::string> lines(std::string_view body, std::size_t split, std::size_t limit) {
  chimera::http::LineSplitter splitter(limit);
  std::vector<std::string> out;
  auto sink = [&](std::string_view line) {
    if (limit != 0 && line.size() > limit) std::abort();
    out.emplace_back(line);
  };
  splitter.feed(body.substr(0, split), sink);
  splitter.feed(body.substr(split), sink);
  splitter.finish(sink);
  if (limit != 0 && splitter.pending_bytes() > limit) std::abort();
  if (splitter.overflowed()) out.emplace_back("\x01overflow");
  return out;
}

std::vector<std::string> events(std::string_view body, std::size_t split, std::size_t limit) {
  chimera::http::SseParser parser(limit);
  std::vector<std::string> out;
  auto sink = [&](const chimera::http::SseEvent& e) {
    if (limit != 0 && e.data.size() > limit) std::abort();
    out.push_back(std::string(e.type) + '\x1f' + std::string(e.data) + '\x1f' + std::string(e.id));
  };
  parser.feed(body.substr(0, split), sink);
  parser.feed(body.substr(split), sink);
  parser.finish(sink);
  if (parser.overflowed()) out.emplace_back("\x01overflow");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool ollama = (data[0] & 1) != 0;
  const std::size_t limit = (data[0] & 2) != 0 ? 64 : 0;  // 0: the default 1 MiB in spirit
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::size_t split = body.empty() ? 0 : data[1] % (body.size() + 1);

  check_decoders(ollama, limit == 0 ? std::size_t{1} << 20 : limit, body, split);
  // Framing alone: any split gives the lines and events of a single feed.
  const std::size_t frame_limit = limit == 0 ? 0 : limit;
  if (lines(body, split, frame_limit) != lines(body, body.size(), frame_limit)) std::abort();
  if (events(body, split, frame_limit) != events(body, body.size(), frame_limit)) std::abort();
  return 0;
}
