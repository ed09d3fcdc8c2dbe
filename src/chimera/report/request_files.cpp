#include "chimera/report/request_files.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>

#include "chimera/report/format.hpp"

namespace chimera::report {
namespace {

// Calls `each` with every line that is a JSON object; returns the count of
// lines that are not.
template <typename Each>
Expected<std::size_t> each_line(const std::filesystem::path& path, Each&& each) {
  std::ifstream in(path);
  if (!in) return fail(FailureKind::kIo, fmt::format("Could not read '{}'", path.string()));
  std::string line;
  std::size_t bad = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++bad;
      continue;
    }
    each(j);
  }
  return bad;
}

ConfigurationIdentity identity_of(const nlohmann::json& j, const measure::RequestResult& r) {
  ConfigurationIdentity id{.backend = r.backend,
                           .endpoint = r.endpoint,
                           .model = r.model,
                           .api = r.api,
                           .options = r.options};
  if (j.contains("agent")) {
    const int run = j.value("run", 0);
    const auto phase = j.value("phase", ""), agent = j.value("agent", "");
    id.key = fmt::format("run{}|{}|{}", run, phase, agent);
    id.label = fmt::format("run {} {} {}", run, phase, agent);
  } else {
    id.key = fmt::format("{}|{}|{}|{}|{}", r.backend, r.endpoint, r.model, r.api, r.options.dump());
    id.label = fmt::format("{} {}", r.model, format::options_text(r.options));
  }
  return id;
}

}  // namespace

Expected<BenchReport> report_from_requests_file(const std::filesystem::path& path) {
  std::vector<std::string> order;
  std::map<std::string, ConfigurationAccumulator> by_key;
  auto bad = each_line(path, [&](const nlohmann::json& j) {
    const auto r = measure::request_from_json(j);
    auto id = identity_of(j, r);
    auto it = by_key.find(id.key);
    if (it == by_key.end()) {
      order.push_back(id.key);
      it = by_key.emplace(id.key, ConfigurationAccumulator(id)).first;
    }
    it->second.add(r);
  });
  if (!bad) return std::unexpected(bad.error());
  if (order.empty()) {
    return fail(FailureKind::kInvalidInput,
                fmt::format("'{}' holds no requests (one JSON object per line, as `--output "
                            "FILE.jsonl` writes)",
                            path.string()));
  }
  BenchReport out;
  out.command = "report";
  for (const auto& key : order) out.configurations.push_back(by_key.at(key).finish());
  if (*bad > 0) {
    out.warnings.push_back(
        fmt::format("{} line(s) of '{}' are not JSON and were left out", *bad, path.string()));
  }
  return out;
}

RequestSource requests_file_source(const std::filesystem::path& path) {
  return [path](const RequestSink& sink) -> Expected<void> {
    auto read =
        each_line(path, [&](const nlohmann::json& j) { sink(measure::request_from_json(j)); });
    if (!read) return std::unexpected(read.error());
    return {};
  };
}

}  // namespace chimera::report
