#pragma once
// The one result model for benchmark output. Every reporter (console,
// Markdown, CSV, JSON, JSONL, HTML) reads a BenchReport and nothing else, as
// google/benchmark's reporters all read its one Run record.
//
// Every figure in it was measured by Chimera: client-side metrics on the
// client's monotonic clock, server-side ones (load_ms, prompt_eval_ms,
// eval_ms, total_ms) as the server reported them for the measured requests.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chimera/load/sketch.hpp"
#include "chimera/measure/request.hpp"
#include "chimera/stats/compare.hpp"
#include "chimera/stats/descriptive.hpp"
#include "chimera/util/error.hpp"

namespace chimera::report {

// Version of the JSON layout written by to_json(BenchReport); bumped on any
// change a reader could notice.
inline constexpr int kSchemaVersion = 1;

enum class Metric {
  kTtftMs,
  kE2eMs,
  kTpotMs,
  kDecodeTps,
  kOutputTokens,
  kLoadMs,
  kPromptEvalMs,
  kEvalMs,
  kTotalMs,
  kClientOverheadMs,
};

struct MetricInfo {
  Metric metric;
  const char* name;   // JSON/CSV name: "ttft_ms"
  const char* title;  // for people: "TTFT"
  const char* unit;   // "ms", "tok/s", "tokens"
  stats::Better better;
  bool server_side;  // read from the server's statistics, not the client clock
};

// Every metric, in the order reports show them.
const std::vector<MetricInfo>& metric_catalog();
const MetricInfo& metric_info(Metric metric);
std::optional<Metric> metric_from_name(std::string_view name);
// The metric's value for one request, if it has one.
std::optional<double> metric_value(const measure::RequestResult& request, Metric metric);

struct MetricSummary {
  Metric metric = Metric::kE2eMs;
  stats::Summary summary{};
};

struct RequestCounts {
  std::int64_t total = 0;   // every request, warm-up included
  std::int64_t warmup = 0;  // warm-up requests (never in the statistics)
  // The measured (non-warm-up) requests by outcome; ok + empty + error = total − warmup.
  std::int64_t ok = 0;
  std::int64_t empty = 0;
  std::int64_t error = 0;
  std::int64_t cold = 0;  // measured ok requests that paid for a model load
};

struct ConfigurationResult {
  std::string key{};    // stable identity within a run
  std::string label{};  // for people
  std::string backend{}, endpoint{}, model{}, api{};
  nlohmann::json options = nlohmann::json::object();
  RequestCounts counts{};
  // Measured, ok, warm requests, one entry per metric that has any value.
  std::vector<MetricSummary> warm{};
  // Measured, ok, cold requests, kept apart from the warm ones.
  std::vector<MetricSummary> cold{};
  // "kind: message" → how many measured requests failed or came back empty that way.
  std::map<std::string, std::int64_t> error_reasons{};
  std::vector<std::string> warnings{};  // each with advice
  // Load aggregates of the measured requests, streamed as they finished:
  // {"mode": {"loop": "closed", "concurrency"} | {"loop": "open", "rate", "arrival"},
  //  "throughput": {...}, "schedule": {...} (open loop), "conventions": {...}};
  // null when the configuration was read back without them.
  nlohmann::json load = nullptr;
  // False when the run was interrupted inside this configuration: it holds
  // only part of its planned requests and is never ranked with finished ones.
  bool finished = true;

  // The warm summary of a metric, if there is one.
  const stats::Summary* warm_summary(Metric metric) const;
};

struct Ranking {
  Metric metric = Metric::kDecodeTps;
  bool higher_is_better = true;
};

struct BenchReport {
  int schema_version = kSchemaVersion;
  std::string tool_version{};
  std::string command{};  // "bench", "sweep", ...
  std::string started_at{}, finished_at{};
  bool simulated = false;  // the server was `chimera sim`: labelled SIMULATED everywhere
  std::vector<ConfigurationResult> configurations{};
  std::optional<Ranking> ranking{};  // sweeps: how configurations are ranked
  std::vector<std::string> warnings{};
  // Runs at several load levels: {"rows", "saturation", "slo", "highest_meeting_slo"}
  // (see orchestrate/bench/load_table.hpp); null otherwise.
  nlohmann::json load_table = nullptr;
};

// Indices into report.configurations, best first by the ranking metric's warm
// mean (configurations without a value, then unfinished ones, last); the
// original order without a ranking.
std::vector<std::size_t> ranked_order(const BenchReport& report);

struct SummarizeOptions {
  stats::BootstrapOptions bootstrap{};
  // Above this coefficient of variation (0.10 = 10%) a metric is called noisy.
  double high_cv = 0.10;
  // Requests measured with others in flight (closed loop above concurrency 1,
  // or open loop): their spread is queueing, and the warning says so.
  bool under_load = false;
};

struct ConfigurationIdentity {
  std::string key{}, label{}, backend{}, endpoint{}, model{}, api{};
  nlohmann::json options = nlohmann::json::object();
};

// Builds a ConfigurationResult from requests as they finish, keeping only one
// double per metric per request (raw samples such as itl_ms belong in the
// store), so a 100,000-request bench stays small. Identity fields left empty
// are taken from the first request added.
class ConfigurationAccumulator {
 public:
  explicit ConfigurationAccumulator(ConfigurationIdentity identity = {},
                                    SummarizeOptions options = {});
  void add(const measure::RequestResult& request);
  // May be called at any time and again later (exports are rewritten as a run goes).
  ConfigurationResult finish() const;
  std::int64_t requests_added() const { return counts_.total; }

 private:
  void add_noise_warnings(ConfigurationResult& out) const;
  void add_request_warnings(ConfigurationResult& out) const;
  ConfigurationIdentity identity_;
  SummarizeOptions options_;
  RequestCounts counts_;
  std::int64_t warmup_failures_ = 0;
  std::int64_t estimated_token_counts_ = 0;
  std::int64_t implausible_stats_ = 0;  // measured requests with server statistics screened out
  std::string first_implausible_;
  // Streamed: exact up to LatencySketch's limit, then within its relative error.
  std::map<Metric, load::LatencySketch> warm_, cold_;
  std::map<std::string, std::int64_t> error_reasons_;
};

// Warm-up requests are excluded, cold requests are summarised apart from warm
// ones, empty and error requests never count as success, and warnings carry
// advice (noisy results, cold requests mixed with warm ones, empty answers,
// errors).
ConfigurationResult summarize_configuration(const std::string& label,
                                            const std::vector<measure::RequestResult>& requests,
                                            const SummarizeOptions& options = {});

nlohmann::json to_json(const stats::Summary& summary);
nlohmann::json to_json(const ConfigurationResult& configuration);
nlohmann::json to_json(const BenchReport& report);
// Reads what to_json(BenchReport) wrote; a newer schema version is refused.
Expected<BenchReport> report_from_json(const nlohmann::json& json);

// The number at `key` of a JSON object; nothing for a missing or non-numeric value.
std::optional<double> json_number(const nlohmann::json& j, const char* key);

}  // namespace chimera::report
