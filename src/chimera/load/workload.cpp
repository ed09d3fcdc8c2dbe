#include "chimera/load/workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace chimera::load {
namespace {

// One token each in the common BPE vocabularies, at the start of a text ...
constexpr std::array<const char*, 16> kFirstWords{"that", "with", "have", "this", "from", "they",
                                                  "will", "what", "when", "make", "like", "time",
                                                  "just", "know", "take", "into"};
// ... and after a space.
constexpr std::array<const char*, 48> kWords{
    " the", " and", " for", " you", " not", " are", " but", " can", " all", " was", " one", " our",
    " out", " day", " get", " has", " him", " his", " how", " man", " new", " now", " old", " see",
    " two", " way", " who", " boy", " did", " its", " let", " put", " say", " she", " too", " use",
    " any", " may", " her", " own", " big", " end", " far", " few", " got", " run", " set", " top"};

std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Expected<double> parse_number(std::string_view flag, std::string_view whole,
                              std::string_view part) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
  if (ec != std::errc() || ptr != part.data() + part.size() || !std::isfinite(v) || v < 0) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("{} {}: '{}' is not a number of tokens; write MEAN or MEAN,SD (e.g. "
                            "512 or 512,64)",
                            flag, whole, part));
  }
  if (v > static_cast<double>(kMaxSyntheticTokens)) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("{} {}: '{}' is more than the limit of {} tokens (2^20, past every "
                            "context window served today; synthetic text is built in memory)",
                            flag, whole, part, kMaxSyntheticTokens));
  }
  return v;
}

}  // namespace

Expected<LengthSpec> parse_length_spec(std::string_view flag, std::string_view text) {
  const auto comma = text.find(',');
  auto mean = parse_number(flag, text, text.substr(0, comma));
  if (!mean) return std::unexpected(mean.error());
  if (*mean < 1) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("{} {}: the mean must be at least 1 token", flag, text));
  }
  LengthSpec spec{*mean, 0};
  if (comma != std::string_view::npos) {
    auto sd = parse_number(flag, text, text.substr(comma + 1));
    if (!sd) return std::unexpected(sd.error());
    spec.sd = *sd;
  }
  return spec;
}

LengthSampler::LengthSampler(LengthSpec spec, std::uint64_t seed)
    : spec_(spec), rng_(seed), normal_(spec.mean, spec.sd > 0 ? spec.sd : 1.0) {}

std::int64_t LengthSampler::next() {
  const double v = spec_.sd > 0 ? normal_(rng_) : spec_.mean;
  return std::clamp<std::int64_t>(
      std::llround(std::min(v, static_cast<double>(kMaxSyntheticTokens))), 1, kMaxSyntheticTokens);
}

std::string synthetic_text(std::int64_t tokens, std::uint64_t seed, bool continues) {
  std::string text;
  if (tokens <= 0) return text;
  text.reserve(static_cast<std::size_t>(tokens) * 4);
  std::uint64_t state = mix(seed);
  text += continues ? kWords[state % kWords.size()] : kFirstWords[state % kFirstWords.size()];
  for (std::int64_t i = 1; i < tokens; ++i) {
    state = mix(state);
    text += kWords[state % kWords.size()];
  }
  return text;
}

std::int64_t count_tokens(std::string_view text) {
  std::int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

nlohmann::json output_length_options(std::string_view backend_kind, std::int64_t tokens) {
  if (backend_kind == "ollama") return {{"num_predict", tokens}};
  return {{"num_predict", tokens}, {"min_tokens", tokens}, {"ignore_eos", true}};
}

SyntheticPrompts::SyntheticPrompts(SyntheticWorkload workload)
    : workload_(workload),
      prefix_(synthetic_text(workload.prefix_tokens, mix(workload.seed ^ 0x70726566ULL))),
      input_(workload.input, mix(workload.seed ^ 0x696eULL)) {
  if (workload_.output) output_.emplace(*workload_.output, mix(workload.seed ^ 0x6f7574ULL));
}

SyntheticPrompt SyntheticPrompts::next() {
  SyntheticPrompt p;
  const std::int64_t body = input_.next();
  p.text = prefix_ + synthetic_text(body, mix(workload_.seed + ++index_), !prefix_.empty());
  p.tokens = workload_.prefix_tokens + body;
  if (output_) p.max_tokens = output_->next();
  return p;
}

Conversation::Conversation(std::string system, std::int64_t user_tokens, int turns,
                           std::uint64_t seed)
    : system_(std::move(system)), user_tokens_(user_tokens), turns_(turns), seed_(seed) {}

std::vector<Message> Conversation::next_messages() {
  if (!awaiting_answer_) {
    history_.push_back(
        {"user", synthetic_text(user_tokens_, mix(seed_ + static_cast<std::uint64_t>(turn_)))});
    history_tokens_ += user_tokens_;
    awaiting_answer_ = true;
  }
  std::vector<Message> messages;
  if (!system_.empty()) messages.push_back({"system", system_});
  messages.insert(messages.end(), history_.begin(), history_.end());
  return messages;
}

void Conversation::add_answer(std::string text, std::int64_t output_tokens) {
  history_.push_back({"assistant", std::move(text)});
  history_tokens_ += output_tokens;
  awaiting_answer_ = false;
  ++turn_;
}

std::int64_t Conversation::content_tokens() const {
  const std::int64_t system = system_.empty() ? 0 : count_tokens(system_);
  return system + history_tokens_ + (awaiting_answer_ ? 0 : user_tokens_);
}

std::int64_t Conversation::messages_in_next() const {
  return static_cast<std::int64_t>(history_.size()) + (system_.empty() ? 0 : 1) +
         (awaiting_answer_ ? 0 : 1);
}

}  // namespace chimera::load
