// `chimera inventory` on benchmark artifacts: the truth is computed here
// independently (directory walk, CSV rows, JSON summaries) and compared. Every
// check runs on the repository's examples/artifacts, and all of them again on
// the shared corpus of real artifacts where it is present.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/process.hpp"

namespace {
namespace fs = std::filesystem;
using chimera::testing::example_artifacts_dir;
using chimera::testing::run_chimera;

nlohmann::json inventory_json(const std::string& dir) {
  const auto result = run_chimera({"--json", "inventory", dir});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out);
}

std::string type_of(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".csv") return "csv";
  if (ext == ".json") return "json";
  if (ext == ".jsonl") return "jsonl";
  if (ext == ".md") return "md";
  return "other";
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void expect_counts_match_the_file_system(const std::string& dir) {
  std::map<std::string, std::size_t> expected;
  std::size_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++expected[type_of(entry.path())];
    ++total;
  }
  const auto json = inventory_json(dir);
  EXPECT_EQ(json["inventory"]["total_files"], total);
  std::map<std::string, std::size_t> reported;
  for (const auto& [type, stats] : json["inventory"]["by_type"].items()) {
    reported[type] = stats["files"].get<std::size_t>();
  }
  EXPECT_EQ(reported, expected);
}

// The shared corpus's gemma3 parameter sweep: its best configuration by mean tokens/s.
void expect_best_gemma3_configuration(const std::string& dir) {
  const std::string rel = "reports/gemma3/gemma3_param_tuning_summary.csv";
  std::ifstream in(fs::path(dir) / rel);
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line.substr(0, 12), "config_name,");
  std::string best_config;
  double best = -1;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    ASSERT_EQ(fields.size(), 7u);
    const double tokens_s = std::stod(fields[4]);
    if (tokens_s > best) best = tokens_s, best_config = fields[0];
  }

  const auto result = run_chimera({"inventory", dir});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  char printed[64];
  std::snprintf(printed, sizeof printed, "%.2f tokens/s", best);
  const std::string sentence =
      std::string("Best mean_tokens_s: ") + printed + " for config " + best_config;
  EXPECT_NE(result.out.find(sentence), std::string::npos) << sentence;

  const auto json = inventory_json(dir);
  bool found = false;
  for (const auto& fact : json["facts"]) {
    if (fact["kind"] == "best" && fact["source"]["file"] == rel &&
        fact["source"]["column"] == "mean_tokens_s") {
      found = true;
      EXPECT_DOUBLE_EQ(fact["values"][0].get<double>(), best);
      EXPECT_NE(fact["text"].get<std::string>().find(best_config), std::string::npos);
    }
  }
  EXPECT_TRUE(found);
}

// Each model that completed nothing, with what the summary says was planned:
// per model ("0 of 5 prompts completed") or not at all ("0 requests completed").
void expect_zero_completed_summaries_flagged(const std::string& dir) {
  std::map<std::string, std::set<std::string>> expected;  // file -> gap texts' starts
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.find("_summary.json") == std::string::npos) continue;
    const auto summary = nlohmann::json::parse(slurp(entry.path()));
    for (const auto& model : summary["models"]) {
      if (model.value("completed", -1) != 0) continue;
      const std::string planned =
          model.contains("prompt_count")
              ? "0 of " + std::to_string(model["prompt_count"].get<int>()) + " prompts completed"
              : "0 requests completed";
      expected[fs::relative(entry.path(), dir).string()].insert(planned + " for model " +
                                                                model["model"].get<std::string>());
    }
  }
  ASSERT_FALSE(expected.empty());
  const auto json = inventory_json(dir);
  std::map<std::string, std::set<std::string>> flagged;
  for (const auto& gap : json["gaps"]) {
    if (gap["kind"] != "zero_completed") continue;
    const std::string text = gap["text"].get<std::string>();
    flagged[gap["source"]["file"].get<std::string>()].insert(text.substr(0, text.find(" in ")));
  }
  EXPECT_EQ(flagged, expected);
}

// The node a JSON path ("$.a[\"b c\"][2].d") names, in an independently parsed document.
const nlohmann::json& at_json_path(const nlohmann::json& doc, std::string path) {
  path = path.substr(1);
  const nlohmann::json* node = &doc;
  while (!path.empty()) {
    if (path[0] == '.') {
      const auto end = path.find_first_of(".[", 1);
      node = &node->at(path.substr(1, end - 1));
      path = end == std::string::npos ? "" : path.substr(end);
    } else if (path.substr(0, 2) == "[\"") {
      const auto end = path.find("\"]");
      node = &node->at(path.substr(2, end - 2));
      path = path.substr(end + 2);
    } else {
      const auto end = path.find(']');
      node = &node->at(std::stoul(path.substr(1, end - 1)));
      path = path.substr(end + 1);
    }
  }
  return *node;
}

