// The HTML reporter's pages and charts on known inputs (the browser checks of
// the rendered pages are in tests/integration/test_html_report.cpp).

#include <gtest/gtest.h>

#include <iostream>
#include <regex>
#include <sstream>

#include "chimera/report/html/charts.hpp"
#include "chimera/report/html/pages.hpp"
#include "chimera/report/html/svg.hpp"
#include "chimera/report/load_view.hpp"
#include "chimera/report/reporter.hpp"
#include "report_fixtures.hpp"

namespace chimera::report {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The most points in any <polyline> of the page.
std::size_t max_polyline_points(const std::string& page) {
  std::size_t most = 0;
  const std::regex polyline(R"re(<polyline[^>]* points="([^"]*)")re");
  for (std::sregex_iterator it(page.begin(), page.end(), polyline), end; it != end; ++it) {
    most = std::max(most, count((*it)[1].str(), ","));
  }
  return most;
}

TEST(HtmlText, WrapsLongLabelsWithinTheWidth) {
  const std::string label =
      "num_ctx=1024 temperature=0.4 num_predict=128 top_k=40 top_p=0.95 "
      "stop=averyveryveryverylongstopsequencewithoutanyspaces";
  const auto lines = html::wrap_text(label, 12, 200);
  EXPECT_GT(lines.size(), 2u);
  std::string joined;
  for (const auto& l : lines) {
    EXPECT_LE(html::text_width(l, 12), 200) << l;
    joined += l;
  }
  // Nothing is lost: the words come back in order (spaces aside).
  std::erase(joined, ' ');
  std::string expected = label;
  std::erase(expected, ' ');
  EXPECT_EQ(joined, expected);
  EXPECT_EQ(html::wrap_text("", 12, 100), std::vector<std::string>{""});
}

TEST(HtmlText, WideTextIsEstimatedWider) {
  EXPECT_GT(html::text_width("WWWW", 12), html::text_width("iiii", 12));
  // A multi-byte code point counts once: "…" is one glyph, not three.
  EXPECT_LT(html::text_width("…", 12), html::text_width("...", 12) * 2);
}

TEST(HtmlTicks, AreRoundAndCoverTheRange) {
  const auto ticks = html::nice_ticks(3.2, 97.5);
  ASSERT_GE(ticks.size(), 3u);
  EXPECT_LE(ticks.front(), 3.2);
  EXPECT_GE(ticks.back(), 97.5);
  EXPECT_DOUBLE_EQ(ticks[1] - ticks[0], 20.0);
  EXPECT_EQ(html::nice_ticks(5, 5).size(), 1u);  // no range: no division by zero
}

TEST(HtmlPalette, IsOkabeItoThenChangesDash) {
  EXPECT_STREQ(html::palette_colour(0), "#0072B2");
  EXPECT_STREQ(html::palette_dash(0), "");
  EXPECT_STREQ(html::palette_colour(8), html::palette_colour(0));
  EXPECT_STRNE(html::palette_dash(8), "");  // the ninth series differs by its dashes
}

TEST(HtmlCharts, HundredThousandRequestsStayLight) {
  // 100,000 measured requests over two configurations, replayed from memory.
  BenchReport report;
  report.command = "sweep";
  report.ranking = Ranking{Metric::kDecodeTps, true};
  std::vector<measure::RequestResult> requests;
  for (int c = 0; c < 2; ++c) {
    // No bootstrap: the page size, not the interval, is under test.
    ConfigurationAccumulator acc({.key = c == 0 ? "a" : "b"}, {.bootstrap = {.resamples = 0}});
    for (int i = 0; i < 50'000; ++i) {
      auto r = fixtures::ok_request(100 + (i % 997) * 0.1 + c * 50, 10, 5 + c);
      r.options = {{"num_ctx", c == 0 ? 1024 : 4096}};
      acc.add(r);
      requests.push_back(std::move(r));
    }
    report.configurations.push_back(acc.finish());
  }
  RequestSource source = [&](const RequestSink& sink) -> Expected<void> {
    for (const auto& r : requests) sink(r);
    return {};
  };
  std::ostringstream out;
  ASSERT_TRUE((*make_reporter("html"))->write(report, source, out));
  const auto page = out.str();
  std::cout << "[ page size ] " << page.size() << " bytes for 100,000 requests\n";
  EXPECT_LT(page.size(), 300'000u) << "100k requests must not make a heavy page";
  EXPECT_LE(max_polyline_points(page), html::kMaxCurvePoints);
  EXPECT_GE(max_polyline_points(page), html::kMaxCurvePoints - 1);
  EXPECT_NE(page.find("drawn through 200 evenly spaced quantiles"), std::string::npos);
  for (const char* kind : {"ranking", "ttft-cdf", "tpot-cdf", "e2e-cdf"})
    EXPECT_EQ(count(page, std::string("data-chart=\"") + kind + "\""), 1u) << kind;
}

TEST(HtmlCharts, CurvesFromSummariesSayWhereTheyCameFrom) {
  const auto report = fixtures::two_configuration_report();
  std::ostringstream out;
  html::write_bench_page(report, {}, out);
  const auto page = out.str();
  EXPECT_NE(page.find("joins the summary's min, p50, p90, p95, p99 and max"), std::string::npos);
  EXPECT_LE(max_polyline_points(page), 6u);
}

TEST(HtmlCharts, FailuresOnlyHasNoChartsAndListsReasons) {
  BenchReport report;
  report.command = "bench";
  report.configurations.push_back(summarize_configuration(
      "broken", {fixtures::failed_request("http", "HTTP 500 from the server"),
                 fixtures::failed_request("http", "HTTP 500 from the server")}));
  std::ostringstream out;
  html::write_bench_page(report, {}, out);
  const auto page = out.str();
  EXPECT_EQ(page.find("data-chart"), std::string::npos);
  EXPECT_EQ(page.find("<h2>Charts</h2>"), std::string::npos);
  EXPECT_NE(
      page.find(
          "<tr class=\"error\"><td>2</td><td class=\"text\">http: HTTP 500 from the server</td>"),
      std::string::npos)
      << page;
  EXPECT_LT(page.find("Failures and warnings"), page.find("<h2>1. broken</h2>"));
  EXPECT_EQ(page.find("below"), std::string::npos);
}

TEST(HtmlCharts, LoadCurveTakesPlainRowsAndDrawsSloLines) {
  const std::vector<html::LoadPoint> rows = {
      {"concurrency 1", 95.0, 40.0, 55.0, 10.1, 10.6},
      {"concurrency 4", 310.0, 120.0, 240.0, 12.5, 15.0},
      {"concurrency 16", 420.0, 900.0, 1800.0, 30.0, 41.0},
  };
  const auto figure = html::load_curve_figure(rows, {.ttft_ms = 500.0, .tpot_ms = 25.0});
  EXPECT_NE(figure.find("data-chart=\"load-curve\""), std::string::npos);
  EXPECT_EQ(count(figure, "<svg role=\"img\""), 2u);  // TTFT and TPOT panels
  EXPECT_NE(figure.find(">SLO 500 ms<"), std::string::npos);
  EXPECT_NE(figure.find(">SLO 25 ms<"), std::string::npos);
  EXPECT_NE(figure.find("output throughput (tok/s)"), std::string::npos);
  EXPECT_NE(figure.find("<tr data-key=\"concurrency 16\"><td class=\"text\">concurrency "
                        "16</td><td data-field=\"output_tps\">420.0</td><td "
                        "data-field=\"ttft_p50_ms\">900.0</td><td "
                        "data-field=\"ttft_p99_ms\">1800</td>"),
            std::string::npos)
      << figure;
  EXPECT_EQ(html::load_curve_figure({}), "");
}

TEST(HtmlCharts, ALoadLevelWithoutThroughputIsNoPointAndNa) {
  const std::vector<html::LoadPoint> rows = {
      {"concurrency 1", 95.0, 40.0, 55.0, 10.1, 10.6},
      {"concurrency 4", std::nullopt, 120.0, 240.0, 12.5, 15.0},
      {"concurrency 16", 420.0, 900.0, 1800.0, 30.0, 41.0},
  };
  const auto figure = html::load_curve_figure(rows);
  // Two panels of two series: one marker per series for each level with a throughput.
  EXPECT_EQ(count(figure, "<circle"), 2u * 2u * 2u) << figure;
  EXPECT_NE(figure.find("<tr data-key=\"concurrency 4\"><td class=\"text\">concurrency "
                        "4</td><td data-field=\"output_tps\">n/a</td>"),
            std::string::npos)
      << figure;
  EXPECT_EQ(figure.find("\"output_tps\">0"), std::string::npos);
}

TEST(HtmlCharts, TheLoadTablesMissingThroughputStaysMissing) {
  BenchReport report;
  report.load_table = nlohmann::json::parse(R"({"rows": [
      {"label": "rate 2/s", "achieved_rate": null, "output_tokens_per_s": null,
       "ttft_ms": {"p50": 12.0}, "tpot_ms": {}}]})");
  const auto points = load_curve_points(report);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_FALSE(points[0].output_tps.has_value());
  const auto table = load_table_rows(report);
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[1][2], "n/a");  // achieved req/s
  EXPECT_EQ(table[1][3], "n/a");  // output tok/s
}

TEST(HtmlCharts, CompareDrawsOnePanelPerMetricWithAZeroLine) {
  std::vector<html::CompareRow> rows;
  const std::vector<double> base = {100, 102, 98, 101, 99}, faster = {110, 112, 108, 111, 109};
  rows.push_back({"tuned", Metric::kDecodeTps, stats::compare(base, faster), "faster by 10.0%"});
  rows.push_back(
      {"tuned", Metric::kTtftMs, stats::compare(base, base), "no detectable difference"});
  html::ComparePage page{.baseline = "base", .rows = rows};
  std::ostringstream out;
  html::write_compare_page(page, out);
  const auto text = out.str();
  EXPECT_EQ(count(text, "data-chart=\"compare\""), 1u);
  EXPECT_EQ(count(text, "<svg role=\"img\""), 2u);
  EXPECT_NE(text.find("<td data-field=\"difference\">10.00</td>"), std::string::npos) << text;
  EXPECT_NE(text.find("<td data-field=\"relative_percent\">10.00</td>"), std::string::npos);
  EXPECT_EQ(text.find("SIMULATED"), std::string::npos);
}

}  // namespace
}  // namespace chimera::report
