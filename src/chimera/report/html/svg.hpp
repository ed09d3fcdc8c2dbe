#pragma once
// Chart drawing for the HTML reports (internal to report/): static inline SVG
// written by C++, so a page needs no script, no font and no network, prints as
// it shows on screen, and a test can read every number from the DOM.
//
// Text is never clipped: label widths are estimated on the generous side of a
// sans-serif font (see text_width) and the margins grow to fit them; long
// labels wrap onto several lines. Colours are the Okabe–Ito palette, which
// stays distinguishable with the common colour-vision deficiencies; past its
// eight colours the series also change dash pattern.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chimera::report::html {

// HTML/XML text and attribute escaping.
std::string escape(std::string_view text);

// An upper estimate of the rendered width in pixels of `text` in a sans-serif
// font of `font_px` (wide letters and digits counted wide).
double text_width(std::string_view text, double font_px);
// `text` split at spaces (a word longer than a line is cut) into lines no
// wider than `max_px`.
std::vector<std::string> wrap_text(std::string_view text, double font_px, double max_px);

// Okabe–Ito colour `index` (cycling) and the dash pattern that goes with it
// ("" for solid).
const char* palette_colour(std::size_t index);
const char* palette_dash(std::size_t index);

// About `count` round tick values covering [low, high].
std::vector<double> nice_ticks(double low, double high, int count = 5);

struct Point {
  double x = 0, y = 0;
};

struct Series {
  std::string name{};
  std::vector<Point> points{};
  bool markers = false;  // draw a dot at every point (few points, e.g. load levels)
  // Palette slot; series sharing one (p50 and p99 of one metric) share a colour.
  std::size_t colour = 0;
  std::optional<std::size_t> dash{};  // palette slot of the dash pattern; default `colour`
};

struct ReferenceLine {
  std::string label;  // e.g. "SLO 500 ms"
  double y = 0;
};

struct LineChart {
  std::string title;
  std::string x_title, y_title;  // with units: "TTFT (ms)"
  std::vector<Series> series;
  std::vector<ReferenceLine> lines{};
  bool y_is_fraction = false;  // y in [0, 1] drawn as 0–100 %
  bool x_from_zero = false;    // else the x axis spans the data only
};

// An <svg> element, or "" when no series has a point.
std::string line_chart_svg(const LineChart& chart);

struct IntervalRow {
  std::string label;
  double value = 0;
  std::optional<double> low{}, high{};
};

struct IntervalChart {
  std::string title;
  std::string x_title;  // with units
  std::vector<IntervalRow> rows;
  // Bars from zero (means) rather than dots (differences, with a line at `reference`).
  bool bars = true;
  double reference = 0;  // e.g. 1 for ratios: "as fast as alone"
};

// An <svg> element, or "" without rows.
std::string interval_chart_svg(const IntervalChart& chart);

// What ran when: one lane per row (an agent), one bar per request.
enum class BarStyle { kIsolated, kConcurrent, kWarmup };

struct TimelineBar {
  std::size_t lane = 0;
  double start = 0, end = 0;  // x units (seconds)
  BarStyle style = BarStyle::kConcurrent;
  bool failed = false;  // drawn with a thick outline
  std::string tooltip{};
};

// A stretch of the x axis given to one phase, shaded and named above the lanes.
struct TimelineBand {
  std::string label;
  double start = 0, end = 0;
};

struct TimelineChart {
  std::string title;
  std::string x_title;  // with units
  std::vector<std::string> lanes;
  std::vector<TimelineBar> bars;
  std::vector<TimelineBand> bands{};
};

// An <svg> element, or "" without bars.
std::string timeline_svg(const TimelineChart& chart);
// The legend of the bar styles (and of the failed outline).
std::string timeline_legend_html();

// The HTML legend of a line chart's series: one swatch per series.
std::string legend_html(const std::vector<Series>& series);

}  // namespace chimera::report::html
