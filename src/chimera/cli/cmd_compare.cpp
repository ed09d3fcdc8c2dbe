#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "chimera/cli/commands.hpp"
#include "chimera/orchestrate/compare/comparison.hpp"
#include "chimera/report/html/pages.hpp"
#include "chimera/report/outputs.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"

namespace chimera::cli {
namespace {

struct CompareCliOptions {
  std::vector<std::string> sources;
  std::vector<std::string> metrics{"decode_tps", "ttft_ms", "e2e_ms", "tpot_ms"};
  double confidence = 0.95;
  std::string output;
  std::string format;  // of stdout: md (default) or html
};

// The comparison as the HTML page: a chart of each metric's difference of
// means with its CI, and the table of every figure.
std::string comparison_html(const orchestrate::ComparisonReport& result, const std::string& title) {
  report::html::ComparePage page{.title = title,
                                 .baseline = result.baseline,
                                 .simulated = result.simulated,
                                 .notes = result.notes};
  for (const auto& candidate : result.candidates)
    for (const auto& m : candidate.metrics)
      page.rows.push_back({candidate.candidate, m.metric, m.comparison, m.verdict});
  std::ostringstream out;
  report::html::write_compare_page(page, out);
  return out.str();
}

bool is_html_path(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  return ext == ".html" || ext == ".htm";
}

orchestrate::SampleSet load(const std::string& spec) {
  return value_or_throw(orchestrate::load_samples(spec), fmt::format("could not read '{}'", spec));
}

int compare_command(const CompareCliOptions& o, const GlobalOptions& globals) {
  std::vector<report::Metric> metrics;
  for (const auto& name : o.metrics) {
    auto m = report::metric_from_name(name);
    if (!m) {
      std::string known;
      for (const auto& info : report::metric_catalog())
        known += (known.empty() ? "" : ", ") + std::string(info.name);
      throw UsageError(fmt::format("unknown metric '{}' (known: {})", name, known));
    }
    metrics.push_back(*m);
  }

  std::vector<orchestrate::SampleSet> sets;
  std::string title = "Comparison";
  std::error_code ec;
  if (o.sources.size() == 1 && std::filesystem::is_directory(o.sources.front(), ec)) {
    // A `chimera run` directory: its first agent (the baseline of baseline_vs_chimera)
    // against each of the others, over every run.
    const auto& dir = o.sources.front();
    const auto agents = value_or_throw(orchestrate::run_directory_agents(dir));
    if (agents.size() < 2) {
      throw UsageError(fmt::format(
          "'{}' has {} agent(s); comparing needs a baseline and a candidate", dir, agents.size()));
    }
    for (const auto& agent : agents) {
      auto set = load(dir + "#agent=" + agent);
      set.label = agent;
      sets.push_back(std::move(set));
    }
    title = fmt::format("Baseline vs Chimera — {} (baseline: {})", dir, agents.front());
  } else {
    if (o.sources.size() < 2) {
      throw UsageError(
          "give a baseline and at least one candidate (or one `chimera run` directory)");
    }
    for (const auto& s : o.sources) sets.push_back(load(s));
  }

  const orchestrate::SampleSet baseline = sets.front();
  const std::vector<orchestrate::SampleSet> candidates(sets.begin() + 1, sets.end());
  const auto result = orchestrate::compare_sets(baseline, candidates, metrics, o.confidence);
  const std::string markdown = report::render_comparison_markdown(result, title);
  const bool html_out = is_html_path(o.output), html_stdout = o.format == "html";
  const std::string html = html_out || html_stdout ? comparison_html(result, title) : "";
  if (!o.output.empty()) {
    if (auto w = report::write_file_atomically(o.output, html_out ? html : markdown); !w)
      throw Error(w.error().message);
  }
  if (globals.json) {
    std::cout << dump_json(report::to_json(result), 2) << "\n";
  } else {
    std::cout << (html_stdout ? html : markdown);
  }
  return kExitOk;
}

}  // namespace

Command add_compare_command(CLI::App& root, const GlobalOptions& globals) {
  auto o = std::make_shared<CompareCliOptions>();
  auto* app = root.add_subcommand(
      "compare", "Compare baseline and candidate results with confidence intervals and tests");
  app->footer(
      "Sources: FILE.jsonl (raw requests, e.g. `chimera bench --output r.jsonl`), a `chimera run` "
      "output directory, or STORE.sqlite#RUN.\nSelectors after '#': agent=NAME, phase=NAME, "
      "config=KEY_OR_LABEL, or a run id for a store.\nWith a single `chimera run` directory, its "
      "first agent is the baseline and every other agent a candidate (baseline vs Chimera).\n"
      "Per metric: difference of means with its 95% Welch interval, relative difference "
      "(candidate − baseline) / baseline, Welch's t-test and Mann–Whitney U p values, and a "
      "verdict.\n"
      "Only measured, successful, warm requests are compared; warm-up, failed, empty and cold "
      "requests are counted and left out.\n\nExamples:\n"
      "  chimera compare base.jsonl tuned.jsonl\n"
      "  chimera compare results.sqlite#3 results.sqlite#4 --metric decode_tps,ttft_ms\n"
      "  chimera compare chimera-runs/baseline_vs_chimera-20261121-101500");
  app->add_option("sources", o->sources, "BASELINE CANDIDATE... (or one run directory)")
      ->required();
  app->add_option("--metric", o->metrics, "Metrics to compare (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app->add_option("--confidence", o->confidence, "Confidence level of the intervals")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 0.999));
  app->add_option("--output", o->output,
                  "Also write the comparison to this file: HTML (charts and tables) when it ends "
                  "in .html, else Markdown");
  app->add_option("--format", o->format, "Format printed on stdout: md (default) or html")
      ->check(CLI::IsMember({"md", "html"}));
  return Command{app, [o, &globals] { return compare_command(*o, globals); }};
}

}  // namespace chimera::cli