// Whether one of the line's fields (split at `separator`) is the value.
bool line_holds(const std::string& line, char separator, double value) {
  std::stringstream row(line);
  for (std::string field; std::getline(row, field, separator);) {
    // Quotes (CSV) and bold (Markdown) around a number are not part of it.
    while (!field.empty() &&
           (field.front() == ' ' || field.front() == '"' || field.front() == '*')) {
      field.erase(0, 1);
    }
    try {
      if (std::abs(std::stod(field) - value) <= std::abs(value) * 1e-12) return true;
    } catch (const std::exception&) {
    }
  }
  return false;
}

std::string line_of(const std::string& text, std::size_t number) {
  std::istringstream lines(text);
  std::string line;
  for (std::size_t n = 0; n < number; ++n) std::getline(lines, line);
  return line;
}

// Opens the file a fact points to and finds the fact's first value there: at
// its JSON path (and column), or on its line of a CSV file or Markdown table.
void expect_facts_traced_to_their_source(const std::string& dir, std::size_t at_least) {
  const auto json = inventory_json(dir);
  std::size_t checked = 0;
  for (const auto& fact : json["facts"]) {
    const auto& source = fact["source"];
    if (fact["values"].empty() || source["file"].get<std::string>().empty()) continue;
    const std::string kind = fact["kind"];
    if (kind != "best" && kind != "worst" && kind != "json_metric") continue;
    const double value = fact["values"][0].get<double>();
    const std::string file = (fs::path(dir) / source["file"].get<std::string>()).string();
    const std::string text = slurp(file);
    if (source.contains("json_path")) {
      const auto doc = nlohmann::json::parse(text);
      const nlohmann::json* node = &at_json_path(doc, source["json_path"].get<std::string>());
      if (node->is_object()) node = &node->at(source["column"].get<std::string>());
      EXPECT_NEAR(node->get<double>(), value, std::abs(value) * 1e-12) << fact["text"];
    } else if (source.contains("line") && (file.ends_with(".csv") || file.ends_with(".md"))) {
      const std::string line = line_of(text, source["line"].get<std::size_t>());
      EXPECT_TRUE(line_holds(line, file.ends_with(".csv") ? ',' : '|', value))
          << fact["text"] << " not on line " << source["line"] << ": " << line;
    } else {
      continue;
    }
    ++checked;
  }
  EXPECT_GE(checked, at_least);
}

// The budgeted summary keeps the gap that matters most.
void expect_budgeted_summary(const std::string& dir, const std::string& gap) {
  chimera::testing::TempDir out;
  const std::string path = out.path() + "/summary.txt";
  const auto result = run_chimera({"inventory", dir, "--budget", "150", "--output", path});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string summary = slurp(path);
  EXPECT_LE(summary.size(), 600u);
  EXPECT_EQ(summary.rfind("Inventory: ", 0), 0u) << summary;
  EXPECT_NE(summary.find(gap), std::string::npos) << summary;
}

TEST(InventoryArtifacts, CountsMatchTheFileSystem) {
  expect_counts_match_the_file_system(example_artifacts_dir());
}

TEST(InventoryArtifacts, FlagsTheSummariesThatCompletedZeroPrompts) {
  expect_zero_completed_summaries_flagged(example_artifacts_dir());
}

TEST(InventoryArtifacts, EveryFactCanBeTracedToItsSource) {
  // The examples' best and worst values: 4 in the JSON summary, 6 in the CSV
  // file, 4 in the Markdown table.
  expect_facts_traced_to_their_source(example_artifacts_dir(), 14);
}

TEST(InventoryArtifacts, BudgetedSummaryAndOutputFile) {
  expect_budgeted_summary(example_artifacts_dir(), "0 requests completed for model qwen2.5");
}

TEST(InventoryArtifacts, EveryCheckHoldsOnTheSharedCorpus) {
  CHIMERA_REQUIRE_SHARED_ARTIFACTS(dir);
  expect_counts_match_the_file_system(dir);
  expect_best_gemma3_configuration(dir);
  expect_zero_completed_summaries_flagged(dir);
  expect_facts_traced_to_their_source(dir, 21);
  expect_budgeted_summary(dir, "prompts completed");
}

TEST(Inventory, AbsentDirectoryIsReportedAndExitsOne) {
  chimera::testing::TempDir present;
  const auto only_absent = run_chimera({"inventory", present.path() + "/missing"});
  EXPECT_EQ(only_absent.exit_code, 1);
  EXPECT_NE(only_absent.err.find("absent"), std::string::npos);
  EXPECT_NE(only_absent.out.find("**absent** (no such file or directory)"), std::string::npos);

  std::ofstream(present.path() + "/a.csv") << "model,ttft_ms\nm,12.5\n";
  const auto mixed = run_chimera({"--json", "inventory", present.path(), present.path() + "/nope"});
  EXPECT_EQ(mixed.exit_code, 0) << mixed.err;
  const auto json = nlohmann::json::parse(mixed.out);
  EXPECT_EQ(json["inventory"]["total_files"], 1);
  EXPECT_EQ(json["inventory"]["roots"][1]["exists"], false);
}

}  // namespace
