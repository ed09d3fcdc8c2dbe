#pragma once
// What each request asks: synthetic prompts of a chosen length in tokens, a
// shared prefix, prompts from a JSONL file, and multi-turn conversations.
//
// Token counting. A synthetic text of n tokens is n words: one 4-letter word,
// then n − 1 words of a space and 3 letters, all common English words that the
// GPT, Llama and Gemma tokenizers encode as one token each (their tokenizers
// split before a space, so words never merge). The text is therefore exactly
// 4n characters: the simulator, which estimates ⌈characters / 4⌉, counts n; a
// real tokenizer counts n, give or take the template it wraps around a prompt.
// A chat request adds the server's framing per message (the simulator renders
// "role: content\n": 7 characters for a user message, 12 for an assistant one,
// 9 for a system one, counted together with the content). Answers are counted
// by the server (output_tokens). The server's own prompt count
// (prompt_eval_count / prompt_tokens) is what the aggregates use when it gives
// one; the workload's count is the fallback and the expectation to check.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/util/error.hpp"

namespace chimera::load {

// The longest synthetic prompt, prefix or answer asked for, in tokens (2^20):
// past every context window served today, and small enough that the prompts
// built in memory stay a few megabytes each.
inline constexpr std::int64_t kMaxSyntheticTokens = 1'048'576;

// `--input-tokens MEAN[,SD]`, `--output-tokens MEAN[,SD]`; a mean or SD above
// kMaxSyntheticTokens is refused with the limit.
struct LengthSpec {
  double mean = 0;
  double sd = 0;
};
Expected<LengthSpec> parse_length_spec(std::string_view flag, std::string_view text);

// Lengths drawn from Normal(mean, sd) (std::mt19937_64, seeded), rounded and
// kept from 1 to kMaxSyntheticTokens; exactly `mean` when sd is 0.
class LengthSampler {
 public:
  LengthSampler(LengthSpec spec, std::uint64_t seed);
  std::int64_t next();

 private:
  LengthSpec spec_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> normal_;
};

// n words as described above; the same seed gives the same text. With
// `continues`, every word has its leading space (text that follows other text).
std::string synthetic_text(std::int64_t tokens, std::uint64_t seed, bool continues = false);
// Our count of a text: the number of space-separated words (exact for
// synthetic text, an estimate for anything else).
std::int64_t count_tokens(std::string_view text);

// The fields that ask a server for exactly `tokens` output tokens, merged into
// a request's options: Ollama reads num_predict; OpenAI-compatible servers get
// num_predict (sent as max_tokens), min_tokens (vLLM) and ignore_eos (vLLM,
// llama-server) so an early end-of-sequence does not cut the answer short.
nlohmann::json output_length_options(std::string_view backend_kind, std::int64_t tokens);

struct Message {
  std::string role;  // system | user | assistant
  std::string content;
};

// One line of a prompt file: {"prompt": "..."} or {"messages": [{role, content}, ...]},
// with an optional "max_tokens" (a positive integer).
struct PromptRecord {
  std::string prompt;  // empty when messages are given
  std::vector<Message> messages;
  std::optional<std::int64_t> max_tokens;
  std::size_t line = 0;  // 1-based, for messages
};
struct LineError {
  std::size_t line = 0;
  std::string message;
};
struct PromptFile {
  std::vector<PromptRecord> records;
  std::vector<LineError> errors;  // every bad line; blank lines are skipped, not errors
};
PromptFile parse_prompt_jsonl(std::string_view text);
// kIo when unreadable; kInvalidInput when no line is usable, naming the bad
// lines. A file with some bad lines is returned with them in `errors`.
Expected<PromptFile> read_prompt_file(const std::filesystem::path& path);
// "prompts.jsonl: line 3: ...; line 7: ..." (the first `limit` lines, then a count).
std::string describe_errors(const std::string& file, const std::vector<LineError>& errors,
                            std::size_t limit = 5);

// Synthetic requests: `--prefix-tokens N` of text shared by every request (the
// same words each time, so a prefix cache can serve them), then a unique part
// of `--input-tokens` tokens. With a prefix the body's words all carry their
// leading space (" the and ..."): the joining space belongs to the
// body's first word in a tokenizer, so the count stays prefix + body
// (4 characters a token for the simulator too).
struct SyntheticWorkload {
  std::int64_t prefix_tokens = 0;
  LengthSpec input{};
  std::optional<LengthSpec> output;
  std::uint64_t seed = 0;
};
struct SyntheticPrompt {
  std::string text;
  std::int64_t tokens = 0;                 // prefix + unique part, by our count
  std::optional<std::int64_t> max_tokens;  // from --output-tokens
};
class SyntheticPrompts {
 public:
  explicit SyntheticPrompts(SyntheticWorkload workload);
  SyntheticPrompt next();

 private:
  SyntheticWorkload workload_;
  std::string prefix_;
  LengthSampler input_;
  std::optional<LengthSampler> output_;
  std::uint64_t index_ = 0;
};

// `--turns K`: each turn sends the conversation so far and a new user message.
// The runner asks for turn k's messages, sends them, and hands the answer back.
class Conversation {
 public:
  Conversation(std::string system, std::int64_t user_tokens, int turns, std::uint64_t seed);
  int turns() const { return turns_; }
  int turn() const { return turn_; }  // 0-based: the turn to send next
  bool done() const { return turn_ >= turns_; }
  // The messages of the next turn: system (if any), then user/assistant pairs
  // of the turns before, then the new user message.
  std::vector<Message> next_messages();
  // The answer to the turn just sent, with the server's token count.
  void add_answer(std::string text, std::int64_t output_tokens);
  // Our count of what the next turn sends, without framing: the system text,
  // every user message and every answer (the server's count) so far.
  std::int64_t content_tokens() const;
  std::int64_t messages_in_next() const;

 private:
  std::string system_;
  std::int64_t user_tokens_;
  int turns_;
  std::uint64_t seed_;
  int turn_ = 0;
  std::vector<Message> history_;
  std::int64_t history_tokens_ = 0;
  bool awaiting_answer_ = false;
};

}  // namespace chimera::load
