#include "chimera/cli/bench_options.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>

#include "chimera/load/arrival.hpp"
#include "chimera/load/slo.hpp"
#include "chimera/load/sweep.hpp"
#include "chimera/load/workload.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::cli {

const char* const kMetricsHelp =
    R"(Metrics (exact definitions in docs/METRICS.md; t0 = just before the request is sent):
  ttft_ms      first chunk with non-empty generated text - t0 (client side)
  e2e_ms       last chunk with generated text - t0 (trailing statistics chunk excluded)
  tpot_ms      (e2e - ttft) / (output_tokens - 1), when output_tokens >= 2
  itl_ms       gaps between successive text chunks (raw, in the store and JSONL)
  decode_tps   Ollama: eval_count / eval_duration; OpenAI: (output_tokens - 1) / (e2e - ttft)
  load/prompt_eval/eval/total_ms  the server's own statistics (Ollama ns converted)
  client_overhead_ms  e2e - server total
  cold         load_ms > --cold-threshold-ms: reported apart, never averaged with warm
  status       ok | empty (zero tokens, never a success) | error (with the reason)
Aggregates: mean +- sample sd, CV, min..max, p50/p90/p95/p99 (linear interpolation,
Hyndman-Fan type 7), 95% bootstrap CI of the mean.)";

