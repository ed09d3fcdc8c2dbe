#include "chimera/report/html/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "chimera/report/format.hpp"

namespace chimera::report::html {
namespace {

constexpr double kFont = 12;        // px, every chart's text
constexpr double kLineHeight = 15;  // px between wrapped label lines
constexpr double kWidth = 760;      // px, every chart's viewBox width

// Okabe & Ito (2008), "Color Universal Design": black first is left out so
// that reference lines (drawn in near-black) stay apart from the data.
constexpr const char* kColours[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                    "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
constexpr const char* kDashes[] = {"", "6 3", "2 3", "8 3 2 3"};

// Width of one UTF-8 code point starting at `c`, as a fraction of the font size.
double glyph_em(unsigned char c) {
  if (c >= 0x80) return 0.75;  // a non-ASCII code point (… ± – ×): counted wide
  if (std::string_view(" .,:;'|!il[]()").find(static_cast<char>(c)) != std::string_view::npos)
    return 0.34;
  if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '@' || c == '%') return 0.92;
  if (c >= 'A' && c <= 'Z') return 0.72;
  if (c >= '0' && c <= '9') return 0.6;
  return 0.6;
}

std::string tick_text(double value, double step) {
  int decimals = 0;  // the fewest that show the step exactly: 2.5 needs one
  while (decimals < 6 && std::abs(step * std::pow(10.0, decimals) -
                                  std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  if (std::abs(value) < step * 1e-6) value = 0;
  return fmt::format("{:.{}f}", value, decimals);
}

struct Domain {
  double low = 0, high = 1;
  std::vector<double> ticks;
  double step = 1;
};

Domain domain_of(double low, double high) {
  if (!(high > low)) {
    const double pad = low == 0 ? 1 : std::abs(low) * 0.1;
    low -= pad;
    high += pad;
  }
  Domain d;
  d.ticks = nice_ticks(low, high);
  d.step = d.ticks.size() > 1 ? d.ticks[1] - d.ticks[0] : (high - low);
  d.low = std::min(low, d.ticks.front());
  d.high = std::max(high, d.ticks.back());
  return d;
}

std::string text_element(double x, double y, std::string_view anchor, std::string_view text,
                         std::string_view extra = "") {
  return fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="{}"{}>{}</text>)", x, y, anchor,
                     extra, escape(text));
}

// A multi-line label: one <text> with a <tspan> per line, vertically centred on `y`.
std::string wrapped_label(double x, double y, const std::vector<std::string>& lines) {
  std::string out = fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="end">)", x,
                                y - (static_cast<double>(lines.size()) - 1) * kLineHeight / 2 + 4);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += fmt::format(R"(<tspan x="{:.1f}" dy="{}">{}</tspan>)", x, i == 0 ? 0 : kLineHeight,
                       escape(lines[i]));
  }
  return out + "</text>";
}

std::string svg_open(double height, std::string_view title) {
  return fmt::format(
      R"(<svg role="img" aria-label="{}" width="{:.0f}" height="{:.0f}" viewBox="0 0 {:.0f} {:.0f}">)",
      escape(title), kWidth, height, kWidth, height);
}

double widest(const std::vector<std::string>& texts) {
  double w = 0;
  for (const auto& t : texts) w = std::max(w, text_width(t, kFont));
  return w;
}

// One series as a polyline (with its name as a tooltip) and optional markers.
template <typename ScaleX, typename ScaleY>
std::string series_svg(const Series& s, const ScaleX& sx, const ScaleY& sy) {
  std::string points;
  for (const auto& p : s.points) points += fmt::format("{:.1f},{:.1f} ", sx(p.x), sy(p.y));
  const char* dash = palette_dash(s.dash.value_or(s.colour));
  std::string out = fmt::format(
      R"(<polyline class="series" points="{}" fill="none" stroke="{}" stroke-width="2"{}><title>{}</title></polyline>)",
      points, palette_colour(s.colour),
      *dash ? fmt::format(R"( stroke-dasharray="{}")", dash) : std::string(), escape(s.name));
  if (s.markers) {
    for (const auto& p : s.points)
      out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"/>)", sx(p.x), sy(p.y),
                         palette_colour(s.colour));
  }
  return out;
}

