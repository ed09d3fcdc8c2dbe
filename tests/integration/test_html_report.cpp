// The HTML reports in a real browser: results measured over HTTP from the
// simulator are rendered by `chimera bench`/`sweep`/`run`/`report`/`compare`, loaded from a file
// URL in headless Chromium, and checked through the DOM: no script errors, every expected chart
// present and drawn, no text outside its box, and each chart's table equal to the JSON report. A
// screenshot of every page is written to build/test-output/html/.
//
// Skipped with a message where Chromium is absent.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "chimera/orchestrate/compare/comparison.hpp"
#include "chimera/report/format.hpp"
#include "chimera/report/html/charts.hpp"
#include "chimera/report/html/markdown.hpp"
#include "chimera/report/html/pages.hpp"
#include "support/process.hpp"

namespace chimera::testing {
namespace {

namespace fs = std::filesystem;

// Runs first in <head>: collects script errors, and after load walks the page
// and writes what it found as JSON into <pre id="chimera-check">.
constexpr const char* kChecker = R"js(<script>
window.__chimeraErrors = [];
window.addEventListener('error', e => window.__chimeraErrors.push(String(e.message || e)));
window.addEventListener('load', () => {
  const out = {errors: window.__chimeraErrors, charts: [], overflow: [], headings: [],
               height: document.documentElement.scrollHeight};
  const describe = el => el.tagName.toLowerCase() + ' "' + (el.textContent || '').trim().slice(0, 60) + '"';
  const outside = (inner, outer) => inner.left < outer.left - 0.5 || inner.right > outer.right + 0.5 ||
                                    inner.top < outer.top - 0.5 || inner.bottom > outer.bottom + 0.5;
  for (const f of document.querySelectorAll('[data-chart]')) {
    let marks = 0;
    for (const m of f.querySelectorAll('svg polyline, svg rect, svg circle')) {
      const b = m.getBoundingClientRect();
      if (b.width > 0 || b.height > 0) ++marks;
    }
    const rows = [];
    for (const tr of f.querySelectorAll('table tr[data-key]')) {
      const cells = {};
      for (const td of tr.querySelectorAll('td[data-field]')) cells[td.dataset.field] = td.textContent;
      rows.push({key: tr.dataset.key, metric: tr.dataset.metric || tr.closest('table').dataset.metric || '', cells});
    }
    const points = [...f.querySelectorAll('polyline')].map(p => p.points.numberOfItems);
    out.charts.push({kind: f.dataset.chart, svgs: f.querySelectorAll('svg[role=img]').length, marks, rows,
                     maxPoints: Math.max(0, ...points)});
  }
  for (const t of document.querySelectorAll('svg text')) {
    if (outside(t.getBoundingClientRect(), t.ownerSVGElement.getBoundingClientRect()))
      out.overflow.push('SVG ' + describe(t) + ' is outside its chart');
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const parent = el.parentElement;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.display === 'inline' || !parent) continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      out.overflow.push(describe(el) + ' overflows its own box');
    if (parent !== document.body && outside(el.getBoundingClientRect(), parent.getBoundingClientRect()))
      out.overflow.push(describe(el) + ' sticks out of its ' + parent.tagName.toLowerCase());
    if (el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
      out.overflow.push(describe(el) + ' runs past the right edge of the page');
  }
  out.tables = {};
  for (const t of document.querySelectorAll('table[data-table]')) {
    const rows = out.tables[t.dataset.table] = {};
    for (const tr of t.querySelectorAll('tr[data-key]')) {
      const cells = {};
      for (const td of tr.querySelectorAll('td[data-field]')) cells[td.dataset.field] = td.textContent;
      rows[tr.dataset.key] = cells;
    }
  }
  for (const h of document.querySelectorAll('h1, h2, h3')) out.headings.push(h.textContent);
  const pre = document.createElement('pre');
  pre.id = 'chimera-check';
  pre.style.display = 'none';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>)js";

constexpr const char* kChromium = "/usr/bin/chromium";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string output_dir() {
  const auto dir = fs::path(chimera_binary()).parent_path().parent_path() / "test-output" / "html";
  fs::create_directories(dir);
  return dir.string();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Chromium, headless, with nothing that reaches the network; returns stdout.
std::string run_chromium(const std::string& profile, const std::string& args) {
  const std::string command = fmt::format(
      "{} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--hide-scrollbars --user-data-dir={} --virtual-time-budget=5000 {} 2>/dev/null",
      kChromium, shell_quote(profile), args);
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[65536];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  pclose(pipe);
  return out;
}

std::string html_unescape(std::string s) {
  for (const auto& [from, to] : {std::pair{"&quot;", "\""},
                                 {"&lt;", "<"},
                                 {"&gt;", ">"},
                                 {"&#39;", "'"},
                                 {"&nbsp;", " "},
                                 {"&amp;", "&"}}) {
    for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += 1)
      s.replace(at, std::string(from).size(), to);
  }
  return s;
}

// Loads `page` through a copy with the checker first in <head>, returns the
// checker's findings, and writes `name`.png of the page itself, both in a window `width` px wide.
nlohmann::json check_in_browser(const std::string& page, const std::string& name,
                                int width = 1280) {
  const std::string html = slurp(page);
  const auto head = html.find("<head>");
  EXPECT_NE(head, std::string::npos) << page;
  if (head == std::string::npos) return {};
  const auto checked_path = fs::path(page).replace_extension(".check.html").string();
  {
    std::ofstream out(checked_path, std::ios::binary);
    out << html.substr(0, head + 6) << kChecker << html.substr(head + 6);
  }
  const auto profile = fs::path(page).parent_path() / "chromium-profile";
  const auto dom =
      run_chromium(profile.string(), fmt::format("--window-size={},2000 --dump-dom ", width) +
                                         shell_quote("file://" + checked_path));
  const auto start = dom.find("<pre id=\"chimera-check\"");
  EXPECT_NE(start, std::string::npos) << "the checker wrote no results; the page did not load:\n"
                                      << dom.substr(0, 2000);
  if (start == std::string::npos) return {};
  const auto open_end = dom.find('>', start) + 1;
  const auto close = dom.find("</pre>", open_end);
  auto found = nlohmann::json::parse(html_unescape(dom.substr(open_end, close - open_end)));

  const auto png = output_dir() + "/" + name + ".png";
  const int height = std::clamp(found.value("height", 2000), 400, 16000);
  run_chromium(profile.string(),
               fmt::format("--window-size={},{} --screenshot={} {}", width, height,
                           shell_quote(png), shell_quote("file://" + page)));
  EXPECT_TRUE(fs::exists(png) && fs::file_size(png) > 1000) << "no screenshot at " << png;
  std::cout << "[ screenshot ] " << png << "\n";
  return found;
}

// The decimals shown decide how close the table's text must be to the JSON.
void expect_shown(const nlohmann::json& cell, const nlohmann::json& truth,
                  const std::string& what) {
  ASSERT_TRUE(cell.is_string()) << what << ": no cell";
  const auto text = cell.get<std::string>();
  if (truth.is_null()) {
    EXPECT_EQ(text, report::format::kMissing) << what;
    return;
  }
  const auto dot = text.find('.');
  const int decimals = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
  const double tolerance = 0.5 * std::pow(10.0, -decimals) * (1 + 1e-9) + 1e-12;
  EXPECT_NEAR(std::stod(text), truth.get<double>(), tolerance) << what << ": table shows " << text;
}

const nlohmann::json* chart(const nlohmann::json& found, const std::string& kind) {
  for (const auto& c : found["charts"])
    if (c["kind"] == kind) return &c;
  return nullptr;
}

void expect_clean(const nlohmann::json& found) {
  EXPECT_TRUE(found["errors"].empty()) << found["errors"].dump(2);
  EXPECT_TRUE(found["overflow"].empty()) << found["overflow"].dump(2);
}

// Every bench/sweep chart is drawn, has at most the fixed number of points per
// curve, and its table shows the JSON report's numbers for every configuration.
void expect_bench_charts(const nlohmann::json& found, const nlohmann::json& json) {
  std::map<std::string, const nlohmann::json*> by_key;
  for (const auto& c : json["configurations"]) by_key[c["key"].get<std::string>()] = &c;
  for (const char* kind : {"ranking", "ttft-cdf", "tpot-cdf", "e2e-cdf"}) {
    const auto* c = chart(found, kind);
    ASSERT_NE(c, nullptr) << "no data-chart=" << kind;
    EXPECT_GE((*c)["svgs"].get<int>(), 1) << kind;
    EXPECT_GE((*c)["marks"].get<int>(), static_cast<int>(by_key.size())) << kind;
    EXPECT_LE((*c)["maxPoints"].get<int>(), 200) << kind;
    ASSERT_EQ((*c)["rows"].size(), by_key.size()) << kind;
    for (const auto& row : (*c)["rows"]) {
      const auto key = row["key"].get<std::string>();
      ASSERT_TRUE(by_key.contains(key)) << kind << ": unknown configuration " << key;
      const auto& summary = (*by_key[key])["warm"][row["metric"].get<std::string>()];
      ASSERT_TRUE(summary.is_object()) << kind << " " << key << " " << row["metric"];
      for (const auto& [field, text] : row["cells"].items()) {
        expect_shown(text, summary[field], fmt::format("{} {} {}", kind, key, field));
      }
    }
  }
}

class HtmlReport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is absent; skipping browser tests";
  }
  TempDir dir;
};

TEST_F(HtmlReport, SweepPagesShowTheMeasuredDistributions) {
  const auto html = dir.path() + "/sweep.html", json = dir.path() + "/sweep.json";
  const auto store = dir.path() + "/results.sqlite";
  auto r = run_chimera({"sweep", "--sim", "--store", store, "--num-ctx", "1024,4096",
                        "--temperature", "0.2,0.9", "--num-predict", "12", "-n", "12", "-w", "1",
                        "--output", json, "--output", html, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto truth = nlohmann::json::parse(slurp(json));
  ASSERT_EQ(truth["configurations"].size(), 4u);

  auto found = check_in_browser(html, "sweep");
  expect_clean(found);
  expect_bench_charts(found, truth);
  EXPECT_EQ(slurp(html).find("raw requests are not available to this page"), std::string::npos)
      << "the sweep's own page has the raw requests and draws its curves from them";

  // Re-rendered from the store: the same numbers, curves from the stored requests.
  auto again = run_chimera({"report", "--store", store, "--format", "html"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto from_store = dir.path() + "/from-store.html";
  std::ofstream(from_store) << again.out;
  found = check_in_browser(from_store, "report-from-store");
  expect_clean(found);
  expect_bench_charts(found, truth);
  // About the width of a printed A4 page: still nothing sticks out.
  found = check_in_browser(from_store, "report-from-store-800px", 800);
  expect_clean(found);

  // From the JSON file: only summaries, so the curves join the percentiles, and say so.
  auto summaries = run_chimera({"report", "--input", json, "--format", "html"});
  ASSERT_EQ(summaries.exit_code, 0) << summaries.err;
  const auto from_json = dir.path() + "/from-json.html";
  std::ofstream(from_json) << summaries.out;
  EXPECT_NE(summaries.out.find("raw requests are not available to this page"), std::string::npos);
  found = check_in_browser(from_json, "report-from-json");
  expect_clean(found);
  expect_bench_charts(found, truth);
}

TEST_F(HtmlReport, BenchPageCarriesTheSimulatedBanner) {
  const auto html = dir.path() + "/bench.html", json = dir.path() + "/bench.json";
  auto r =
      run_chimera({"bench", "--sim", "--store", dir.path() + "/results.sqlite", "-n", "30", "-c",
                   "3", "--num-predict", "20", "--output", json, "--output", html, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto truth = nlohmann::json::parse(slurp(json));
  const auto page = slurp(html);
  EXPECT_NE(page.find("class=\"simulated\""), std::string::npos);
  auto found = check_in_browser(html, "bench");
  expect_clean(found);
  expect_bench_charts(found, truth);
  EXPECT_EQ(found["headings"][0], "Chimera benchmark report (SIMULATED)");
  // The curves go through every one of the 30 measured requests, replayed from the store.
  EXPECT_EQ(page.find("raw requests are not available to this page"), std::string::npos);
  EXPECT_EQ((*chart(found, "ttft-cdf"))["maxPoints"].get<int>(),
            truth["configurations"][0]["warm"]["ttft_ms"]["n"].get<int>());
}

TEST_F(HtmlReport, FailuresOnlyPageListsTheReasonsAndNoCharts) {
  const auto html = dir.path() + "/failed.html";
  auto r = run_chimera({"bench", "--sim", "-m", "gemma3:latest@fault=http500", "-n", "3", "-w", "0",
                        "--no-store", "--output", html, "-q"});
  ASSERT_EQ(r.exit_code, 3) << "finished, every request failed: " << r.err;
  const auto page = slurp(html);
  auto found = check_in_browser(html, "failures-only");
  expect_clean(found);
  EXPECT_TRUE(found["charts"].empty()) << found["charts"].dump();
  std::set<std::string> headings;
  for (const auto& h : found["headings"]) headings.insert(h.get<std::string>());
  EXPECT_FALSE(headings.contains("Charts"));
  EXPECT_TRUE(headings.contains("Failures and warnings"));
  EXPECT_NE(page.find("<tr class=\"error\"><td>3</td><td class=\"text\">http"), std::string::npos)
      << page;
  EXPECT_EQ(page.find("below"), std::string::npos) << "failures are listed at the top";
  EXPECT_LT(page.find("Failures and warnings"), page.find("1. "));
}

TEST_F(HtmlReport, ComparePageShowsTheDifferenceOfMeans) {
  // Two real benches against the simulator with different decode rates.
  const auto base = dir.path() + "/base.jsonl", cand = dir.path() + "/cand.jsonl";
  for (const auto& [path, model] :
       {std::pair{base, "gemma3:latest"}, {cand, "llama3.1:8b-instruct-q4_0"}}) {
    // The JSONL export replays the raw requests from the store.
    auto r = run_chimera({"bench", "--sim", "-m", model, "-n", "15", "--num-predict", "16",
                          "--store", dir.path() + "/results.sqlite", "--output", path, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto r = run_chimera({"--json", "compare", base, cand});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto truth = nlohmann::json::parse(r.out);

  const std::vector metrics = {report::Metric::kDecodeTps, report::Metric::kTtftMs,
                               report::Metric::kE2eMs, report::Metric::kTpotMs};
  auto b = orchestrate::load_samples(base);
  auto c = orchestrate::load_samples(cand);
  ASSERT_TRUE(b && c);
  const auto result = orchestrate::compare_sets(*b, {*c}, metrics, 0.95);
  report::html::ComparePage page{
      .title = "Comparison", .baseline = result.baseline, .simulated = true};
  for (const auto& candidate : result.candidates)
    for (const auto& m : candidate.metrics)
      page.rows.push_back({candidate.candidate, m.metric, m.comparison, m.verdict});
  const auto html = dir.path() + "/compare.html";
  {
    std::ofstream out(html);
    report::html::write_compare_page(page, out);
  }
  auto found = check_in_browser(html, "compare");
  expect_clean(found);
  const auto* chart_found = chart(found, "compare");
  ASSERT_NE(chart_found, nullptr);
  EXPECT_EQ((*chart_found)["svgs"].get<int>(), 4);
  const auto& rows = (*chart_found)["rows"];
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    const nlohmann::json* metric = nullptr;
    for (const auto& m : truth["candidates"][0]["metrics"])
      if (m["metric"] == row["metric"]) metric = &m;
    ASSERT_NE(metric, nullptr) << row.dump();
    const auto& m = *metric;
    const auto& cells = row["cells"];
    const auto what = row["metric"].get<std::string>();
    for (const char* field :
         {"n_baseline", "n_candidate", "mean_baseline", "mean_candidate", "difference"})
      expect_shown(cells[field], m[field], what + " " + field);
    expect_shown(cells["ci_low"], m["difference_ci"][0], what + " ci_low");
    expect_shown(cells["ci_high"], m["difference_ci"][1], what + " ci_high");
    expect_shown(cells["relative_percent"], m["relative"].get<double>() * 100, what + " relative");
  }
}

TEST_F(HtmlReport, CheckerCatchesClippedTextAndScriptErrors) {
  // The checks themselves: a label drawn past the left edge of its chart, a
  // cell too narrow for its number, and a script that throws are all reported.
  const auto page = dir.path() + "/broken.html";
  std::ofstream(page) << R"(<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<svg role="img" width="200" height="40" viewBox="0 0 200 40"><text x="40" y="20" text-anchor="end">_ctx=1024 temperature=0.4 num_predict=16</text></svg>
<div style="width:60px;overflow:hidden;white-space:nowrap">123456789012345678901234567890</div>
<script>undefined_function();</script></body></html>)";
  const auto found = check_in_browser(page, "checker-self-test");
  ASSERT_TRUE(found.is_object());
  EXPECT_EQ(found["errors"].size(), 1u) << found.dump(2);
  ASSERT_EQ(found["overflow"].size(), 2u) << found.dump(2);
  EXPECT_NE(found["overflow"][0].get<std::string>().find("is outside its chart"),
            std::string::npos);
  EXPECT_NE(found["overflow"][1].get<std::string>().find("overflows its own box"),
            std::string::npos);
}

TEST_F(HtmlReport, LoadCurveFitsAndShowsItsRows) {
  const std::vector<report::html::LoadPoint> rows = {
      {"concurrency 1", 98.5, 41.0, 57.5, 10.1, 10.6},
      {"concurrency 4", 331.0, 118.0, 244.0, 12.4, 15.2},
      {"concurrency 16", 402.0, 905.0, 1830.0, 31.0, 44.5},
  };
  const auto page = dir.path() + "/load.html";
  {
    std::ofstream out(page);
    out << report::html::page_open("Load sweep", true)
        << report::html::load_curve_figure(rows, {.ttft_ms = 500.0, .tpot_ms = 25.0})
        << report::html::page_close();
  }
  const auto found = check_in_browser(page, "load-curve");
  expect_clean(found);
  const auto* c = chart(found, "load-curve");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ((*c)["svgs"].get<int>(), 2);
  ASSERT_EQ((*c)["rows"].size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& cells = (*c)["rows"][i]["cells"];
    EXPECT_EQ((*c)["rows"][i]["key"], rows[i].label);
    expect_shown(cells["output_tps"], *rows[i].output_tps, rows[i].label);
    expect_shown(cells["ttft_p50_ms"], *rows[i].ttft_p50_ms, rows[i].label);
    expect_shown(cells["ttft_p99_ms"], *rows[i].ttft_p99_ms, rows[i].label);
    expect_shown(cells["tpot_p50_ms"], *rows[i].tpot_p50_ms, rows[i].label);
    expect_shown(cells["tpot_p99_ms"], *rows[i].tpot_p99_ms, rows[i].label);
  }
}

// --- chimera run -------------------------------------------------------------

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// The run's per-agent slowdown across runs, from summary.json, in either
// layout it has had: {"slowdown": {agent: estimate}} or {"agents": [{name, slowdown}]}.
std::map<std::string, nlohmann::json> summary_slowdowns(const nlohmann::json& summary) {
  std::map<std::string, nlohmann::json> out;
  const auto& c = summary["concurrency"];
  if (c.contains("slowdown"))
    for (const auto& [agent, e] : c["slowdown"].items()) out[agent] = e;
  if (c.contains("agents") && c["agents"].is_array())
    for (const auto& a : c["agents"]) out[a["name"].get<std::string>()] = a["slowdown"];
  return out;
}

nlohmann::json per_agent(const nlohmann::json& concurrency) {
  return concurrency.contains("per_agent") ? concurrency["per_agent"] : concurrency["agents"];
}

// Every drawn request's table row equals its requests.jsonl line, and the
// lines' spans per agent and phase equal the run's measured durations.
void expect_timeline(const nlohmann::json& found, const std::string& dir, std::size_t runs) {
  const auto* c = chart(found, "timeline");
  ASSERT_NE(c, nullptr) << "no data-chart=timeline";
  EXPECT_EQ((*c)["svgs"].get<std::size_t>(), runs) << "one panel per run";
  const auto lines = read_lines(dir + "/requests.jsonl");
  std::map<std::string, const nlohmann::json*> by_id;
  for (const auto& l : lines) by_id[l["id"].get<std::string>()] = &l;
  EXPECT_GE((*c)["marks"].get<std::size_t>(), lines.size());
  ASSERT_EQ((*c)["rows"].size(), lines.size()) << "every request of a small run is drawn";
  for (const auto& row : (*c)["rows"]) {
    const auto id = row["key"].get<std::string>();
    ASSERT_TRUE(by_id.contains(id)) << id;
    const auto& l = *by_id[id];
    expect_shown(row["cells"]["t_start_ms"], l["t_start_ms"], id + " start");
    expect_shown(row["cells"]["t_end_ms"], l["t_end_ms"], id + " end");
    expect_shown(row["cells"]["duration_ms"],
                 l["t_end_ms"].get<double>() - l["t_start_ms"].get<double>(), id + " duration");
  }
  // An isolated baseline is the median of its repetitions (request ids
  // "r<run>-isolated<rep>-<agent>-<stage>"); the concurrent duration is one span.
  for (std::size_t run = 1; run <= runs; ++run) {
    const auto metrics =
        nlohmann::json::parse(slurp(fmt::format("{}/run_{}/metrics.json", dir, run)));
    for (const auto& a : per_agent(metrics["concurrency"])) {
      const auto name = (a.contains("name") ? a["name"] : a["agent"]).get<std::string>();
      for (const auto& [phase, field] :
           {std::pair{"isolated", "isolated_ms"}, {"concurrent", "concurrent_ms"}}) {
        std::map<std::string, std::pair<double, double>> spans;
        for (const auto& l : lines) {
          if (l["run"] != run || l["agent"] != name || l["phase"] != phase || l["warmup"] == true)
            continue;
          const auto id = l["id"].get<std::string>();
          auto [it, added] =
              spans.try_emplace(id.substr(0, id.find("-" + name + "-")), INFINITY, -INFINITY);
          it->second.first = std::min(it->second.first, l["t_start_ms"].get<double>());
          it->second.second = std::max(it->second.second, l["t_end_ms"].get<double>());
        }
        std::vector<double> durations;
        for (const auto& [rep, span] : spans) durations.push_back(span.second - span.first);
        ASSERT_FALSE(durations.empty()) << "run " << run << " " << name << " " << phase;
        std::sort(durations.begin(), durations.end());
        const auto n = durations.size();
        const double median =
            n % 2 == 1 ? durations[n / 2] : (durations[n / 2 - 1] + durations[n / 2]) / 2;
        EXPECT_NEAR(median, a[field].get<double>(), 1e-6)
            << "run " << run << " " << name << " " << phase;
      }
    }
  }
}

void expect_slowdown(const nlohmann::json& found, const nlohmann::json& summary, bool with_ci) {
  const auto* c = chart(found, "slowdown");
  ASSERT_NE(c, nullptr) << "no data-chart=slowdown";
  const auto truth = summary_slowdowns(summary);
  ASSERT_EQ((*c)["rows"].size(), truth.size());
  for (const auto& row : (*c)["rows"]) {
    const auto agent = row["key"].get<std::string>();
    ASSERT_TRUE(truth.contains(agent)) << agent;
    for (const auto& [field, text] : row["cells"].items())
      expect_shown(text, truth.at(agent)[field], "slowdown " + agent + " " + field);
    if (with_ci) {
      EXPECT_FALSE(truth.at(agent)["ci95_low"].is_null()) << agent;
    }
  }
  EXPECT_GE((*c)["marks"].get<std::size_t>(), truth.size());
}

TEST_F(HtmlReport, RunPageShowsWhatRanWhenAndTheSlowdowns) {
  const auto out = dir.path() + "/run";
  auto r = run_chimera({"run", "--sim", "--artifacts", source_dir() + "/examples/artifacts",
                        "--runs", "3", "--output-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(out + "/report.html"), std::string::npos) << r.out;
  const auto summary = nlohmann::json::parse(slurp(out + "/summary.json"));
  const auto page = slurp(out + "/report.html");
  EXPECT_NE(page.find("class=\"simulated\""), std::string::npos);
  for (const char* fetches : {"src=", "<link", "<script", "@import"})
    EXPECT_EQ(page.find(fetches), std::string::npos) << "self-contained: " << fetches;

  auto found = check_in_browser(out + "/report.html", "run-3-runs");
  expect_clean(found);
  expect_timeline(found, out, 3);
  expect_slowdown(found, summary, true);
  // Each agent's report of the last run, rendered from its Markdown, under the page's headings.
  const auto metrics = nlohmann::json::parse(slurp(out + "/run_3/metrics.json"));
  for (const auto& a : metrics["agents"]) {
    EXPECT_NE(page.find("<section class=\"agent-report\" data-agent=\"" +
                        a["agent"].get<std::string>() + "\""),
              std::string::npos)
        << a["agent"];
  }
  EXPECT_NE(page.find("<h4>"), std::string::npos) << "the reports' own headings sit under h3";
  found = check_in_browser(out + "/report.html", "run-3-runs-800px", 800);
  expect_clean(found);

  // `chimera report` renders the same page from the directory.
  auto again = run_chimera({"report", out, "--format", "html"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, page);
  // So does its results store, whose agent records say where the directory is.
  auto stored = run_chimera({"report", "--store", out + "/results.sqlite", "--format", "html"});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_EQ(stored.out, page);
}

TEST_F(HtmlReport, RunPageOfAgentsSharingOneSlot) {
  // Two agents on one single-slot simulator: the concurrent phase queues.
  const auto out = dir.path() + "/shared";
  auto r = run_chimera({"run", "--sim-shared", "--scenario", "chimera_hetero", "--artifacts",
                        source_dir() + "/examples/artifacts", "--output-dir", out, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(slurp(out + "/summary.json"));
  auto found = check_in_browser(out + "/report.html", "run-shared-slot");
  expect_clean(found);
  expect_timeline(found, out, 1);
  expect_slowdown(found, summary, false);
  for (const auto& [agent, e] : summary_slowdowns(summary))
    EXPECT_GT(e["mean"].get<double>(), 1.2) << agent << " waited for the one slot";

  // Its requests.jsonl as a JSONL input: one configuration per run, phase and agent.
  auto jsonl = run_chimera({"report", "--input", out + "/requests.jsonl", "--format", "html"});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  const auto from_jsonl = dir.path() + "/from-jsonl.html";
  std::ofstream(from_jsonl) << jsonl.out;
  found = check_in_browser(from_jsonl, "report-from-run-jsonl");
  expect_clean(found);
  ASSERT_NE(chart(found, "e2e-cdf"), nullptr);
  const auto& rows = (*chart(found, "e2e-cdf"))["rows"];
  EXPECT_GE(rows.size(), 1u);
  for (const auto& row : rows) {
    const auto key = row["key"].get<std::string>();
    EXPECT_TRUE(key.starts_with("run1|isolated|") || key.starts_with("run1|concurrent|")) << key;
  }
}

TEST_F(HtmlReport, RunPageOfOneAgentHasNoSlowdown) {
  const auto out = dir.path() + "/one";
  auto r = run_chimera({"run", "--sim", "--persona", "InsightAgent", "--artifacts",
                        source_dir() + "/examples/artifacts", "--output-dir", out, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto found = check_in_browser(out + "/report.html", "run-one-agent");
  expect_clean(found);
  ASSERT_NE(chart(found, "timeline"), nullptr);
  EXPECT_EQ(chart(found, "slowdown"), nullptr);
  EXPECT_NE(slurp(out + "/report.html").find("No slowdown chart"), std::string::npos);
}

// The per-agent table, read back from the rendered page, shows each run's
// metrics.json: the verified and checkable counts and each figure under its
// source's column; a value removed from metrics.json shows as n/a, never 0.
TEST_F(HtmlReport, RunPageShowsEachAgentsFiguresAsMetricsJsonHasThem) {
  const auto out = dir.path() + "/counts";
  auto r = run_chimera({"run", "--sim", "--artifacts", source_dir() + "/examples/artifacts",
                        "--output-dir", out, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto metrics = nlohmann::json::parse(slurp(out + "/run_1/metrics.json"));
  auto found = check_in_browser(out + "/report.html", "run-agent-table");
  expect_clean(found);
  const auto& table = found["tables"]["agents"];
  ASSERT_EQ(table.size(), metrics["agents"].size()) << found["tables"].dump(2);
  for (const auto& a : metrics["agents"]) {
    const auto key = "run1|" + a["agent"].get<std::string>();
    ASSERT_TRUE(table.contains(key)) << key << " in " << table.dump(2);
    const auto& cells = table[key];
    const auto& v = a["verification"];
    EXPECT_EQ(cells["verified_of_checkable"],
              fmt::format("{} of {}", v["verified"].get<int>(), v["checkable"].get<int>()))
        << key;
    for (const char* field : {"ttft_ms", "e2e_ms", "client_throughput_tps", "server_throughput_tps",
                              "server_total_ms", "tokens_generated"}) {
      ASSERT_TRUE(a["metrics"].contains(field)) << field;
      expect_shown(cells[field], a["metrics"][field], key + " " + field);
    }
  }
  const auto page = slurp(out + "/report.html");
  for (const char* heading :
       {"TTFT (ms, client clock)", "end-to-end (ms, client clock)",
        "throughput (tok/s, server statistics)", "total duration (ms, server statistics)"})
    EXPECT_NE(page.find(heading), std::string::npos) << heading;

  // Remove a measured value and a count from the run's record (metrics.json
  // and its copy in summary.json): the page says n/a for both.
  auto summary = nlohmann::json::parse(slurp(out + "/summary.json"));
  const auto key = "run1|" + metrics["agents"][0]["agent"].get<std::string>();
  for (auto* record : {&metrics, &summary["runs"][0]}) {
    auto& first = (*record)["agents"][0];
    first["metrics"]["ttft_ms"] = nullptr;
    first["metrics"].erase("server_total_ms");
    first["verification"].erase("checkable");
  }
  std::ofstream(out + "/run_1/metrics.json") << metrics.dump(2);
  std::ofstream(out + "/summary.json") << summary.dump(2);
  auto again = run_chimera({"report", out, "--format", "html"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto edited = dir.path() + "/counts-edited.html";
  std::ofstream(edited) << again.out;
  found = check_in_browser(edited, "run-agent-table-missing");
  expect_clean(found);
  const auto& cells = found["tables"]["agents"][key];
  EXPECT_EQ(cells["ttft_ms"], report::format::kMissing) << cells.dump();
  EXPECT_EQ(cells["server_total_ms"], report::format::kMissing) << cells.dump();
  EXPECT_EQ(cells["verified_of_checkable"], report::format::kMissing) << cells.dump();
}

TEST_F(HtmlReport, ReportRefusesWhatIsNotARunOrResults) {
  auto r = run_chimera({"report", dir.path(), "--format", "html"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not a `chimera run` output directory"), std::string::npos) << r.err;
  const auto empty = dir.path() + "/empty.jsonl";
  std::ofstream(empty) << "\n";
  r = run_chimera({"report", "--input", empty, "--format", "html"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("holds no requests"), std::string::npos) << r.err;
}

TEST(MarkdownHtml, ModelTextCannotInjectHtmlOrFetchAnything) {
  const auto html = report::html::markdown_html(
      "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
      "[click](javascript:alert(1)) ![chart](http://example.com/x.png)\n\n"
      "| a | b |\n|---|--:|\n| 1 | 2 |\n");
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("javascript:"), std::string::npos) << html;
  EXPECT_NE(html.find("<a href=\"http://example.com/x.png\">chart</a>"), std::string::npos)
      << "an image becomes a link: " << html;
  EXPECT_NE(html.find("<h3>Title</h3>"), std::string::npos) << html;
  EXPECT_NE(html.find("<table>"), std::string::npos) << html;
}

TEST_F(HtmlReport, ComparePageFromTheCommandLine) {
  const auto base = dir.path() + "/base.jsonl", cand = dir.path() + "/cand.jsonl";
  for (const auto& [path, model] :
       {std::pair{base, "gemma3:latest"}, {cand, "llama3.1:8b-instruct-q4_0"}}) {
    auto r = run_chimera({"bench", "--sim", "-m", model, "-n", "12", "--num-predict", "16",
                          "--store", dir.path() + "/results.sqlite", "--output", path, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto html = dir.path() + "/compare-cli.html";
  auto r = run_chimera({"--json", "compare", base, cand, "--output", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto truth = nlohmann::json::parse(r.out);
  auto found = check_in_browser(html, "compare-cli");
  expect_clean(found);
  const auto* c = chart(found, "compare");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ((*c)["rows"].size(), truth["candidates"][0]["metrics"].size());
  for (const auto& row : (*c)["rows"]) {
    for (const auto& m : truth["candidates"][0]["metrics"]) {
      if (m["metric"] != row["metric"]) continue;
      expect_shown(row["cells"]["difference"], m["difference"], m["metric"].get<std::string>());
      expect_shown(row["cells"]["ci_low"], m["difference_ci"][0], "ci_low");
      expect_shown(row["cells"]["ci_high"], m["difference_ci"][1], "ci_high");
    }
  }
  auto stdout_html = run_chimera({"compare", base, cand, "--format", "html"});
  ASSERT_EQ(stdout_html.exit_code, 0) << stdout_html.err;
  EXPECT_EQ(stdout_html.out, slurp(html));
}

}  // namespace
}  // namespace chimera::testing
