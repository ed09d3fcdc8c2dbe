// The HTML reports in a real browser: results measured over HTTP from the
// simulator are rendered by `chimera bench`/`sweep`/`report` (and the compare
// page), loaded from a file URL in headless Chromium, and checked through the
// DOM: no script errors, every expected chart present and drawn, no text
// outside its box, and each chart's table equal to the JSON report. A
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
#include "chimera/report/html/charts.hpp"
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
    EXPECT_EQ(text, "–") << what;
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
    expect_shown(cells["output_tps"], rows[i].output_tps, rows[i].label);
    expect_shown(cells["ttft_p50_ms"], *rows[i].ttft_p50_ms, rows[i].label);
    expect_shown(cells["ttft_p99_ms"], *rows[i].ttft_p99_ms, rows[i].label);
    expect_shown(cells["tpot_p50_ms"], *rows[i].tpot_p50_ms, rows[i].label);
    expect_shown(cells["tpot_p99_ms"], *rows[i].tpot_p99_ms, rows[i].label);
  }
}

}  // namespace
}  // namespace chimera::testing