// A row's bar (from zero) or dot, with its confidence interval as whiskers.
template <typename Scale>
std::string interval_mark_svg(const IntervalRow& r, bool bars, std::size_t index, double mid,
                              const Scale& sx) {
  std::string out =
      bars
          ? fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)",
                        sx(0), mid - 8, std::max(0.0, sx(r.value) - sx(0)), 16.0, palette_colour(0))
          : fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="5" fill="{}"/>)", sx(r.value), mid,
                        palette_colour(index));
  if (r.low && r.high) {
    out += fmt::format(
        R"(<path class="ci" d="M{0:.1f} {2:.1f}H{1:.1f}M{0:.1f} {3:.1f}V{4:.1f}M{1:.1f} {3:.1f}V{4:.1f}" stroke="#1b1f24" stroke-width="1.5" fill="none"/>)",
        sx(*r.low), sx(*r.high), mid, mid - 6, mid + 6);
  }
  return out;
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

double text_width(std::string_view text, double font_px) {
  double em = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte of a code point already counted
    em += glyph_em(c);
  }
  return em * font_px;
}

std::vector<std::string> wrap_text(std::string_view text, double font_px, double max_px) {
  std::vector<std::string> lines;
  std::string line;
  auto push_word = [&](std::string word) {
    while (text_width(word, font_px) > max_px && word.size() > 1) {
      // Cut the word where it stops fitting (at a code-point boundary).
      std::size_t cut = 1;
      while (cut < word.size() && text_width(word.substr(0, cut + 1), font_px) <= max_px) ++cut;
      while (cut > 1 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) --cut;
      if (!line.empty()) lines.push_back(std::move(line));
      lines.push_back(word.substr(0, cut));
      line.clear();
      word = word.substr(cut);
    }
    const std::string joined = line.empty() ? word : line + " " + word;
    if (!line.empty() && text_width(joined, font_px) > max_px) {
      lines.push_back(std::move(line));
      line = std::move(word);
    } else {
      line = joined;
    }
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto space = text.find(' ', start);
    const auto end = space == std::string_view::npos ? text.size() : space;
    if (end > start) push_word(std::string(text.substr(start, end - start)));
    start = end + 1;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

const char* palette_colour(std::size_t index) {
  return kColours[index % std::size(kColours)];
}

const char* palette_dash(std::size_t index) {
  return kDashes[(index / std::size(kColours)) % std::size(kDashes)];
}

std::vector<double> nice_ticks(double low, double high, int count) {
  if (!(high > low) || !std::isfinite(low) || !std::isfinite(high)) return {low};
  const double raw = (high - low) / std::max(1, count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  const double first = std::floor(low / step + 1e-9) * step;
  for (double t = first; t <= high + step * (1 - 1e-9); t += step) ticks.push_back(t);
  return ticks;
}

std::string line_chart_svg(const LineChart& chart) {
  double x_low = INFINITY, x_high = -INFINITY, y_low = INFINITY, y_high = -INFINITY;
  for (const auto& s : chart.series) {
    for (const auto& p : s.points) {
      x_low = std::min(x_low, p.x), x_high = std::max(x_high, p.x);
      y_low = std::min(y_low, p.y), y_high = std::max(y_high, p.y);
    }
  }
  if (!std::isfinite(x_low)) return {};
  for (const auto& l : chart.lines) y_high = std::max(y_high, l.y), y_low = std::min(y_low, l.y);
  const Domain xd = domain_of(chart.x_from_zero ? std::min(0.0, x_low) : x_low, x_high);
  const Domain yd = chart.y_is_fraction ? domain_of(0, 1) : domain_of(std::min(0.0, y_low), y_high);

  std::vector<std::string> y_labels, x_labels;
  for (double t : yd.ticks)
    y_labels.push_back(chart.y_is_fraction ? fmt::format("{:.0f}%", t * 100)
                                           : tick_text(t, yd.step));
  for (double t : xd.ticks) x_labels.push_back(tick_text(t, xd.step));
  const double left = widest(y_labels) + 34, right = widest({x_labels.back()}) / 2 + 16;
  const double top = 12, plot_h = 280, height = top + plot_h + 50;
  const double plot_w = kWidth - left - right;
  auto sx = [&](double x) { return left + (x - xd.low) / (xd.high - xd.low) * plot_w; };
  auto sy = [&](double y) { return top + plot_h - (y - yd.low) / (yd.high - yd.low) * plot_h; };

  std::ostringstream svg;
  svg << svg_open(height, chart.title);
  svg << R"(<g class="grid" stroke="#d0d7de" stroke-width="1">)";
  for (double t : yd.ticks)
    svg << fmt::format(R"(<path d="M{:.1f} {:.1f}H{:.1f}"/>)", left, sy(t), left + plot_w);
  for (double t : xd.ticks)
    svg << fmt::format(R"(<path d="M{:.1f} {:.1f}V{:.1f}"/>)", sx(t), top, top + plot_h);
  svg << "</g>";
  for (std::size_t i = 0; i < yd.ticks.size(); ++i)
    svg << text_element(left - 6, sy(yd.ticks[i]) + 4, "end", y_labels[i]);
  for (std::size_t i = 0; i < xd.ticks.size(); ++i)
    svg << text_element(sx(xd.ticks[i]), top + plot_h + 16, "middle", x_labels[i]);
  svg << text_element(left + plot_w / 2, top + plot_h + 38, "middle", chart.x_title);
  const double yc = top + plot_h / 2;
  svg << text_element(14, yc, "middle", chart.y_title,
                      fmt::format(R"x( transform="rotate(-90 14 {:.1f})")x", yc));
  for (const auto& l : chart.lines) {
    svg << fmt::format(
        R"(<path class="reference" d="M{:.1f} {:.1f}H{:.1f}" stroke="#1b1f24" stroke-width="1.5" stroke-dasharray="4 4"/>)",
        left, sy(l.y), left + plot_w);
    svg << text_element(left + plot_w - 4, sy(l.y) - 5, "end", l.label);
  }
  for (const auto& s : chart.series) svg << series_svg(s, sx, sy);
  svg << "</svg>";
  return svg.str();
}

std::string interval_chart_svg(const IntervalChart& chart) {
  if (chart.rows.empty()) return {};
  constexpr double kMaxLabel = 300;
  double low = 0, high = 0;
  std::vector<std::vector<std::string>> labels;
  std::vector<std::string> values;
  double label_w = 0;
  if (!chart.bars) high = std::max(high, chart.reference);
  for (const auto& r : chart.rows) {
    low = std::min({low, r.value, r.low.value_or(r.value)});
    high = std::max({high, r.value, r.high.value_or(r.value)});
    labels.push_back(wrap_text(r.label, kFont, kMaxLabel));
    label_w = std::max(label_w, widest(labels.back()));
    values.push_back(format::number(r.value));
  }
  const Domain d = domain_of(low, high);
  std::vector<std::string> tick_labels;
  for (double t : d.ticks) tick_labels.push_back(tick_text(t, d.step));
  const double left = std::max(label_w + 14, widest({tick_labels.front()}) / 2 + 4);
  const double right = std::max(widest(values), widest({tick_labels.back()}) / 2) + 16, top = 8;
  const double plot_w = kWidth - left - right;
  std::vector<double> row_top;
  double y = top;
  for (const auto& l : labels) {
    row_top.push_back(y);
    y += std::max(28.0, static_cast<double>(l.size()) * kLineHeight + 10);
  }
  const double plot_bottom = y, height = plot_bottom + 50;
  auto sx = [&](double v) { return left + (v - d.low) / (d.high - d.low) * plot_w; };

  std::ostringstream svg;
  svg << svg_open(height, chart.title);
  svg << R"(<g class="grid" stroke="#d0d7de" stroke-width="1">)";
  for (double t : d.ticks)
    svg << fmt::format(R"(<path d="M{:.1f} {:.1f}V{:.1f}"/>)", sx(t), top, plot_bottom);
  svg << "</g>";
  if (!chart.bars)
    svg << fmt::format(
        R"(<path d="M{0:.1f} {1:.1f}V{2:.1f}" stroke="#1b1f24" stroke-width="1.5"/>)",
        sx(chart.reference), top, plot_bottom);
  for (std::size_t i = 0; i < chart.rows.size(); ++i) {
    const auto& r = chart.rows[i];
    const double row_h = (i + 1 < row_top.size() ? row_top[i + 1] : plot_bottom) - row_top[i];
    const double mid = row_top[i] + row_h / 2;
    svg << wrapped_label(left - 8, mid, labels[i]);
    svg << interval_mark_svg(r, chart.bars, i, mid, sx);
    svg << text_element(sx(std::max(r.value, r.high.value_or(r.value))) + 6, mid + 4, "start",
                        values[i]);
  }
  for (std::size_t i = 0; i < d.ticks.size(); ++i)
    svg << text_element(sx(d.ticks[i]), plot_bottom + 16, "middle", tick_labels[i]);
  svg << text_element(left + plot_w / 2, plot_bottom + 38, "middle", chart.x_title);
  svg << "</svg>";
  return svg.str();
}

namespace {

// Isolated and concurrent in two Okabe–Ito colours; warm-ups grey and hatched,
// so they read apart in print too.
struct BarLook {
  const char* name;
  const char* fill;
};
constexpr BarLook kBarLooks[] = {{"isolated baseline", "#56B4E9"},
                                 {"concurrent", "#E69F00"},
                                 {"warm-up (not timed)", "url(#warmup-hatch)"}};
constexpr const char* kHatch =
    R"svg(<defs><pattern id="warmup-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e6e6e6"/><path d="M0 0V6" stroke="#6e7781" stroke-width="2"/></pattern></defs>)svg";
constexpr double kLane = 26;  // px per lane line

// Where everything of a timeline goes: the time axis, the lanes' wrapped
// labels and their tops, the plot's edges.
struct TimelineLayout {
  Domain d;
  std::vector<std::vector<std::string>> labels;
  std::vector<std::string> ticks;
  std::vector<double> lane_top;
  double left = 0, plot_w = 0, top = 40, bottom = 0, height = 0;

  double sx(double v) const { return left + (v - d.low) / (d.high - d.low) * plot_w; }
  double lane_height(std::size_t lane) const {
    return (lane + 1 < lane_top.size() ? lane_top[lane + 1] : bottom) - lane_top[lane];
  }
};

TimelineLayout timeline_layout(const TimelineChart& chart) {
  double high = 0;
  for (const auto& b : chart.bars) high = std::max(high, b.end);
  for (const auto& b : chart.bands) high = std::max(high, b.end);
  TimelineLayout l;
  l.d = domain_of(0, high);
  double label_w = 0;
  for (const auto& lane : chart.lanes) {
    l.labels.push_back(wrap_text(lane, kFont, 220));
    label_w = std::max(label_w, widest(l.labels.back()));
  }
  for (double t : l.d.ticks) l.ticks.push_back(tick_text(t, l.d.step));
  l.left = std::max(label_w + 14, widest({l.ticks.front()}) / 2 + 4);
  const double right = widest({l.ticks.back()}) / 2 + 16;
  l.plot_w = kWidth - l.left - right;
  double y = l.top;
  for (const auto& label : l.labels) {
    l.lane_top.push_back(y);
    y += std::max(kLane, static_cast<double>(label.size()) * kLineHeight + 8);
  }
  l.bottom = y;
  l.height = l.bottom + 50;
  return l;
}

// Each band's name starts at its left edge, on the first of two rows where
// it does not run into the name before it, and never past the chart's edge.
void timeline_bands(std::ostringstream& svg, const TimelineChart& chart, const TimelineLayout& l) {
  double row_end[2] = {0, 0};
  for (const auto& band : chart.bands) {
    svg << fmt::format(
        R"(<rect class="band" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#f6f8fa" stroke="#d0d7de"/>)",
        l.sx(band.start), l.top - 4, std::max(1.0, l.sx(band.end) - l.sx(band.start)),
        l.bottom - l.top + 4);
    const double w = text_width(band.label, kFont);
    const double x = std::min(l.sx(band.start) + 3, kWidth - 4 - w);
    const int row = x >= row_end[0] + 6 ? 0 : 1;
    row_end[row] = x + w;
    svg << text_element(x, l.top - (row == 0 ? 9 : 24), "start", band.label);
  }
}

// One rectangle per call in its lane's middle; a failed call outlined in vermilion.
void timeline_bars(std::ostringstream& svg, const TimelineChart& chart, const TimelineLayout& l) {
  for (const auto& b : chart.bars) {
    if (b.lane >= l.lane_top.size()) continue;
    const double mid = l.lane_top[b.lane] + l.lane_height(b.lane) / 2;
    const double h = b.style == BarStyle::kWarmup ? 10 : 16;
    svg << fmt::format(
        R"(<rect class="call" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"{}><title>{}</title></rect>)",
        l.sx(b.start), mid - h / 2, std::max(1.5, l.sx(b.end) - l.sx(b.start)), h,
        kBarLooks[static_cast<int>(b.style)].fill,
        b.failed ? R"( stroke="#D55E00" stroke-width="2.5")"
                 : R"( stroke="#1b1f24" stroke-width="0.5")",
        escape(b.tooltip));
  }
}

}  // namespace

std::string timeline_svg(const TimelineChart& chart) {
  if (chart.bars.empty()) return {};
  const TimelineLayout l = timeline_layout(chart);
  std::ostringstream svg;
  svg << svg_open(l.height, chart.title) << kHatch;
  timeline_bands(svg, chart, l);
  svg << R"(<g class="grid" stroke="#d0d7de" stroke-width="1">)";
  for (double t : l.d.ticks)
    svg << fmt::format(R"(<path d="M{:.1f} {:.1f}V{:.1f}"/>)", l.sx(t), l.top, l.bottom);
  svg << "</g>";
  for (std::size_t i = 0; i < l.labels.size(); ++i) {
    svg << wrapped_label(l.left - 8, l.lane_top[i] + l.lane_height(i) / 2, l.labels[i]);
  }
  timeline_bars(svg, chart, l);
  for (std::size_t i = 0; i < l.d.ticks.size(); ++i)
    svg << text_element(l.sx(l.d.ticks[i]), l.bottom + 16, "middle", l.ticks[i]);
  svg << text_element(l.left + l.plot_w / 2, l.bottom + 38, "middle", chart.x_title);
  svg << "</svg>";
  return svg.str();
}

std::string timeline_legend_html() {
  std::string out = R"(<ul class="legend">)";
  for (const auto& look : kBarLooks) {
    out += fmt::format(
        R"(<li><svg width="28" height="14" aria-hidden="true">{}<rect x="1" y="1" width="26" height="12" fill="{}" stroke="#1b1f24" stroke-width="0.5"/></svg> {}</li>)",
        kHatch, look.fill, escape(look.name));
  }
  return out +
         R"(<li><svg width="28" height="14" aria-hidden="true"><rect x="2" y="2" width="24" height="10" fill="none" stroke="#D55E00" stroke-width="2.5"/></svg> failed or empty</li></ul>)";
}

std::string legend_html(const std::vector<Series>& series) {
  std::string out = R"(<ul class="legend">)";
  for (const auto& s : series) {
    const char* dash = palette_dash(s.dash.value_or(s.colour));
    out += fmt::format(
        R"(<li><svg width="28" height="10" aria-hidden="true"><path d="M1 5H27" stroke="{}" stroke-width="3"{}/></svg> {}</li>)",
        palette_colour(s.colour),
        *dash ? fmt::format(R"( stroke-dasharray="{}")", dash) : std::string(), escape(s.name));
  }
  return out + "</ul>";
}

}  // namespace chimera::report::html
