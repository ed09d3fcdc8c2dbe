#include "chimera/report/html/charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "chimera/report/format.hpp"
#include "chimera/report/html/svg.hpp"
#include "chimera/stats/descriptive.hpp"

namespace chimera::report::html {
namespace {

constexpr const char* kStyle = R"css(
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1f24;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.75rem 0;font-size:.85rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:right}
td.text{overflow-wrap:anywhere}
th:first-child,td:first-child,.text{text-align:left}th{background:#f6f8fa}
caption{text-align:left;font-weight:600;padding:.25rem 0}
.simulated{background:#fff8c5;border:2px solid #9a6700;padding:.6rem 1rem;font-weight:700}
.warning{color:#7d4e00}.error{color:#a40e26}.note{color:#57606a;font-size:.85rem}
figure.chart{margin:1.5rem 0;padding:0;break-inside:avoid}
figure.chart figcaption{font-weight:600;margin-bottom:.4rem}
figure.chart svg{max-width:100%;height:auto;display:block}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:12px;fill:#1b1f24}
ul.legend{list-style:none;padding:0;margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;font-size:.85rem}
ul.legend li{display:flex;align-items:center;gap:.35rem;overflow-wrap:anywhere}
ul.legend svg{flex:none}
code{overflow-wrap:anywhere}
.agent-report{border:1px solid #d0d7de;padding:0 1rem;margin:1rem 0}
.agent-report td,.agent-report th{text-align:left;overflow-wrap:anywhere}
.agent-report pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.facts dd{margin:0}
@media screen and (max-width:60rem){
 table.stacks,table.stacks tbody,table.stacks tr,table.stacks td{display:block}
 table.stacks tr:has(th){display:none}
 table.stacks tr{border:1px solid #d0d7de;margin:.5rem 0;padding:.25rem 0}
 table.stacks td{border:none;text-align:left}
 table.stacks td::before{content:attr(data-label) ": ";font-weight:600}
}
@media print{
 body{margin:0;max-width:none;color:#000;font-size:10pt}
 .simulated{background:none;border:2px solid #000}
 h2{break-after:avoid}
 table,figure.chart{break-inside:avoid}
 table{font-size:8pt}
 th{background:none}
}
)css";

std::string figure_html(const std::string& kind, const std::string& title, const std::string& body,
                        const std::string& note, const std::string& table) {
  return fmt::format(
      "<figure class=\"chart\" data-chart=\"{}\">\n<figcaption>{}</figcaption>\n{}\n<p "
      "class=\"note\">{}</p>\n{}</figure>\n",
      kind, escape(title), body, escape(note), table);
}

std::string th(std::string_view text, std::string_view field = "") {
  if (field.empty()) return fmt::format("<th scope=\"col\" class=\"text\">{}</th>", escape(text));
  return fmt::format("<th scope=\"col\" data-field=\"{}\">{}</th>", field, escape(text));
}

std::string td(const std::optional<double>& v, std::string_view field) {
  return fmt::format("<td data-field=\"{}\">{}</td>", field, escape(format::number(v)));
}

std::string td_text(std::string_view text) {
  return fmt::format("<td class=\"text\">{}</td>", escape(text));
}

// The curve of one sample: every point when it is small, else kMaxCurvePoints
// evenly spaced quantiles; from the summary's percentiles without raw values.
std::vector<Point> cdf_points(CdfInput& in) {
  std::vector<Point> out;
  auto& v = in.values;
  if (v.empty()) {
    const auto& s = in.summary;
    for (const auto& [x, p] : {std::pair{s.min, 0.0},
                               {s.p50, 0.5},
                               {s.p90, 0.9},
                               {s.p95, 0.95},
                               {s.p99, 0.99},
                               {s.max, 1.0}}) {
      if (x) out.push_back({*x, p});
    }
    return out;
  }
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  if (n <= kMaxCurvePoints) {
    for (std::size_t i = 0; i < n; ++i)
      out.push_back({v[i], static_cast<double>(i + 1) / static_cast<double>(n)});
    return out;
  }
  for (std::size_t i = 0; i < kMaxCurvePoints; ++i) {
    const double p = static_cast<double>(i) / static_cast<double>(kMaxCurvePoints - 1);
    out.push_back({*stats::percentile_of_sorted(v, p * 100.0), p});
  }
  return out;
}

std::string cdf_note(const std::vector<CdfInput>& inputs) {
  bool sampled = false, from_summary = false;
  for (const auto& in : inputs) {
    sampled = sampled || in.values.size() > kMaxCurvePoints;
    from_summary = from_summary || in.values.empty();
  }
  std::string note = "Warm, successful requests. ";
  if (from_summary) {
    note +=
        "The raw requests are not available to this page (it was made from a JSON results "
        "file, by a run without a results store, or while the run was still going), so each curve "
        "joins the summary's min, "
        "p50, p90, p95, p99 and max. ";
  }
  if (sampled) {
    note += fmt::format(
        "Curves of more than {0} requests are drawn through {0} evenly spaced quantiles. ",
        kMaxCurvePoints);
  }
  return note + "The table lists each configuration's percentiles.";
}

}  // namespace

std::string cdf_figure(const std::string& kind, Metric metric, std::vector<CdfInput> inputs) {
  const auto& info = metric_info(metric);
  LineChart chart;
  chart.title = fmt::format("Distribution of {} per configuration", info.title);
  chart.x_title = format::metric_title(metric);
  chart.y_title = "requests at or below (%)";
  chart.y_is_fraction = true;
  std::string rows;
  for (auto& in : inputs) {
    if (in.summary.n == 0) continue;
    chart.series.push_back(
        {.name = in.label, .points = cdf_points(in), .colour = chart.series.size()});
    rows += fmt::format("<tr data-key=\"{}\">", escape(in.key)) + td_text(in.label) +
            fmt::format("<td data-field=\"n\">{}</td>", in.summary.n) + td(in.summary.min, "min") +
            td(in.summary.p50, "p50") + td(in.summary.p90, "p90") + td(in.summary.p95, "p95") +
            td(in.summary.p99, "p99") + td(in.summary.max, "max") + "</tr>\n";
  }
  const auto svg = line_chart_svg(chart);
  if (svg.empty()) return {};
  const std::string table =
      fmt::format("<table data-metric=\"{}\"><caption>{} percentiles ({})</caption><tr>", info.name,
                  escape(info.title), escape(info.unit)) +
      th("configuration") + th("n", "n") + th("min", "min") + th("p50", "p50") + th("p90", "p90") +
      th("p95", "p95") + th("p99", "p99") + th("max", "max") + "</tr>\n" + rows + "</table>\n";
  return figure_html(kind, chart.title, svg + legend_html(chart.series), cdf_note(inputs), table);
}

std::string ranking_figure(const Ranking& ranking, const std::vector<RankingInput>& inputs,
                           bool ranked) {
  const auto& info = metric_info(ranking.metric);
  IntervalChart chart;
  chart.title = fmt::format(
      "Mean {} per configuration{}", format::metric_title(ranking.metric),
      ranked ? (ranking.higher_is_better ? ", best (highest) first" : ", best (lowest) first")
             : "");
  chart.x_title = "mean " + format::metric_title(ranking.metric);
  std::string rows;
  std::size_t rank = 0;
  for (const auto& in : inputs) {
    if (!in.summary.mean) continue;
    ++rank;
    chart.rows.push_back({in.label, *in.summary.mean, in.summary.ci95_low, in.summary.ci95_high});
    rows += fmt::format("<tr data-key=\"{}\"><td>{}</td>", escape(in.key), rank) +
            td_text(in.label) + fmt::format("<td data-field=\"n\">{}</td>", in.summary.n) +
            td(in.summary.mean, "mean") + td(in.summary.ci95_low, "ci95_low") +
            td(in.summary.ci95_high, "ci95_high") + "</tr>\n";
  }
  const auto svg = interval_chart_svg(chart);
  if (svg.empty()) return {};
  const std::string table =
      fmt::format("<table data-metric=\"{}\"><caption>Mean {} ({}) with its 95% CI</caption><tr>",
                  info.name, escape(info.title), escape(info.unit)) +
      th(ranked ? "rank" : "#") + th("configuration") + th("n", "n") + th("mean", "mean") +
      th("CI low", "ci95_low") + th("CI high", "ci95_high") + "</tr>\n" + rows + "</table>\n";
  return figure_html("ranking", chart.title, svg,
                     "Warm, successful requests. Bars are means; whiskers are the 95% bootstrap "
                     "confidence interval of the mean.",
                     table);
}

std::string load_curve_figure(const std::vector<LoadPoint>& rows, const LoadSlo& slo) {
  if (rows.empty()) return {};
  auto panel = [&](const char* metric, auto p50, auto p99, const std::optional<double>& limit) {
    LineChart chart;
    chart.title = fmt::format("{} against output throughput", metric);
    chart.x_title = "output throughput (tok/s)";
    chart.y_title = fmt::format("{} (ms)", metric);
    chart.x_from_zero = true;
    Series s50{.name = fmt::format("{} p50", metric), .markers = true, .colour = 0};
    Series s99{.name = fmt::format("{} p99", metric), .markers = true, .colour = 3};
    for (const auto& r : rows) {
      if (!r.output_tps) continue;  // no throughput: nowhere to place the point
      if (r.*p50) s50.points.push_back({*r.output_tps, *(r.*p50)});
      if (r.*p99) s99.points.push_back({*r.output_tps, *(r.*p99)});
    }
    for (auto* s : {&s50, &s99})
      if (!s->points.empty()) chart.series.push_back(std::move(*s));
    if (limit) chart.lines.push_back({fmt::format("SLO {:g} ms", *limit), *limit});
    const auto svg = line_chart_svg(chart);
    return svg.empty() ? std::string() : svg + legend_html(chart.series);
  };
  const std::string body =
      panel("TTFT", &LoadPoint::ttft_p50_ms, &LoadPoint::ttft_p99_ms, slo.ttft_ms) +
      panel("TPOT", &LoadPoint::tpot_p50_ms, &LoadPoint::tpot_p99_ms, slo.tpot_ms);
  std::string table = "<table><caption>Latency and throughput per offered load</caption><tr>" +
                      th("load") + th("output tok/s", "output_tps") +
                      th("TTFT p50 (ms)", "ttft_p50_ms") + th("TTFT p99 (ms)", "ttft_p99_ms") +
                      th("TPOT p50 (ms)", "tpot_p50_ms") + th("TPOT p99 (ms)", "tpot_p99_ms") +
                      "</tr>\n";
  for (const auto& r : rows) {
    table += fmt::format("<tr data-key=\"{}\">", escape(r.label)) + td_text(r.label) +
             td(r.output_tps, "output_tps") + td(r.ttft_p50_ms, "ttft_p50_ms") +
             td(r.ttft_p99_ms, "ttft_p99_ms") + td(r.tpot_p50_ms, "tpot_p50_ms") +
             td(r.tpot_p99_ms, "tpot_p99_ms") + "</tr>\n";
  }
  table += "</table>\n";
  std::string note = "One point per offered load; lines join the loads in the order they ran.";
  if (slo.ttft_ms || slo.tpot_ms) note += " Dashed horizontal lines are the SLOs.";
  return figure_html("load-curve", "Latency against throughput", body, note, table);
}

std::string compare_figure(const std::vector<CompareRow>& rows) {
  if (rows.empty()) return {};
  std::map<Metric, IntervalChart> charts;
  std::vector<Metric> order;
  std::string table = "<table><caption>Difference of means (candidate − baseline)</caption><tr>" +
                      th("candidate") + th("metric") + th("n baseline", "n_baseline") +
                      th("n candidate", "n_candidate") + th("mean baseline", "mean_baseline") +
                      th("mean candidate", "mean_candidate") + th("difference", "difference") +
                      th("CI low", "ci_low") + th("CI high", "ci_high") +
                      th("relative (%)", "relative_percent") + th("verdict") + "</tr>\n";
  double confidence = 0.95;
  for (const auto& r : rows) {
    const auto& k = r.comparison;
    const auto& info = metric_info(r.metric);
    confidence = k.confidence;
    const auto low = k.difference_ci ? std::optional(k.difference_ci->low) : std::nullopt;
    const auto high = k.difference_ci ? std::optional(k.difference_ci->high) : std::nullopt;
    const auto rel = k.relative ? std::optional(*k.relative * 100.0) : std::nullopt;
    table +=
        fmt::format("<tr data-key=\"{}\" data-metric=\"{}\">", escape(r.candidate), info.name) +
        td_text(r.candidate) + td_text(format::metric_title(r.metric)) +
        fmt::format("<td data-field=\"n_baseline\">{}</td>", k.n_baseline) +
        fmt::format("<td data-field=\"n_candidate\">{}</td>", k.n_candidate) +
        td(k.mean_baseline, "mean_baseline") + td(k.mean_candidate, "mean_candidate") +
        td(k.difference, "difference") + td(low, "ci_low") + td(high, "ci_high") +
        td(rel, "relative_percent") + td_text(r.verdict) + "</tr>\n";
    if (!k.difference) continue;
    auto [it, added] = charts.try_emplace(r.metric);
    if (added) {
      order.push_back(r.metric);
      it->second.title = fmt::format("{}: candidate − baseline", info.title);
      it->second.x_title = fmt::format("difference of mean {} ({})", info.title, info.unit);
      it->second.bars = false;
    }
    it->second.rows.push_back({r.candidate, *k.difference, low, high});
  }
  table += "</table>\n";
  std::string body;
  for (auto m : order) {
    body += fmt::format("<h3>{}</h3>\n", escape(charts[m].title)) + interval_chart_svg(charts[m]);
  }
  return figure_html(
      "compare", "Difference of means per metric", body,
      fmt::format("Dots are the difference of means (candidate − baseline); whiskers its {:.0f}% "
                  "Welch confidence interval. A whisker that crosses the zero line means no "
                  "detectable difference.",
                  confidence * 100.0),
      table);
}

namespace {

BarStyle style_of(const TimelineCall& c) {
  if (c.warmup) return BarStyle::kWarmup;
  return c.phase == "isolated" ? BarStyle::kIsolated : BarStyle::kConcurrent;
}

// The first and last moment of each phase of one run, warm-ups included.
std::vector<TimelineBand> phase_bands(const std::vector<const TimelineCall*>& calls) {
  std::vector<TimelineBand> bands;
  for (const char* phase : {"warmup", "isolated", "concurrent"}) {
    std::optional<TimelineBand> band;
    for (const auto* c : calls) {
      if (c->phase != phase) continue;
      if (!band) band = TimelineBand{phase, c->start_ms / 1000, c->end_ms / 1000};
      band->start = std::min(band->start, c->start_ms / 1000);
      band->end = std::max(band->end, c->end_ms / 1000);
    }
    if (!band) continue;
    band->label = std::string(phase) == "isolated"     ? "isolated"
                  : std::string(phase) == "concurrent" ? "concurrent"
                                                       : "warm-up";
    bands.push_back(*band);
  }
  return bands;
}

std::string timeline_panel(int run, const std::vector<std::string>& agents,
                           const std::vector<const TimelineCall*>& calls) {
  TimelineChart chart;
  chart.title = fmt::format("Run {}: requests of each agent over time", run);
  chart.x_title = "time since the run began (s)";
  chart.lanes = agents;
  for (const auto* c : calls) {
    const auto lane = std::find(agents.begin(), agents.end(), c->agent) - agents.begin();
    chart.bars.push_back(
        {.lane = static_cast<std::size_t>(lane),
         .start = c->start_ms / 1000,
         .end = c->end_ms / 1000,
         .style = style_of(*c),
         .failed = !c->ok,
         .tooltip =
             fmt::format("{} · {}{} · {} ms{}", c->agent, c->phase, c->warmup ? " warm-up" : "",
                         format::number(c->end_ms - c->start_ms), c->ok ? "" : " · failed")});
  }
  chart.bands = phase_bands(calls);
  const auto svg = timeline_svg(chart);
  return svg.empty() ? svg : fmt::format("<h3>Run {}</h3>\n{}", run, svg);
}

}  // namespace

std::string timeline_figure(const std::vector<std::string>& agents,
                            const std::vector<TimelineCall>& calls, int runs_total) {
  std::map<int, std::vector<const TimelineCall*>> by_run;
  for (const auto& c : calls) by_run[c.run].push_back(&c);
  std::string body, rows;
  std::size_t drawn = 0;
  int runs_drawn = 0;
  for (const auto& [run, run_calls] : by_run) {
    if (drawn + run_calls.size() > kMaxTimelineCalls && runs_drawn > 0) break;
    body += timeline_panel(run, agents, run_calls);
    drawn += run_calls.size();
    ++runs_drawn;
    for (const auto* c : run_calls) {
      rows += fmt::format("<tr data-key=\"{}\"><td>{}</td>", escape(c->id), c->run) +
              td_text(c->agent) + td_text(c->warmup ? c->phase + " (warm-up)" : c->phase) +
              td_text(c->id) + td_text(c->ok ? "ok" : "failed") + td(c->start_ms, "t_start_ms") +
              td(c->end_ms, "t_end_ms") + td(c->end_ms - c->start_ms, "duration_ms") + "</tr>\n";
    }
  }
  if (body.empty()) return {};
  std::string note =
      "Each bar is one request, from when it was sent to when its answer was complete (steady "
      "clock). Shaded: the phases. Isolated, one agent runs at a time (its baseline, after its "
      "own warm-up); concurrent, every agent runs at once. Warm-ups are not timed.";
  if (runs_drawn < static_cast<int>(by_run.size()) ||
      static_cast<int>(by_run.size()) < runs_total) {
    note += fmt::format(
        " Shown: the first {} of {} runs (at most {} requests per chart); the slowdown chart and "
        "the tables below cover every run.",
        runs_drawn, runs_total, kMaxTimelineCalls);
  }
  const std::string table =
      "<table><caption>Every request drawn, in ms after its run began (client "
      "clock)</caption><tr>" +
      th("run") + th("agent") + th("phase") + th("request") + th("status") +
      th("start (ms)", "t_start_ms") + th("end (ms)", "t_end_ms") +
      th("duration (ms)", "duration_ms") + "</tr>\n" + rows + "</table>\n";
  return figure_html("timeline", "What ran when", body + timeline_legend_html(), note, table);
}

std::string slowdown_figure(const std::vector<SlowdownRow>& rows) {
  IntervalChart chart;
  chart.title = "Slowdown of each agent when all run together";
  chart.x_title = "slowdown (concurrent duration / isolated baseline, ×)";
  chart.bars = false;
  chart.reference = 1;
  std::string table_rows;
  bool any_ci = false;
  for (const auto& r : rows) {
    if (!r.mean) continue;
    any_ci = any_ci || (r.ci95_low && r.ci95_high);
    chart.rows.push_back({r.agent, *r.mean, r.ci95_low, r.ci95_high});
    table_rows += fmt::format("<tr data-key=\"{}\">", escape(r.agent)) + td_text(r.agent) +
                  fmt::format("<td data-field=\"n\">{}</td>", r.n) + td(r.mean, "mean") +
                  td(r.sd, "sd") + td(r.ci95_low, "ci95_low") + td(r.ci95_high, "ci95_high") +
                  "</tr>\n";
  }
  const auto svg = interval_chart_svg(chart);
  if (svg.empty()) return {};
  const std::string table = "<table><caption>Slowdown per agent across runs (×)</caption><tr>" +
                            th("agent") + th("runs", "n") + th("mean", "mean") + th("sd", "sd") +
                            th("CI low", "ci95_low") + th("CI high", "ci95_high") + "</tr>\n" +
                            table_rows + "</table>\n";
  std::string note =
      "Dots are the mean slowdown over the runs; the vertical line at 1 is an agent as fast "
      "together as alone, right of it slower.";
  note += any_ci ? " Whiskers are the 95% Student's t confidence interval of the mean over runs."
                 : " One run gives no confidence interval: run with --runs 3 or more for one.";
  return figure_html("slowdown", chart.title, svg, note, table);
}

std::string page_open(const std::string& title, bool simulated) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><title>{0}</title><style>{1}</style></"
      "head><body>\n<h1>{0}</h1>\n",
      escape(title), kStyle);
  if (simulated)
    out += fmt::format("<p class=\"simulated\" role=\"note\">{}</p>\n",
                       escape(format::kSimulatedNote));
  return out;
}

std::string page_close() {
  return fmt::format("<p class=\"note\">{} {}</p>\n</body></html>\n", escape(format::kProvenance),
                     escape(format::kPercentileNote));
}

}  // namespace chimera::report::html