namespace {

void add_load_options(CLI::App& app, BenchCliOptions& o) {
  app.add_option("--rate", o.rate,
                 "Open loop: requests/s due on a schedule, whatever is in flight; a list "
                 "R1,R2,... measures each; 'sweep[:N]' runs a synchronous step, doubles the "
                 "concurrency until completions/s gain < 5% (the knee), holds the knee for "
                 "--duration (>= 10 s) as the throughput step, then N rates between the "
                 "synchronous and the maximum rate, stopping at saturation, and with --slo "
                 "confirms the best rate for --duration");
  app.add_option("--arrival", o.arrival, "Open-loop arrivals: constant | poisson | gamma")
      ->capture_default_str();
  app.add_option("--burstiness", o.burstiness,
                 "Gamma arrivals' shape K (1 = Poisson, < 1 burstier, > 1 more regular)")
      ->capture_default_str();
  app.add_option("--arrival-seed", o.arrival_seed,
                 "Seed of the arrival schedule and the synthetic prompts (--seed is the "
                 "server's sampling seed)")
      ->capture_default_str();
  app.add_option("--max-concurrency", o.max_concurrency,
                 "Open loop: at most this many in flight; a due request waits (0: no cap)")
      ->capture_default_str();
  app.add_option("--duration", o.duration_s,
                 "Open loop: schedule requests for this many seconds; --rate sweep: how long "
                 "the throughput and confirmation steps last (at least 10, default 10)");
  app.add_option("--requests", o.requests,
                 "Open loop: this many measured requests (default --runs, unless --duration)");
  app.add_option("--ramp-up", o.ramp_up_s,
                 "Open loop: the rate grows linearly from 0 over this many seconds")
      ->capture_default_str();
  app.add_option("--slo", o.slo,
                 "Service-level objectives for goodput, e.g. ttft=500ms,tpot=50ms,e2e=10s");
  app.add_option("--input-tokens", o.input_tokens,
                 "Synthetic prompts of MEAN[,SD] tokens (replaces --prompt)");
  app.add_option("--output-tokens", o.output_tokens,
                 "Ask for MEAN[,SD] output tokens (num_predict / max_tokens, with ignore_eos "
                 "and min_tokens for OpenAI-compatible servers)");
  app.add_option("--prefix-tokens", o.prefix_tokens,
                 "Synthetic prompts start with the same N tokens (shows prefix caching)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, load::kMaxSyntheticTokens));
  app.add_option("--turns", o.turns,
                 "Multi-turn: --runs conversations of K turns, each turn sending the "
                 "conversation so far plus a new user message of --input-tokens (chat API)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
}

// "1,4,16" → {1, 4, 16}; UsageError naming the flag otherwise.
std::vector<int> parse_concurrency_list(const std::string& text) {
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    int value = 0;
    const auto* end = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(part.data(), end, value);
    if (part.empty() || ec != std::errc() || ptr != end || value < 1 || value > 100000) {
      throw UsageError(fmt::format(
          "--concurrency '{}': expected whole numbers from 1 to 100000, e.g. 1,4,16", text));
    }
    out.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

void add_bench_options(CLI::App& app, BenchCliOptions& o) {
  app.add_option("--endpoint,-e", o.endpoint,
                 "Server URL (default: OLLAMA_HOST or http://localhost:11434; OPENAI_BASE_URL "
                 "with --backend openai)");
  app.add_option("--backend", o.backend, "ollama or openai (default: inferred from the URL)")
      ->check(CLI::IsMember({"ollama", "openai"}));
  app.add_flag("--sim", o.sim,
               "Start the built-in simulator in this process and measure it (labelled SIMULATED)");
  app.add_option("--sim-config", o.sim_config, "YAML file for the built-in simulator")
      ->check(CLI::ExistingFile);
  app.add_option("--model,-m", o.models, "Model name(s); repeat or use commas")->delimiter(',');
  app.add_option("--api", o.api,
                 "generate | chat (Ollama), chat_completions | completions (OpenAI)");
  app.add_option("--option,-o", o.option_specs,
                 "Server option NAME=VALUE[,VALUE...], passed through untouched (repeatable)");
  app.add_option("--num-gpu", o.num_gpu, "num_gpu value(s), comma-separated");
  app.add_option("--num-ctx", o.num_ctx, "num_ctx value(s)");
  app.add_option("--temperature", o.temperature, "temperature value(s)");
  app.add_option("--top-p", o.top_p, "top_p value(s)");
  app.add_option("--top-k", o.top_k, "top_k value(s)");
  app.add_option("--repeat-penalty", o.repeat_penalty, "repeat_penalty value(s)");
  app.add_option("--seed", o.seed, "seed value(s)");
  app.add_option("--num-predict", o.num_predict, "num_predict value(s) (max tokens to generate)");
  app.add_option("--prompt,-p", o.prompts, "Prompt text (repeatable; used in turn)");
  app.add_option("--prompt-file", o.prompt_file,
                 "File with one prompt per line, or .jsonl records {\"prompt\"} or "
                 "{\"messages\"} with an optional max_tokens")
      ->check(CLI::ExistingFile);
  app.add_option("--system", o.system, "System prompt");
  app.add_option("--runs,-n", o.runs, "Measured requests per configuration")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--warmup,-w", o.warmup,
                 "Warm-up requests per configuration (not measured), sent at the measured load: "
                 "min(concurrency, W) at once, or at the measured rate. Default: as many as the "
                 "measured requests in flight at once (closed loop), or --rate for up to 3 s")
      ->check(CLI::Range(0, 1000));
  app.add_option("--concurrency,-c", o.concurrency,
                 "Measured requests in flight at once (closed loop); a list 1,4,16 measures "
                 "each level")
      ->capture_default_str();
  add_load_options(app, o);
  app.add_flag("--cold", o.cold, "Unload the model before each measured request (cold starts)");
  app.add_option("--keep-alive", o.keep_alive, "Ollama keep_alive sent with each request");
  add_timeout_options(app, o.timeouts, "request");
  add_max_line_bytes_option(app, o.max_line_bytes);
  app.add_option("--cold-threshold-ms", o.cold_threshold_ms,
                 "A request whose server load time exceeds this is cold")
      ->capture_default_str();
  app.add_option("--header", o.headers, "Extra HTTP header 'Name: value' (repeatable)");
  app.add_option(
         "--store", o.store,
         "Results store: a SQLite path, sqlite:PATH or postgresql://user[:password]@host[:port]/db")
      ->capture_default_str();
  app.add_flag("--no-store", o.no_store, "Do not write a results store");
  add_store_reconnect_option(app, o.store_reconnect_s);
  app.add_option("--output", o.outputs,
                 "Export file; format from the extension (.md .csv .json .jsonl .html) or "
                 "FORMAT:FILE (repeatable; rewritten after each configuration)");
}

void add_store_reconnect_option(CLI::App& app, double& seconds) {
  app.add_option("--store-reconnect", seconds,
                 "PostgreSQL store: seconds to keep reconnecting (pauses of 0.1 s doubling up to "
                 "2 s) after the server was lost, before the store is given up; measuring never "
                 "waits for it")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
}

store::StoreOptions store_options(double reconnect_s) {
  store::StoreOptions options;
  options.reconnect_limit = std::chrono::milliseconds(std::llround(reconnect_s * 1000));
  return options;
}

std::vector<orchestrate::OptionAxis> option_axes(const BenchCliOptions& o) {
  std::vector<orchestrate::OptionAxis> axes;
  auto add = [&axes](const std::string& spec) {
    orchestrate::merge_axis(axes, value_or_throw<UsageError>(orchestrate::parse_option_axis(spec)));
  };
  for (const auto& spec : o.option_specs) add(spec);
  const std::pair<const char*, const std::string*> shortcuts[] = {
      {"num_gpu", &o.num_gpu},
      {"num_ctx", &o.num_ctx},
      {"temperature", &o.temperature},
      {"top_p", &o.top_p},
      {"top_k", &o.top_k},
      {"repeat_penalty", &o.repeat_penalty},
      {"seed", &o.seed},
      {"num_predict", &o.num_predict}};
  for (const auto& [name, value] : shortcuts) {
    if (!value->empty()) add(fmt::format("{}={}", name, *value));
  }
  return axes;
}

std::vector<std::string> load_prompts(const BenchCliOptions& o) {
  std::vector<std::string> prompts = o.prompts;
  if (!o.prompt_file.empty() && !o.prompt_file.ends_with(".jsonl")) {
    std::ifstream in(o.prompt_file);
    if (!in) throw Error(fmt::format("could not read prompt file '{}'", o.prompt_file));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) prompts.push_back(line);
    }
    if (prompts.empty()) throw Error(fmt::format("prompt file '{}' has no prompts", o.prompt_file));
  }
  if (prompts.empty()) {
    prompts.push_back(
        "Summarise the trade-offs between throughput and time-to-first-token when serving "
        "a local LLM, in five bullet points.");
  }
  return prompts;
}

namespace {

template <typename T>
T usage_or(Expected<T> value) {
  return value_or_throw<UsageError>(std::move(value));
}

// Prompts from a .jsonl file: {"prompt"} or {"messages"} records, bad lines named.
std::vector<load::PromptRecord> prompt_records(const std::string& path) {
  auto file = value_or_throw<UsageError>(load::read_prompt_file(path));
  if (!file.errors.empty()) term::warn(load::describe_errors(path, file.errors));
  return std::move(file.records);
}

void add_load_plan(const BenchCliOptions& o, orchestrate::RunPlan& plan) {
  if (!o.slo.empty()) plan.slo = usage_or(load::parse_slo(o.slo));
  plan.workload_seed = o.arrival_seed;
  if (o.prompt_file.ends_with(".jsonl")) plan.prompt_records = prompt_records(o.prompt_file);
  if (!o.output_tokens.empty()) {
    plan.output_tokens = usage_or(load::parse_length_spec("--output-tokens", o.output_tokens));
  }
  if (!o.input_tokens.empty() || o.prefix_tokens > 0) {
    load::SyntheticWorkload w;
    w.prefix_tokens = o.prefix_tokens;
    w.input = o.input_tokens.empty()
                  ? load::LengthSpec{32, 0}
                  : usage_or(load::parse_length_spec("--input-tokens", o.input_tokens));
    w.output = plan.output_tokens;
    w.seed = o.arrival_seed;
    plan.synthetic = w;
  }
  if (o.turns > 1) {
    if (!o.rate.empty()) {
      throw UsageError("--turns runs conversations in a closed loop; drop --rate or --turns");
    }
    plan.turns = o.turns;
    if (plan.synthetic) plan.turn_user_tokens = std::llround(plan.synthetic->input.mean);
  }
  if (o.rate.empty()) {
    if (o.duration_s || o.requests || o.max_concurrency > 0 || o.ramp_up_s > 0) {
      throw UsageError(
          "--duration, --requests, --max-concurrency and --ramp-up set up an open loop: add "
          "--rate");
    }
    return;
  }
  load::OpenLoopSpec spec;
  spec.rate = 1;  // each load level sets its own
  spec.arrival = usage_or(load::parse_arrival_kind(o.arrival));
  spec.burstiness = o.burstiness;
  spec.seed = o.arrival_seed;
  spec.ramp_up_s = o.ramp_up_s;
  spec.duration_s = o.duration_s;
  spec.requests = o.requests;
  if (!o.duration_s && !o.requests) spec.requests = o.runs;
  spec.max_concurrency = o.max_concurrency;
  if (auto valid = load::validate(spec); !valid) throw UsageError(valid.error().message);
  plan.open_loop = spec;
}

}  // namespace

LoadLevels load_levels(const BenchCliOptions& o) {
  LoadLevels out;
  const auto concurrencies = parse_concurrency_list(o.concurrency);
  if (!o.rate.empty()) {
    if (concurrencies.size() > 1) {
      throw UsageError("give either a --concurrency list or --rate, not both");
    }
    const auto parsed = load::parse_rate_spec(o.rate);
    if (!parsed) throw UsageError(parsed.error().message);
    const auto& spec = *parsed;  // by reference: g++ 12 misreads a copy out of std::expected
    if (spec.sweep) {
      out.sweep_points = spec.sweep_points;
      return out;
    }
    for (double r : spec.rates) {
      if (auto valid = load::validate_rate(r, o.duration_s); !valid) {
        throw UsageError(valid.error().message);
      }
      orchestrate::LoadLevel level;
      level.rate = r;
      out.levels.push_back(level);
    }
    return out;
  }
  if (concurrencies.size() > 1) {
    for (int c : concurrencies) {
      orchestrate::LoadLevel level;
      level.concurrency = c;
      out.levels.push_back(level);
    }
  }
  return out;
}

orchestrate::RunPlan plan_template(const BenchCliOptions& o) {
  orchestrate::RunPlan plan;
  plan.api = o.api;
  plan.prompts = load_prompts(o);
  plan.system = o.system;
  plan.warmup = o.warmup;
  plan.runs = o.runs;
  plan.concurrency = parse_concurrency_list(o.concurrency).front();
  add_load_plan(o, plan);
  plan.cold = o.cold;
  if (!o.keep_alive.empty()) plan.keep_alive = o.keep_alive;
  plan.timeouts = o.timeouts.to_timeouts();
  for (const auto& h : o.headers) add_header(plan.headers, h);
  return plan;
}

TimeoutFlags TimeoutFlags::from(const backends::Timeouts& t) {
  return {t.connect_ms / 1000, t.first_token_ms / 1000, t.idle_ms / 1000, t.total_ms / 1000};
}

backends::Timeouts TimeoutFlags::to_timeouts() const {
  backends::Timeouts t;
  t.connect_ms = connect_s * 1000;
  t.first_token_ms = first_token_s * 1000;
  t.idle_ms = idle_s * 1000;
  t.total_ms = total_s * 1000;
  return t;
}

void add_timeout_options(CLI::App& app, TimeoutFlags& flags, const char* per) {
  app.add_option("--timeout-connect", flags.connect_s, "Connect timeout, seconds (> 0)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout-first-token", flags.first_token_s,
                 "Time-to-first-token limit, seconds (> 0; a model load counts)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout-idle", flags.idle_s,
                 "Idle limit between complete chunks (lines or events, not bytes), seconds (> 0)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout-total", flags.total_s,
                 fmt::format("Total limit per {}, seconds (> 0)", per))
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

void add_max_line_bytes_option(CLI::App& app, std::size_t& max_line_bytes) {
  app.add_option("--max-line-bytes", max_line_bytes,
                 "Longest stream line (NDJSON) or event (SSE) kept; a longer one fails the "
                 "request as malformed")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{64}, std::size_t{1} << 30));
}

void add_header(std::map<std::string, std::string>& headers, const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos || colon == 0) {
    throw UsageError(fmt::format("header '{}' is not 'Name: value'", spec));
  }
  std::string value = spec.substr(colon + 1);
  value.erase(0, value.find_first_not_of(' '));
  headers[spec.substr(0, colon)] = value;
}

}  // namespace chimera::cli
