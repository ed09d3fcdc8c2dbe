#include "chimera/sim/generation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <ctime>
#include <memory>
#include <optional>

#include "chimera/sim/fault.hpp"
#include "chimera/sim/server.hpp"
#include "chimera/sim/text.hpp"
#include "chimera/sim/timing.hpp"
#include "chimera/sim/wire.hpp"
#include "chimera/version.hpp"

namespace chimera::sim {
namespace {

// FNV-1a over the model name and the prompt: stable across runs and platforms.
std::uint64_t text_fingerprint(const std::string& model, const std::string& prompt) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const std::string* part : {&model, &prompt}) {
    for (unsigned char c : *part) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  }
  return h;
}

namespace net = boost::asio;
using Clock = ServerState::Clock;

constexpr const char* kRunnerCrashed = "llama runner process has terminated: exit status 2";
constexpr const char* kServerBusy =
    "server busy, please try again.  maximum pending requests exceeded";
// Tokens coalesced into one socket write when several are already due.
constexpr int kMaxTokensPerWrite = 64;

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

double to_ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
std::int64_t to_ns(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// Gives the slot back on every path out of a request, including a dropped client.
class SlotGuard {
 public:
  SlotGuard(ServerState& state, std::string model) : state_(state), model_(std::move(model)) {}
  ~SlotGuard() {
    if (!state_.stopping) state_.scheduler.release(model_);
  }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  ServerState& state_;
  std::string model_;
};

class StreamCount {
 public:
  explicit StreamCount(ServerState& state) : state_(state) { state_.stream_opened(); }
  ~StreamCount() { state_.stream_closed(); }
  StreamCount(const StreamCount&) = delete;
  StreamCount& operator=(const StreamCount&) = delete;

 private:
  ServerState& state_;
};

// A request's place in its model's decoding batch, from the first to the
// last decoded token; the batch size sets each token's gap.
class BatchSeat {
 public:
  BatchSeat(Scheduler& scheduler, std::string model)
      : scheduler_(scheduler), model_(std::move(model)), joined_(scheduler_.decode_join(model_)) {}
  ~BatchSeat() { scheduler_.decode_leave(model_); }
  BatchSeat(const BatchSeat&) = delete;
  BatchSeat& operator=(const BatchSeat&) = delete;
  int batch() const { return scheduler_.decoding(model_); }
  int joined() const { return joined_; }  // the batch size this request's joining made

 private:
  Scheduler& scheduler_;
  std::string model_;
  int joined_ = 0;
};

class Exchange {
 public:
  Exchange(net::ip::tcp::socket& socket, ServerState& state, Api api, bool keep_alive)
      : socket_(socket),
        state_(state),
        api_(api),
        keep_alive_(keep_alive),
        timer_(socket.get_executor()) {
    received_ = Clock::now();
    truth_.id = state_.next_id++;
    truth_.api = to_string(api);
    truth_.received_ns = state_.since_start_ns(received_);
    ++state_.requests;
  }

  net::awaitable<bool> run(const std::string& body, const std::string& fault_header,
                           std::string_view authorization);

 private:
  net::awaitable<bool> write(std::string bytes) {
    boost::system::error_code ec;
    co_await net::async_write(socket_, net::buffer(bytes),
                              net::redirect_error(net::use_awaitable, ec));
    co_return !ec;
  }
  // The response's last write; the truth learns when the socket took it.
  net::awaitable<bool> write_last(std::string bytes, bool first_too = false) {
    const bool ok = co_await write(std::move(bytes));
    if (ok) {
      const auto ns = state_.since_start_ns(Clock::now());
      if (first_too) state_.truth.stamp_first_byte(truth_.id, ns);
      state_.truth.stamp_last_byte(truth_.id, ns);
    }
    co_return ok;
  }
  net::awaitable<void> wait_until(Clock::time_point when) {
    if (when <= Clock::now()) co_return;
    timer_.expires_at(when);
    boost::system::error_code ec;
    co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  net::awaitable<bool> reply(int status, std::string_view content_type, const std::string& body) {
    std::string bytes = response_head(status, content_type, static_cast<std::int64_t>(body.size()),
                                      keep_alive_, truth_.id);
    bytes += body;
    // Recorded before the last byte leaves, so a client that asks /sim/requests
    // right after its response always finds it.
    truth_.status = status;
    record();
    co_return co_await write_last(std::move(bytes), true) && keep_alive_;
  }
  net::awaitable<bool> reply_error(int status, const std::string& message,
                                   std::string_view openai_type, std::string_view openai_code) {
    const std::string body =
        is_ollama(api_) ? ollama_error(message) : openai_error(message, openai_type, openai_code);
    co_return co_await reply(status, "application/json; charset=utf-8", body);
  }
  net::awaitable<bool> acquire_slot(const std::string& model);
  net::awaitable<bool> answer_load_request(const GenerationRequest& req, const std::string& model);
  net::awaitable<bool> stream_tokens();
  net::awaitable<bool> write_stream_head();
  void append_token_chunk(std::string& out, std::int64_t index);
  net::awaitable<bool> end_stream();
  net::awaitable<bool> answer_whole();
  void plan_faults(const ModelSpec& model);
  Clock::duration prefill_time();
  Clock::duration gap_before(std::int64_t index, Clock::time_point step_start);
  Clock::duration batch_stall(std::int64_t index, int batch, Clock::time_point step_start);
  void join_batch();
  WireStats stats(Clock::time_point done) const;
  std::string final_bytes(Clock::time_point done);
  void record();
  net::awaitable<bool> answer_hostile(std::string_view authorization);

  net::ip::tcp::socket& socket_;
  ServerState& state_;
  Api api_;
  bool keep_alive_;
  net::steady_timer timer_;
  Clock::time_point received_;
  RequestTruth truth_;

  // Set once the request is accepted.
  const ModelSpec* model_ = nullptr;
  GenerationRequest req_;
  FaultSpec fault_;
  GeneratedText text_;
  std::unique_ptr<TimingPlan> plan_;
  Clock::time_point decode_start_{};
  Clock::time_point first_token_{};
  std::string payload_;
  Clock::time_point last_token_{};
  std::int64_t sent_tokens_ = 0;
  Clock::duration load_{};
  Clock::duration prefill_{};
  OpenAiIds ids_;
  std::string created_at_;
  std::optional<BatchSeat> seat_;
  std::int64_t gap_index_ = -1;  // the token whose gap was last drawn, and that gap
  Clock::duration gap_{};
  bool found_batch_bucket_ = false;  // joining made a batch size of a bucket never run before
};

// Prefill from the prompt length, plus the first-of-a-shape penalty when
// this request is the first of its prompt-length bucket on the model.
Clock::duration Exchange::prefill_time() {
  truth_.engine.continuous_batching = model_->continuous_batching;
  truth_.engine.shape_bucket = shape_bucket(*model_, req_.prompt_tokens);
  Nanos time = plan_->prefill(req_.prompt_tokens);
  if (model_->shape_penalty_ms > 0 &&
      state_.scheduler.first_of_shape(model_->name, truth_.engine.shape_bucket)) {
    time += plan_->shape_penalty();
    truth_.engine.shape_penalty_ms = to_ms(plan_->shape_penalty());
  }
  return std::chrono::duration_cast<Clock::duration>(time);
}

// The gap before token `index`, whose step begins at `step_start` (the
// previous token's due time), drawn once per token at the batch size of that
// moment (asking again for the same token returns the same gap).
Clock::duration Exchange::gap_before(std::int64_t index, Clock::time_point step_start) {
  if (index == gap_index_) return gap_;
  const int batch = seat_ ? std::max(1, seat_->batch()) : 1;
  truth_.engine.saw_batch(batch);
  auto gap = std::chrono::duration_cast<Clock::duration>(plan_->token_gap(index, batch));
  if (model_->continuous_batching && plan_->batch_penalty() > Nanos(0)) {
    gap += batch_stall(index, batch, step_start);
  }
  if (fault_.kind == FaultKind::kStallBetween && index > 0) {
    gap += std::chrono::milliseconds(fault_.stall_ms());
  }
  gap_index_ = index;
  gap_ = gap;
  return gap_;
}

// Joining the batch makes it one larger, so every batch size a model ever
// runs is first reached by a join: the first join into a batch-size bucket
// the engine has never run starts its stall (config.hpp, batch_penalty_ms).
void Exchange::join_batch() {
  seat_.emplace(state_.scheduler, model_->name);
  const auto penalty = std::chrono::duration_cast<Clock::duration>(plan_->batch_penalty());
  if (!model_->continuous_batching || penalty <= Clock::duration::zero()) return;
  found_batch_bucket_ =
      state_.scheduler
          .batch_step(model_->name, batch_bucket(seat_->joined()), decode_start_, penalty)
          .first_of_bucket;
}

// How long the engine's stall at a new batch-size bucket holds back token
// `index`, whose step begins at `step_start`: all of it for the request whose
// joining started it, the rest of it for the others decoding (the engine's
// step is shared), nothing once it is over.
Clock::duration Exchange::batch_stall(std::int64_t index, int batch, Clock::time_point step_start) {
  const auto penalty = std::chrono::duration_cast<Clock::duration>(plan_->batch_penalty());
  const auto stall = state_.scheduler.batch_step(model_->name, 0, step_start, penalty);
  if (stall.until <= step_start) return Clock::duration::zero();
  const auto extra = std::min(stall.until - step_start, penalty);
  const bool started = found_batch_bucket_;
  found_batch_bucket_ = false;
  const int at = started && seat_ ? seat_->joined() : batch;
  truth_.engine.paid_batch_penalty(
      {index, at, batch_bucket(at), to_ms(extra), state_.since_start_ns(step_start), started});
  return extra;
}

net::awaitable<bool> Exchange::acquire_slot(const std::string& model) {
  auto wake = std::make_shared<net::steady_timer>(socket_.get_executor());
  wake->expires_at(Clock::time_point::max());
  auto executor = socket_.get_executor();
  const auto admission = state_.scheduler.admit(
      model, truth_.id, [wake, executor] { net::post(executor, [wake] { wake->cancel(); }); });
  if (admission == Scheduler::Admission::kRejected) co_return false;
  if (admission == Scheduler::Admission::kQueued) {
    boost::system::error_code ec;
    co_await wake->async_wait(net::redirect_error(net::use_awaitable, ec));
  }
  truth_.queue_ms = to_ms(Clock::now() - received_);
  co_return true;
}

net::awaitable<bool> Exchange::answer_load_request(const GenerationRequest& req,
                                                   const std::string& model) {
  const double keep_alive_s = req.keep_alive_s.value_or(state_.config.keep_alive_s);
  std::string reason = "load";
  if (keep_alive_s == 0) {
    reason = "unload";
    state_.scheduler.unload(model);
  } else {
    if (!co_await acquire_slot(model)) {
      co_return co_await reply_error(503, kServerBusy, "server_error", "");
    }
    SlotGuard slot(state_, model);
    const auto start = Clock::now();
    const auto decision = state_.scheduler.begin_use(model, req.load_options, plan_->load(), start);
    co_await wait_until(decision.ready_at);
    truth_.load_ms = to_ms(Clock::now() - start);
    state_.scheduler.end_use(model, keep_alive_s, Clock::now());
  }
  truth_.done_reason = reason;
  const std::string created_at = rfc3339_now();
  OllamaFinal f{req.model, created_at, "", reason, WireStats{}, 0, false};
  std::string body;
  append_ollama_final(body, api_, f);
  body.pop_back();  // a single JSON object, not an NDJSON line
  co_return co_await reply(200, "application/json; charset=utf-8", body);
}

void Exchange::plan_faults(const ModelSpec& model) {
  if (fault_.active()) return;
  Random draw(mix64(state_.config.seed ^ mix64(truth_.id ^ 0xfa17)));
  for (const auto& rule : model.faults) {
    if (draw.unit() < rule.probability) {
      fault_ = rule.fault;
      return;
    }
  }
}

// The hostile faults: no model work, only a wrong answer.
net::awaitable<bool> Exchange::answer_hostile(std::string_view authorization) {
  if (fault_.kind == FaultKind::kHtml200) {
    co_return co_await reply(200, "text/html; charset=utf-8", html_200_page());
  }
  if (fault_.kind == FaultKind::kEchoAuth) {
    co_return co_await reply(401, "application/json; charset=utf-8",
                             echo_auth_body(is_ollama(api_), authorization));
  }
  // no_newline: bytes without a line break until the client gives up.
  truth_.status = 200;
  record();
  const auto type = is_ollama(api_) ? "application/x-ndjson" : "text/event-stream";
  if (!co_await write(response_head(200, type, -1, false, truth_.id))) co_return false;
  std::string piece;
  append_http_chunk(piece, no_newline_piece(64 * 1024));
  while (co_await write(piece)) {
  }
  co_return false;
}

net::awaitable<bool> Exchange::run(const std::string& body, const std::string& fault_header,
                                   std::string_view authorization) {
  auto parsed = parse_generation_request(api_, body);
  if (!parsed) {
    co_return co_await reply_error(400, parsed.error().message, "invalid_request_error", "");
  }
  req_ = std::move(*parsed);
  truth_.model = req_.model;
  truth_.stream = req_.stream;
  auto ref = split_model_reference(req_.model);
  if (!ref) co_return co_await reply_error(400, ref.error().message, "invalid_request_error", "");
  if (!fault_header.empty()) {
    auto header_fault = parse_fault(fault_header);
    if (!header_fault) {
      co_return co_await reply_error(400, "X-Sim-Fault: " + header_fault.error().message,
                                     "invalid_request_error", "");
    }
    fault_ = *header_fault;
  } else if (ref->fault) {
    fault_ = *ref->fault;
  }
  model_ = state_.config.find_model(ref->model);
  if (model_ == nullptr) {
    if (is_ollama(api_)) {
      co_return co_await reply_error(
          404, fmt::format("model \"{}\" not found, try pulling it first", ref->model), "", "");
    }
    co_return co_await reply_error(
        404,
        fmt::format("The model `{}` does not exist or you do not have access to it.", ref->model),
        "invalid_request_error", "model_not_found");
  }
  plan_faults(*model_);
  truth_.fault = fault_.active() ? fault_.describe() : "";
  truth_.prompt_eval_count = req_.prompt_tokens;
  const std::uint64_t seed = req_.seed.value_or(state_.config.seed + truth_.id);
  plan_ = std::make_unique<TimingPlan>(*model_, seed, state_.config.rate_limits);

  if (fault_.kind == FaultKind::kHttp500) {
    co_return co_await reply_error(500, kRunnerCrashed, "server_error", "");
  }
  if (fault_.kind == FaultKind::kHttp503) {
    co_return co_await reply_error(503, kServerBusy, "server_error", "");
  }
  if (fault_.kind == FaultKind::kNoNewline || fault_.kind == FaultKind::kHtml200 ||
      fault_.kind == FaultKind::kEchoAuth) {
    co_return co_await answer_hostile(authorization);
  }
  if (is_ollama(api_) && req_.load_only) {
    truth_.prompt_eval_count = 0;
    co_return co_await answer_load_request(req_, model_->name);
  }

  if (!co_await acquire_slot(model_->name)) {
    co_return co_await reply_error(503, kServerBusy, "server_error", "");
  }
  SlotGuard slot(state_, model_->name);
  const double keep_alive_s = req_.keep_alive_s.value_or(state_.config.keep_alive_s);

  const auto load_start = Clock::now();
  const auto decision =
      state_.scheduler.begin_use(model_->name, req_.load_options, plan_->load(), load_start);
  co_await wait_until(decision.ready_at);
  const auto prefill_start = Clock::now();
  load_ = prefill_start - load_start;
  co_await wait_until(prefill_start + prefill_time());
  decode_start_ = Clock::now();
  join_batch();
  prefill_ = decode_start_ - prefill_start;

  if (fault_.kind == FaultKind::kZeroTokens) {
    text_.finish_reason = "stop";
  } else {
    // Without a seed the text depends on the model and the prompt only, like a
    // model that decodes greedily: the same request gets the same answer, so a
    // workload timed alone and again under contention does the same work.
    const std::uint64_t text_seed =
        req_.seed.value_or(state_.config.seed ^ text_fingerprint(model_->name, req_.prompt_text));
    text_ = generate_report(text_seed, req_.max_tokens, req_.prompt_text);
    for (const auto& f : text_.planted) {
      truth_.planted_figures.push_back({{"written", f.written},
                                        {"expected", f.expected},
                                        {"metric", f.metric},
                                        {"entity", f.entity},
                                        {"basis", f.basis},
                                        {"sentence", f.sentence}});
    }
  }
  created_at_ = rfc3339_now();
  ids_.id = fmt::format("{}-{}", api_ == Api::kChatCompletions ? "chatcmpl" : "cmpl", truth_.id);
  ids_.created = static_cast<std::int64_t>(std::time(nullptr));
  ids_.model = req_.model;

  const bool usable = req_.stream ? co_await stream_tokens() : co_await answer_whole();
  state_.scheduler.end_use(model_->name, keep_alive_s, Clock::now());
  co_return usable;
}

WireStats Exchange::stats(Clock::time_point done) const {
  WireStats s;
  s.total_ns = to_ns(done - received_);
  // A server whose statistics cannot be trusted: its total exceeds the time it took.
  if (fault_.kind == FaultKind::kInflateTotal) s.total_ns += fault_.stall_ms() * 1'000'000;
  s.load_ns = to_ns(load_);
  s.prompt_eval_count = req_.prompt_tokens;
  s.prompt_eval_ns = to_ns(prefill_);
  s.eval_count = sent_tokens_;
  s.eval_ns = sent_tokens_ > 0 ? to_ns(last_token_ - decode_start_) : 0;
  return s;
}

std::string Exchange::final_bytes(Clock::time_point done) {
  const WireStats s = stats(done);
  truth_.reported_total_ms = static_cast<double>(s.total_ns) / 1e6;
  truth_.done_reason = text_.finish_reason;
  std::string out;
  if (is_ollama(api_)) {
    std::string line;
    append_ollama_final(
        line, api_,
        OllamaFinal{req_.model, rfc3339_now(), "", text_.finish_reason, s, mix64(truth_.id), true});
    append_http_chunk(out, line);
  } else {
    std::string events;
    append_sse(events, openai_finish_chunk(api_, ids_, text_.finish_reason, req_.include_usage));
    if (req_.include_usage) {
      append_sse(events, openai_usage_chunk(api_, ids_, req_.prompt_tokens, sent_tokens_));
    }
    events += "data: [DONE]\n\n";
    append_http_chunk(out, events);
  }
  out += kLastChunk;
  return out;
}

net::awaitable<bool> Exchange::stream_tokens() {
  StreamCount counted(state_);
  const auto planned = static_cast<std::int64_t>(text_.tokens.size());
  const bool ends_early = fault_.kind == FaultKind::kDrop || fault_.kind == FaultKind::kTruncate ||
                          fault_.kind == FaultKind::kErrorLine;
  const std::int64_t stop_at = ends_early ? fault_.after_tokens(planned) : planned;
  const std::int64_t malformed_at =
      fault_.kind == FaultKind::kMalformed ? fault_.after_tokens(planned) : -1;

  if (!co_await write_stream_head()) co_return false;

  auto due = decode_start_;
  if (fault_.kind == FaultKind::kStallFirst) due += std::chrono::milliseconds(fault_.stall_ms());

  std::int64_t i = 0;
  std::string out;
  while (i < stop_at) {
    due += gap_before(i, due);
    co_await wait_until(due);
    out.clear();
    created_at_ = rfc3339_now();
    int batched = 0;
    // Tokens already due go out in one write; each is still its own HTTP chunk.
    while (true) {
      if (i == malformed_at)
        append_http_chunk(out,
                          is_ollama(api_) ? "{\"model\":\"trunc\n" : "data: {\"id\":\"trunc\n\n");
      append_token_chunk(out, i);
      ++i;
      ++batched;
      if (i >= stop_at || batched >= kMaxTokensPerWrite || i == malformed_at) break;
      const auto next_due = due + gap_before(i, due);
      if (next_due > Clock::now()) break;
      due = next_due;
    }
    // Stamped as the bytes go to the socket: the client can read them before
    // this coroutine resumes, so a stamp taken after the write could trail it.
    const auto handed = Clock::now();
    if (!co_await write(std::move(out))) {
      truth_.status = 499;
      record();
      co_return false;
    }
    if (sent_tokens_ == 0) first_token_ = handed;
    last_token_ = handed;
    sent_tokens_ += batched;
    state_.tokens_sent += batched;
  }
  seat_.reset();
  if (malformed_at == planned && planned > 0) {
    std::string broken;
    append_http_chunk(broken,
                      is_ollama(api_) ? "{\"model\":\"trunc\n" : "data: {\"id\":\"trunc\n\n");
    if (!co_await write(std::move(broken))) co_return false;
  }

  co_return co_await end_stream();
}

// The response head; an OpenAI chat stream opens with the assistant's role.
net::awaitable<bool> Exchange::write_stream_head() {
  std::string out =
      response_head(200, is_ollama(api_) ? "application/x-ndjson" : "text/event-stream", -1,
                    keep_alive_, truth_.id);
  if (api_ == Api::kChatCompletions) {
    std::string event;
    append_sse(event, openai_chunk(api_, ids_, "", true, req_.include_usage));
    append_http_chunk(out, event);
  }
  if (!co_await write(std::move(out))) co_return false;
  truth_.first_byte_ns = state_.since_start_ns(Clock::now());
  co_return true;
}

// One token as its own HTTP chunk: an NDJSON line or an SSE event.
void Exchange::append_token_chunk(std::string& out, std::int64_t index) {
  const auto& token = text_.tokens[static_cast<std::size_t>(index)];
  payload_.clear();  // reused: one allocation per stream, not per token
  if (is_ollama(api_)) {
    append_ollama_token(payload_, api_, req_.model, created_at_, token);
  } else {
    append_sse(payload_, openai_chunk(api_, ids_, token, false, req_.include_usage));
  }
  append_http_chunk(out, payload_);
}

// After the last token: the final line, or the ending a fault asks for.
net::awaitable<bool> Exchange::end_stream() {
  truth_.status = 200;
  if (fault_.kind == FaultKind::kDrop) {
    boost::system::error_code ec;
    record();
    socket_.shutdown(net::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    co_return false;
  }
  if (fault_.kind == FaultKind::kTruncate) {
    record();
    co_return co_await write_last(std::string(kLastChunk)) && keep_alive_;
  }
  if (fault_.kind == FaultKind::kErrorLine) {
    std::string line;
    if (is_ollama(api_)) {
      line = ollama_error(kRunnerCrashed) + "\n";
    } else {
      append_sse(line, openai_error(kRunnerCrashed, "server_error", ""));
    }
    std::string bytes;
    append_http_chunk(bytes, line);
    bytes += kLastChunk;
    record();
    co_return co_await write_last(std::move(bytes)) && keep_alive_;
  }
  std::string final_chunk = final_bytes(Clock::now());
  record();
  co_return co_await write_last(std::move(final_chunk)) && keep_alive_;
}

net::awaitable<bool> Exchange::answer_whole() {
  const auto planned = static_cast<std::int64_t>(text_.tokens.size());
  const bool ends_early = fault_.kind == FaultKind::kDrop || fault_.kind == FaultKind::kTruncate ||
                          fault_.kind == FaultKind::kErrorLine;
  const std::int64_t produced = ends_early ? fault_.after_tokens(planned) : planned;
  auto due = decode_start_;
  if (fault_.kind == FaultKind::kStallFirst) due += std::chrono::milliseconds(fault_.stall_ms());
  for (std::int64_t i = 0; i < produced; ++i) {
    due += gap_before(i, due);
    if (i == 0) first_token_ = due;
    // A shared engine's rate changes as others join and leave: follow it token by token.
    if (model_->continuous_batching) co_await wait_until(due);
  }
  co_await wait_until(due);
  seat_.reset();
  sent_tokens_ = produced;
  last_token_ = produced > 0 ? Clock::now() : last_token_;
  if (produced > 0 && first_token_ > last_token_) first_token_ = last_token_;
  state_.tokens_sent += produced;

  std::string text;
  for (std::int64_t i = 0; i < produced; ++i) text += text_.tokens[static_cast<std::size_t>(i)];

  if (fault_.kind == FaultKind::kDrop) {
    truth_.status = 200;
    record();
    boost::system::error_code ec;
    socket_.close(ec);
    co_return false;
  }
  if (fault_.kind == FaultKind::kErrorLine)
    co_return co_await reply_error(500, kRunnerCrashed, "server_error", "");

  std::string body;
  if (fault_.kind == FaultKind::kTruncate) {
    // The answer arrives without its statistics or finish reason.
    if (is_ollama(api_)) {
      append_ollama_token(body, api_, req_.model, created_at_, text);
      body.pop_back();
    } else {
      body = openai_chunk(api_, ids_, text, false, false);
    }
  } else {
    const WireStats s = stats(Clock::now());
    truth_.done_reason = text_.finish_reason;
    if (is_ollama(api_)) {
      append_ollama_final(body, api_,
                          OllamaFinal{req_.model, rfc3339_now(), text, text_.finish_reason, s,
                                      mix64(truth_.id), true});
      body.pop_back();
    } else {
      body =
          openai_response(api_, ids_, text, text_.finish_reason, req_.prompt_tokens, sent_tokens_);
    }
    if (fault_.kind == FaultKind::kMalformed) body.resize(body.size() / 2);
  }
  co_return co_await reply(200, "application/json; charset=utf-8", body);
}

void Exchange::record() {
  const auto done = Clock::now();
  truth_.done_ns = state_.since_start_ns(done);
  truth_.total_ms = to_ms(done - received_);
  truth_.load_ms = truth_.load_ms > 0 ? truth_.load_ms : to_ms(load_);
  truth_.prompt_eval_ms = to_ms(prefill_);
  truth_.eval_count = sent_tokens_;
  if (sent_tokens_ > 0) {
    truth_.first_token_ns = state_.since_start_ns(first_token_);
    truth_.last_token_ns = state_.since_start_ns(last_token_);
    truth_.eval_ms = to_ms(last_token_ - decode_start_);
    if (truth_.eval_ms > 0) {
      truth_.engine.effective_tps = static_cast<double>(sent_tokens_) / truth_.eval_ms * 1000.0;
    }
  }
  if (model_ == nullptr) truth_.prompt_eval_count = 0;
  if (state_.config.log_requests) {
    fmt::print(stderr,
               "sim: #{} {} {} status={} tokens={} queue={:.1f}ms load={:.1f}ms "
               "prefill={:.1f}ms eval={:.1f}ms total={:.1f}ms{}\n",
               truth_.id, truth_.api, truth_.model, truth_.status, truth_.eval_count,
               truth_.queue_ms, truth_.load_ms, truth_.prompt_eval_ms, truth_.eval_ms,
               truth_.total_ms, truth_.fault.empty() ? "" : " fault=" + truth_.fault);
  }
  state_.truth.add(truth_);
}

}  // namespace

std::string response_head(int status, std::string_view content_type, std::int64_t content_length,
                          bool keep_alive, std::uint64_t request_id) {
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  std::string head = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nDate: {}\r\n", status,
                                 reason_phrase(status), content_type, date);
  head += fmt::format("{}: {}\r\n", kSimHeader, kVersion);
  if (request_id != 0) head += fmt::format("X-Sim-Request-Id: {}\r\n", request_id);
  if (content_length < 0) {
    head += "Transfer-Encoding: chunked\r\n";
  } else {
    head += fmt::format("Content-Length: {}\r\n", content_length);
  }
  if (!keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

net::awaitable<bool> answer_generation(net::ip::tcp::socket& socket, ServerState& state, Api api,
                                       const std::string& body, const std::string& fault_header,
                                       bool keep_alive, std::string_view authorization) {
  Exchange exchange(socket, state, api, keep_alive);
  co_return co_await exchange.run(body, fault_header, authorization);
}

}  // namespace chimera::sim
