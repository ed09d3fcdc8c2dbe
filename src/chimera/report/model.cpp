#include "chimera/report/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace chimera::report {
namespace {

using stats::Better;

const std::vector<MetricInfo> kCatalog = {
    {Metric::kTtftMs, "ttft_ms", "TTFT", "ms", Better::kLower, false},
    {Metric::kE2eMs, "e2e_ms", "End-to-end", "ms", Better::kLower, false},
    {Metric::kTpotMs, "tpot_ms", "TPOT", "ms", Better::kLower, false},
    {Metric::kDecodeTps, "decode_tps", "Decode rate", "tok/s", Better::kHigher, false},
    {Metric::kOutputTokens, "output_tokens", "Output", "tokens", Better::kHigher, false},
    {Metric::kLoadMs, "load_ms", "Load (server)", "ms", Better::kLower, true},
    {Metric::kPromptEvalMs, "prompt_eval_ms", "Prompt eval (server)", "ms", Better::kLower, true},
    {Metric::kEvalMs, "eval_ms", "Eval (server)", "ms", Better::kLower, true},
    {Metric::kTotalMs, "total_ms", "Total (server)", "ms", Better::kLower, true},
    {Metric::kClientOverheadMs, "client_overhead_ms", "Client overhead", "ms", Better::kLower,
     false},
};

// The metrics whose spread decides whether a configuration's results are noisy.
constexpr Metric kNoiseMetrics[] = {Metric::kTtftMs, Metric::kE2eMs, Metric::kDecodeTps};

std::vector<MetricSummary> summarize_all(const std::map<Metric, load::LatencySketch>& values,
                                         const stats::BootstrapOptions& bootstrap) {
  std::vector<MetricSummary> out;
  for (const auto& info : kCatalog) {
    auto it = values.find(info.metric);
    if (it == values.end() || it->second.count() == 0) continue;
    out.push_back({info.metric, it->second.summary(bootstrap)});
  }
  return out;
}

std::string plural(std::int64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

template <typename T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

stats::Summary summary_from_json(const nlohmann::json& j) {
  stats::Summary s;
  s.n = j.value("n", std::size_t{0});
  s.nan_count = j.value("nan_count", std::size_t{0});
  s.mean = json_number(j, "mean");
  s.sd = json_number(j, "sd");
  s.cv = json_number(j, "cv");
  s.min = json_number(j, "min");
  s.p50 = json_number(j, "p50");
  s.p90 = json_number(j, "p90");
  s.p95 = json_number(j, "p95");
  s.p99 = json_number(j, "p99");
  s.max = json_number(j, "max");
  s.ci95_low = json_number(j, "ci95_low");
  s.ci95_high = json_number(j, "ci95_high");
  return s;
}

nlohmann::json summaries_json(const std::vector<MetricSummary>& summaries) {
  auto out = nlohmann::json::object();
  for (const auto& m : summaries) {
    auto j = to_json(m.summary);
    j["unit"] = metric_info(m.metric).unit;
    out[metric_info(m.metric).name] = std::move(j);
  }
  return out;
}

std::vector<MetricSummary> summaries_from_json(const nlohmann::json& j) {
  std::vector<MetricSummary> out;
  if (!j.is_object()) return out;
  for (const auto& info : kCatalog) {
    if (auto it = j.find(info.name); it != j.end()) {
      out.push_back({info.metric, summary_from_json(*it)});
    }
  }
  return out;
}

}  // namespace

std::optional<double> json_number(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

const std::vector<MetricInfo>& metric_catalog() {
  return kCatalog;
}

const MetricInfo& metric_info(Metric metric) {
  for (const auto& info : kCatalog) {
    if (info.metric == metric) return info;
  }
  return kCatalog.front();
}

std::optional<Metric> metric_from_name(std::string_view name) {
  for (const auto& info : kCatalog) {
    if (name == info.name) return info.metric;
  }
  return std::nullopt;
}

std::optional<double> metric_value(const measure::RequestResult& r, Metric metric) {
  switch (metric) {
    case Metric::kTtftMs:
      return r.ttft_ms;
    case Metric::kE2eMs:
      return r.e2e_ms;
    case Metric::kTpotMs:
      return r.tpot_ms;
    case Metric::kDecodeTps:
      return r.decode_tps;
    case Metric::kOutputTokens:
      return static_cast<double>(r.output_tokens);
    case Metric::kLoadMs:
      return r.server.load_ms;
    case Metric::kPromptEvalMs:
      return r.server.prompt_eval_ms;
    case Metric::kEvalMs:
      return r.server.eval_ms;
    case Metric::kTotalMs:
      return r.server.total_ms;
    case Metric::kClientOverheadMs:
      return r.client_overhead_ms;
  }
  return std::nullopt;
}

const stats::Summary* ConfigurationResult::warm_summary(Metric metric) const {
  for (const auto& m : warm) {
    if (m.metric == metric) return &m.summary;
  }
  return nullptr;
}

std::vector<std::size_t> ranked_order(const BenchReport& report) {
  std::vector<std::size_t> order(report.configurations.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (!report.ranking) return order;
  const auto metric = report.ranking->metric;
  const bool higher = report.ranking->higher_is_better;
  auto mean_of = [&](std::size_t i) -> std::optional<double> {
    const auto* s = report.configurations[i].warm_summary(metric);
    return s ? s->mean : std::nullopt;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    // An unfinished configuration (interrupted inside) comes after every finished one.
    const bool fa = report.configurations[a].finished;
    const bool fb = report.configurations[b].finished;
    if (fa != fb) return fa;
    const auto ma = mean_of(a);
    const auto mb = mean_of(b);
    if (!ma || !mb) return ma.has_value() && !mb.has_value();
    return higher ? *ma > *mb : *ma < *mb;
  });
  return order;
}

ConfigurationAccumulator::ConfigurationAccumulator(ConfigurationIdentity identity,
                                                   SummarizeOptions options)
    : identity_(std::move(identity)), options_(options) {}

void ConfigurationAccumulator::add(const measure::RequestResult& r) {
  if (counts_.total == 0) {
    if (identity_.backend.empty()) identity_.backend = r.backend;
    if (identity_.endpoint.empty()) identity_.endpoint = r.endpoint;
    if (identity_.model.empty()) identity_.model = r.model;
    if (identity_.api.empty()) identity_.api = r.api;
    if (identity_.options.empty()) identity_.options = r.options;
  }
  ++counts_.total;
  if (r.warmup) {
    ++counts_.warmup;
    if (r.status != measure::Status::kOk) ++warmup_failures_;
    return;
  }
  if (!r.server_warning.empty()) {
    if (implausible_stats_ == 0) first_implausible_ = r.server_warning;
    ++implausible_stats_;
  }
  if (r.status != measure::Status::kOk) {
    ++(r.status == measure::Status::kEmpty ? counts_.empty : counts_.error);
    const auto kind =
        r.error_kind.empty() ? std::string(measure::to_string(r.status)) : r.error_kind;
    ++error_reasons_[r.error_message.empty() ? kind : kind + ": " + r.error_message];
    return;
  }
  ++counts_.ok;
  if (r.cold) ++counts_.cold;
  if (r.output_tokens_estimated) ++estimated_token_counts_;
  auto& target = r.cold ? cold_ : warm_;
  for (const auto& info : kCatalog) {
    if (auto v = metric_value(r, info.metric)) target[info.metric].add(*v);
  }
}

// A warm metric that varies more than high_cv: queueing under load, noise otherwise.
void ConfigurationAccumulator::add_noise_warnings(ConfigurationResult& out) const {
  for (const auto metric : kNoiseMetrics) {
    const auto* s = out.warm_summary(metric);
    if (s != nullptr && s->cv && *s->cv > options_.high_cv && options_.under_load) {
      out.warnings.push_back(fmt::format(
          "{} varies by {:.1f}% (CV over {} warm requests): with other requests in flight the "
          "spread is queueing in the server, not noise; the latency-throughput table and the "
          "percentiles describe it",
          metric_info(metric).name, *s->cv * 100.0, s->n));
    } else if (s != nullptr && s->cv && *s->cv > options_.high_cv) {
      out.warnings.push_back(fmt::format(
          "{} varies by {:.1f}% (CV over {} warm requests, threshold {:.0f}%): results are "
          "noisy: use more --runs or close other programs",
          metric_info(metric).name, *s->cv * 100.0, s->n, options_.high_cv * 100.0));
    }
  }
}

// Requests that paid for a model load, came back empty, failed, or had no token count.
void ConfigurationAccumulator::add_request_warnings(ConfigurationResult& out) const {
  const auto warm_ok = counts_.ok - counts_.cold;
  const auto measured = counts_.total - counts_.warmup;
  if (counts_.cold > 0 && warm_ok > 0) {
    out.warnings.push_back(fmt::format(
        "{} paid for a model load and {} reported apart from the {} warm one{}; use --warmup "
        "(or keep options that force a reload, such as num_ctx and num_gpu, fixed) so every "
        "measured request is warm",
        plural(counts_.cold, "request", "requests"), counts_.cold == 1 ? "is" : "are", warm_ok,
        warm_ok == 1 ? "" : "s"));
  }
  if (counts_.empty > 0) {
    out.warnings.push_back(fmt::format(
        "{} came back with zero output tokens (counted as empty, not as success); check the "
        "prompt, num_predict and the model's stop settings",
        plural(counts_.empty, "request", "requests")));
  }
  if (counts_.error > 0) {
    out.warnings.push_back(fmt::format("{} of {} failed; the reasons are listed with the results",
                                       plural(counts_.error, "request", "requests"), measured));
  }
  if (warmup_failures_ > 0) {
    out.warnings.push_back(
        fmt::format("{} did not succeed; the measured requests may include the model load",
                    plural(warmup_failures_, "warm-up request", "warm-up requests")));
  }
  if (estimated_token_counts_ > 0) {
    out.warnings.push_back(fmt::format(
        "the server gave no token count for {}; output tokens were estimated from the number of "
        "text chunks",
        plural(estimated_token_counts_, "request", "requests")));
  }
  if (implausible_stats_ > 0) {
    out.warnings.push_back(fmt::format(
        "{} with server statistics that cannot be true; the first: {}; they are kept raw in "
        "each request's server_implausible and used in no figure",
        plural(implausible_stats_, "request", "requests"), first_implausible_));
  }
}

ConfigurationResult ConfigurationAccumulator::finish() const {
  ConfigurationResult out;
  out.key = identity_.key.empty() ? identity_.label : identity_.key;
  out.label = identity_.label;
  out.backend = identity_.backend;
  out.endpoint = identity_.endpoint;
  out.model = identity_.model;
  out.api = identity_.api;
  out.options = identity_.options;
  out.counts = counts_;
  out.warm = summarize_all(warm_, options_.bootstrap);
  out.cold = summarize_all(cold_, options_.bootstrap);
  out.error_reasons = error_reasons_;

  const auto measured = counts_.total - counts_.warmup;
  if (measured > 0 && counts_.ok == 0) {
    out.warnings.push_back(
        fmt::format("no successful requests out of {}: there are no statistics; the reasons are "
                    "listed with this configuration",
                    measured));
  }
  add_noise_warnings(out);
  add_request_warnings(out);
  return out;
}

ConfigurationResult summarize_configuration(const std::string& label,
                                            const std::vector<measure::RequestResult>& requests,
                                            const SummarizeOptions& options) {
  ConfigurationIdentity identity;
  identity.label = label;
  ConfigurationAccumulator acc(identity, options);
  for (const auto& r : requests) acc.add(r);
  return acc.finish();
}

nlohmann::json to_json(const stats::Summary& s) {
  return {{"n", s.n},
          {"nan_count", s.nan_count},
          {"mean", optional_json(s.mean)},
          {"sd", optional_json(s.sd)},
          {"cv", optional_json(s.cv)},
          {"min", optional_json(s.min)},
          {"p50", optional_json(s.p50)},
          {"p90", optional_json(s.p90)},
          {"p95", optional_json(s.p95)},
          {"p99", optional_json(s.p99)},
          {"max", optional_json(s.max)},
          {"ci95_low", optional_json(s.ci95_low)},
          {"ci95_high", optional_json(s.ci95_high)}};
}

nlohmann::json to_json(const ConfigurationResult& c) {
  const auto& k = c.counts;
  return {{"key", c.key},
          {"label", c.label},
          {"backend", c.backend},
          {"endpoint", c.endpoint},
          {"model", c.model},
          {"api", c.api},
          {"options", c.options},
          {"counts",
           {{"total", k.total},
            {"warmup", k.warmup},
            {"ok", k.ok},
            {"empty", k.empty},
            {"error", k.error},
            {"cold", k.cold}}},
          {"warm", summaries_json(c.warm)},
          {"cold", summaries_json(c.cold)},
          {"error_reasons", c.error_reasons},
          {"warnings", c.warnings},
          {"load", c.load},
          {"finished", c.finished}};
}

nlohmann::json to_json(const BenchReport& r) {
  nlohmann::json j = {{"schema_version", r.schema_version},
                      {"tool", "chimera"},
                      {"tool_version", r.tool_version},
                      {"command", r.command},
                      {"started_at", r.started_at},
                      {"finished_at", r.finished_at},
                      {"simulated", r.simulated},
                      {"provenance",
                       "measured by Chimera: client-side metrics on the client's monotonic clock, "
                       "server-side metrics as reported by the server"},
                      {"warnings", r.warnings}};
  if (r.ranking) {
    j["ranking"] = {{"metric", metric_info(r.ranking->metric).name},
                    {"higher_is_better", r.ranking->higher_is_better}};
  } else {
    j["ranking"] = nullptr;
  }
  auto& configs = j["configurations"] = nlohmann::json::array();
  for (const auto& c : r.configurations) configs.push_back(to_json(c));
  if (!r.load_table.is_null()) j["load_table"] = r.load_table;
  return j;
}

Expected<BenchReport> report_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("schema_version") || !j.contains("configurations")) {
    return fail(FailureKind::kInvalidInput,
                "not a Chimera results file (no schema_version or configurations)");
  }
  try {
    BenchReport r;
    r.schema_version = j.at("schema_version").get<int>();
    if (r.schema_version > kSchemaVersion) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("results file has schema version {}, newer than this Chimera "
                              "understands ({}); upgrade Chimera to read it",
                              r.schema_version, kSchemaVersion));
    }
    r.tool_version = j.value("tool_version", "");
    r.command = j.value("command", "");
    r.started_at = j.value("started_at", "");
    r.finished_at = j.value("finished_at", "");
    r.simulated = j.value("simulated", false);
    r.warnings = j.value("warnings", std::vector<std::string>{});
    if (auto it = j.find("ranking"); it != j.end() && it->is_object()) {
      if (auto metric = metric_from_name(it->value("metric", ""))) {
        r.ranking = Ranking{*metric, it->value("higher_is_better", true)};
      }
    }
    r.load_table = j.value("load_table", nlohmann::json());
    for (const auto& cj : j.at("configurations")) {
      ConfigurationResult c;
      c.key = cj.value("key", "");
      c.label = cj.value("label", "");
      c.backend = cj.value("backend", "");
      c.endpoint = cj.value("endpoint", "");
      c.model = cj.value("model", "");
      c.api = cj.value("api", "");
      c.options = cj.value("options", nlohmann::json::object());
      if (auto it = cj.find("counts"); it != cj.end()) {
        c.counts.total = it->value("total", std::int64_t{0});
        c.counts.warmup = it->value("warmup", std::int64_t{0});
        c.counts.ok = it->value("ok", std::int64_t{0});
        c.counts.empty = it->value("empty", std::int64_t{0});
        c.counts.error = it->value("error", std::int64_t{0});
        c.counts.cold = it->value("cold", std::int64_t{0});
      }
      c.warm = summaries_from_json(cj.value("warm", nlohmann::json::object()));
      c.cold = summaries_from_json(cj.value("cold", nlohmann::json::object()));
      c.error_reasons = cj.value("error_reasons", std::map<std::string, std::int64_t>{});
      c.finished = cj.value("finished", true);
      c.warnings = cj.value("warnings", std::vector<std::string>{});
      c.load = cj.value("load", nlohmann::json());
      r.configurations.push_back(std::move(c));
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return fail(FailureKind::kInvalidInput,
                std::string("malformed Chimera results file: ") + e.what());
  }
}

}  // namespace chimera::report
