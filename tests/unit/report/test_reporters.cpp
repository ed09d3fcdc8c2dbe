#include <gtest/gtest.h>

#include <sstream>

#include "chimera/report/reporter.hpp"
#include "chimera/util/terminal.hpp"
#include "report_fixtures.hpp"

namespace chimera::report {
namespace {

std::string render(std::string_view format, const BenchReport& report,
                   const RequestSource& requests = {}) {
  auto reporter = make_reporter(format);
  EXPECT_TRUE(reporter);
  std::ostringstream out;
  auto ok = (*reporter)->write(report, requests, out);
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// Fields of one RFC 4180 line (no embedded newlines in our output).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        fields.back() += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else {
      fields.back() += ch;
    }
  }
  return fields;
}

class Reporters : public ::testing::Test {
 protected:
  void SetUp() override { term::set_color_disabled(true); }
  BenchReport report = fixtures::two_configuration_report();
};

TEST_F(Reporters, UnknownFormatListsTheKnownOnes) {
  auto r = make_reporter("xml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("md, csv, json, jsonl, html"), std::string::npos);
  EXPECT_TRUE(make_reporter("markdown"));
}

TEST_F(Reporters, JsonParsesBackToTheSameReport) {
  const auto text = render("json", report);
  const auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["schema_version"], kSchemaVersion);
  EXPECT_TRUE(json["simulated"]);
  EXPECT_EQ(json["configurations"].size(), 2u);
  EXPECT_EQ(json, to_json(report));
}

TEST_F(Reporters, CsvHasOneRowPerConfigurationAndMetricWithAFixedColumnCount) {
  const auto lines = lines_of(render("csv", report));
  ASSERT_FALSE(lines.empty());
  const auto header = csv_fields(lines[0]);
  EXPECT_EQ(header[0], "rank");
  std::size_t expected_rows = 0;
  for (const auto& c : report.configurations) expected_rows += c.warm.size() + c.cold.size();
  EXPECT_EQ(lines.size(), expected_rows + 1);
  for (const auto& line : lines) EXPECT_EQ(csv_fields(line).size(), header.size()) << line;
  // Ranked: the faster configuration comes first; quoting survives the label.
  const auto first = csv_fields(lines[1]);
  EXPECT_EQ(first[1], "fast");
  const auto last = csv_fields(lines.back());
  EXPECT_EQ(last[2], "num_ctx=1024, \"slow\" | left");
  EXPECT_EQ(last[8], "true");  // simulated
}

TEST_F(Reporters, MarkdownTablesAreWellFormed) {
  const auto text = render("md", report);
  EXPECT_NE(text.find("# Chimera benchmark report (SIMULATED)"), std::string::npos);
  EXPECT_NE(text.find("## Overview"), std::string::npos);
  const auto lines = lines_of(text);
  // Every table: consecutive lines starting with '|', a separator as the
  // second line, and the same number of unescaped pipes in each line.
  auto pipes = [](const std::string& line) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++n;
    }
    return n;
  };
  int tables = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with('|') && (i == 0 || !lines[i - 1].starts_with('|'))) {
      ++tables;
      ASSERT_LT(i + 1, lines.size());
      EXPECT_NE(lines[i + 1].find("---"), std::string::npos) << lines[i + 1];
      for (std::size_t j = i; j < lines.size() && lines[j].starts_with('|'); ++j) {
        EXPECT_EQ(pipes(lines[j]), pipes(lines[i])) << lines[j];
      }
    }
  }
  EXPECT_EQ(tables, 3);  // overview + one warm table per configuration
  EXPECT_NE(text.find("\\| left"), std::string::npos);  // the pipe in the label is escaped
}

TEST_F(Reporters, HtmlIsSelfContainedWithSvgCharts) {
  const auto text = render("html", report);
  EXPECT_TRUE(text.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("Mean Decode rate (tok/s) per configuration"), std::string::npos);
  EXPECT_NE(text.find("SIMULATED"), std::string::npos);
  // Nothing is fetched: no attribute or CSS rule points anywhere. (The
  // endpoint URL does appear, as text.)
  for (const char* fetch :
       {"src=", "href=", "url(", "@import", "<script", "<link", "<img", "<iframe", "xmlns"}) {
    EXPECT_EQ(text.find(fetch), std::string::npos) << fetch;
  }
  EXPECT_NE(text.find("at http://127.0.0.1:11434"), std::string::npos);
  EXPECT_NE(text.find("&quot;slow&quot;"), std::string::npos);  // escaped label
}

TEST_F(Reporters, ConsoleShowsHyperfineStyleFigures) {
  const auto text = render("console", report);
  EXPECT_NE(text.find("SIMULATED"), std::string::npos);
  EXPECT_NE(text.find("mean ± sd"), std::string::npos);
  EXPECT_NE(text.find("min … max"), std::string::npos);
  // Fast configuration: gap 10 ms → 100 tok/s on every request (sd 0).
  EXPECT_NE(text.find("Configuration #1 num_ctx=2048"), std::string::npos);
  EXPECT_NE(text.find("100.0 ± 0"), std::string::npos);
  EXPECT_NE(text.find("measured by Chimera"), std::string::npos);
  EXPECT_NE(text.find("warning: num_gpu values above 34"), std::string::npos);
}

TEST_F(Reporters, JsonlWritesOneRawRequestPerLine) {
  const auto requests = fixtures::steady_requests(100, 20);
  RequestSource source = [&](const RequestSink& sink) -> Expected<void> {
    for (const auto& r : requests) sink(r);
    return {};
  };
  const auto lines = lines_of(render("jsonl", report, source));
  ASSERT_EQ(lines.size(), requests.size());
  const auto back = measure::request_from_json(nlohmann::json::parse(lines[1]));
  EXPECT_EQ(back.itl_ms, requests[1].itl_ms);
  EXPECT_TRUE(measure::request_from_json(nlohmann::json::parse(lines[0])).warmup);

  std::ostringstream out;
  auto without = (*make_reporter("jsonl"))->write(report, {}, out);
  ASSERT_FALSE(without);
  EXPECT_NE(without.error().message.find("raw requests"), std::string::npos);
}

}  // namespace
}  // namespace chimera::report
