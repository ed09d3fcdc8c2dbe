#include "chimera/orchestrate/compare/comparison.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "chimera/report/format.hpp"
#include "chimera/store/store.hpp"

namespace chimera::orchestrate {
namespace fs = std::filesystem;
namespace {

struct Selector {
  std::string agent, phase = "concurrent", config;
  std::optional<std::int64_t> run;
};

Expected<Selector> parse_selector(const std::string& text) {
  Selector s;
  if (text.empty()) return s;
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    try {
      std::size_t used = 0;
      s.run = std::stoll(text, &used);
      if (used != text.size()) throw std::invalid_argument(text);
    } catch (const std::exception&) {
      return fail(
          FailureKind::kInvalidInput,
          fmt::format("selector '#{}' is not RUN, agent=NAME, phase=NAME or config=KEY", text));
    }
    return s;
  }
  const std::string key = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  if (key == "agent") {
    s.agent = value;
  } else if (key == "phase") {
    s.phase = value;
  } else if (key == "config") {
    s.config = value;
  } else {
    return fail(FailureKind::kInvalidInput,
                fmt::format("unknown selector '{}' (agent, phase, config)", key));
  }
  return s;
}

void add_request(SampleSet& set, const measure::RequestResult& r) {
  if (r.warmup) return;
  ++set.requests;
  if (r.status != measure::Status::kOk || r.cold) {
    ++set.excluded;
    return;
  }
  for (const auto& info : report::metric_catalog()) {
    if (auto v = report::metric_value(r, info.metric)) set.values[info.metric].push_back(*v);
  }
}

Expected<SampleSet> load_jsonl(const fs::path& path, const Selector& sel, std::string label) {
  std::ifstream in(path);
  if (!in) return fail(FailureKind::kIo, fmt::format("could not read '{}'", path.string()));
  SampleSet set;
  set.label = std::move(label);
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(FailureKind::kInvalidInput,
                  fmt::format("'{}' line {} is not a JSON object", path.string(), line_no));
    }
    if (j.contains("phase") && j.value("phase", "") != sel.phase) continue;
    if (!sel.agent.empty() && j.value("agent", "") != sel.agent) continue;
    if (!sel.config.empty() && j.value("config", "") != sel.config &&
        j.value("configuration", "") != sel.config) {
      continue;
    }
    add_request(set, measure::request_from_json(j));
  }
  return set;
}

Expected<SampleSet> load_store(const std::string& url, const Selector& sel,
                               const std::string& label) {
  auto db = store::open_store(url);
  if (!db) return std::unexpected(db.error());
  std::optional<std::int64_t> run = sel.run;
  if (!run) {
    auto latest = (*db)->latest_run_id();
    if (!latest) return std::unexpected(latest.error());
    run = *latest;
  }
  if (!run) return fail(FailureKind::kNotFound, fmt::format("the store '{}' holds no runs", url));
  auto info = (*db)->run(*run);
  if (!info) return std::unexpected(info.error());
  std::optional<std::int64_t> config_id;
  if (!sel.config.empty()) {
    auto configs = (*db)->configurations(*run);
    if (!configs) return std::unexpected(configs.error());
    for (const auto& c : *configs) {
      if (c.key == sel.config || c.label == sel.config) config_id = c.id;
    }
    if (!config_id) {
      return fail(FailureKind::kNotFound,
                  fmt::format("run {} has no configuration '{}'", *run, sel.config));
    }
  }
  SampleSet set;
  set.label = label;
  set.simulated = info->simulated;
  auto n = (*db)->requests(
      *run, config_id, [&](std::int64_t, const measure::RequestResult& r) { add_request(set, r); });
  if (!n) return std::unexpected(n.error());
  return set;
}

}  // namespace

Expected<std::vector<std::string>> run_directory_agents(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "summary.json");
  if (!in) return fail(FailureKind::kNotFound, fmt::format("'{}' has no summary.json", dir));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded())
    return fail(FailureKind::kInvalidInput, fmt::format("'{}/summary.json' is not JSON", dir));
  std::vector<std::string> agents;
  for (const auto& run : j.value("runs", nlohmann::json::array())) {
    for (const auto& a : run.value("agents", nlohmann::json::array())) {
      const auto name = a.value("agent", "");
      if (std::find(agents.begin(), agents.end(), name) == agents.end()) agents.push_back(name);
    }
  }
  return agents;
}

Expected<SampleSet> load_samples(const std::string& spec) {
  const auto hash = spec.rfind('#');
  const std::string target = hash == std::string::npos ? spec : spec.substr(0, hash);
  auto sel = parse_selector(hash == std::string::npos ? "" : spec.substr(hash + 1));
  if (!sel) return std::unexpected(sel.error());
  std::error_code ec;
  if (fs::is_directory(target, ec)) {
    const fs::path jsonl = fs::path(target) / "requests.jsonl";
    if (!fs::is_regular_file(jsonl, ec)) {
      return fail(FailureKind::kNotFound,
                  fmt::format("'{}' has no requests.jsonl: is it a `chimera run` "
                              "output directory?",
                              target));
    }
    auto set = load_jsonl(jsonl, *sel, spec);
    if (set) {
      std::ifstream in(fs::path(target) / "summary.json");
      auto j = nlohmann::json::parse(in, nullptr, false);
      set->simulated = !j.is_discarded() && j.value("simulated", false);
    }
    return set;
  }
  const bool is_store = target.starts_with("sqlite:") || target.ends_with(".sqlite") ||
                        target.ends_with(".db") || target.starts_with("postgres");
  if (is_store) return load_store(target, *sel, spec);
  if (target.ends_with(".json")) {
    return fail(
        FailureKind::kInvalidInput,
        fmt::format("'{}' holds summaries, not raw samples: compare the .jsonl export or the "
                    "results store instead",
                    target));
  }
  if (!fs::exists(target, ec))
    return fail(FailureKind::kNotFound, fmt::format("'{}' does not exist", target));
  return load_jsonl(target, *sel, spec);
}

ComparisonReport compare_sets(const SampleSet& baseline, const std::vector<SampleSet>& candidates,
                              const std::vector<report::Metric>& metrics, double confidence) {
  ComparisonReport out;
  out.baseline = baseline.label;
  out.simulated = baseline.simulated;
  auto empty = std::vector<double>{};
  auto values = [&empty](const SampleSet& s, report::Metric m) -> const std::vector<double>& {
    auto it = s.values.find(m);
    return it == s.values.end() ? empty : it->second;
  };
  for (const auto& set : candidates) {
    out.simulated = out.simulated || set.simulated;
    CandidateComparison c;
    c.candidate = set.label;
    for (auto metric : metrics) {
      const auto& b = values(baseline, metric);
      const auto& v = values(set, metric);
      if (b.empty() && v.empty()) continue;
      MetricComparison mc{metric, stats::compare(b, v, confidence), ""};
      mc.verdict = stats::verdict(mc.comparison, report::metric_info(metric).better);
      c.metrics.push_back(std::move(mc));
    }
    if (set.excluded > 0) {
      out.notes.push_back(
          fmt::format("{}: {} of {} measured requests were failed, empty or cold and "
                      "are not compared",
                      set.label, set.excluded, set.requests));
    }
    out.candidates.push_back(std::move(c));
  }
  if (baseline.excluded > 0) {
    out.notes.push_back(
        fmt::format("{}: {} of {} measured requests were failed, empty or cold and are "
                    "not compared",
                    baseline.label, baseline.excluded, baseline.requests));
  }
  return out;
}

}  // namespace chimera::orchestrate
