#include "chimera/cli/bench_options.hpp"

#include <fmt/format.h>

#include <fstream>

#include "chimera/util/error.hpp"

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
  app.add_option("--prompt-file", o.prompt_file, "File with one prompt per line")
      ->check(CLI::ExistingFile);
  app.add_option("--system", o.system, "System prompt");
  app.add_option("--runs,-n", o.runs, "Measured requests per configuration")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--warmup,-w", o.warmup, "Warm-up requests per configuration (not measured)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--concurrency,-c", o.concurrency, "Measured requests in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_flag("--cold", o.cold, "Unload the model before each measured request (cold starts)");
  app.add_option("--keep-alive", o.keep_alive, "Ollama keep_alive sent with each request");
  add_timeout_options(app, o.timeouts, "request");
  app.add_option("--cold-threshold-ms", o.cold_threshold_ms,
                 "A request whose server load time exceeds this is cold")
      ->capture_default_str();
  app.add_option("--header", o.headers, "Extra HTTP header 'Name: value' (repeatable)");
  app.add_option(
         "--store", o.store,
         "Results store: a SQLite path, sqlite:PATH or postgresql://user[:password]@host[:port]/db")
      ->capture_default_str();
  app.add_flag("--no-store", o.no_store, "Do not write a results store");
  app.add_option("--output", o.outputs,
                 "Export file; format from the extension (.md .csv .json .jsonl .html) or "
                 "FORMAT:FILE (repeatable; rewritten after each configuration)");
}

std::vector<orchestrate::OptionAxis> option_axes(const BenchCliOptions& o) {
  std::vector<orchestrate::OptionAxis> axes;
  auto add = [&axes](const std::string& spec) {
    auto axis = orchestrate::parse_option_axis(spec);
    if (!axis) throw UsageError(axis.error().message);
    orchestrate::merge_axis(axes, std::move(*axis));
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
  if (!o.prompt_file.empty()) {
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

orchestrate::RunPlan plan_template(const BenchCliOptions& o) {
  orchestrate::RunPlan plan;
  plan.api = o.api;
  plan.prompts = load_prompts(o);
  plan.system = o.system;
  plan.warmup = o.warmup;
  plan.runs = o.runs;
  plan.concurrency = o.concurrency;
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
  app.add_option("--timeout-connect", flags.connect_s, "Connect timeout, seconds")
      ->capture_default_str();
  app.add_option("--timeout-first-token", flags.first_token_s,
                 "Time-to-first-token limit, seconds (a model load counts)")
      ->capture_default_str();
  app.add_option("--timeout-idle", flags.idle_s, "Idle limit between chunks, seconds")
      ->capture_default_str();
  app.add_option("--timeout-total", flags.total_s, fmt::format("Total limit per {}, seconds", per))
      ->capture_default_str();
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
