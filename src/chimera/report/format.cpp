#include "chimera/report/format.hpp"

#include <fmt/format.h>

#include <cmath>

#include "chimera/util/json_text.hpp"

namespace chimera::report::format {

std::string fixed(const std::optional<double>& value, int decimals, std::string_view unit) {
  return value ? fmt::format("{:.{}f}{}", *value, decimals, unit) : kMissing;
}

std::string signed_percent(const std::optional<double>& fraction, int decimals) {
  return fraction ? fmt::format("{:+.{}f}%", *fraction * 100.0, decimals) : kMissing;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  const double a = std::abs(v);
  if (a >= 1000) return fmt::format("{:.0f}", v);
  if (a >= 100) return fmt::format("{:.1f}", v);
  if (a >= 1) return fmt::format("{:.2f}", v);
  if (a == 0) return "0";
  return fmt::format("{:.3g}", v);
}

std::string number(const std::optional<double>& v) {
  return v ? number(*v) : kMissing;
}

std::string percent(const std::optional<double>& fraction) {
  return fraction ? fmt::format("{:.1f}%", *fraction * 100.0) : kMissing;
}

std::string mean_sd(const stats::Summary& s) {
  if (!s.mean) return kMissing;
  if (!s.sd) return number(*s.mean);
  return fmt::format("{} ± {}", number(*s.mean), number(*s.sd));
}

std::string min_max(const stats::Summary& s) {
  if (!s.min) return kMissing;
  return fmt::format("{} … {}", number(*s.min), number(*s.max));
}

std::string ci(const stats::Summary& s) {
  if (!s.ci95_low) return kMissing;
  return fmt::format("[{}, {}]", number(*s.ci95_low), number(*s.ci95_high));
}

std::string metric_title(Metric metric) {
  const auto& info = metric_info(metric);
  return fmt::format("{} ({})", info.title, info.unit);
}

std::string options_text(const nlohmann::json& options) {
  if (!options.is_object() || options.empty()) return "server defaults";
  std::string out;
  for (const auto& [key, value] : options.items()) {
    if (!out.empty()) out += ' ';
    out +=
        fmt::format("{}={}", key, value.is_string() ? value.get<std::string>() : dump_json(value));
  }
  return out;
}

std::string counts_text(const RequestCounts& k) {
  return fmt::format("{} measured ({} ok, {} empty, {} error), {} warm-up, {} cold",
                     k.total - k.warmup, k.ok, k.empty, k.error, k.warmup, k.cold);
}

namespace {
std::string plain_name(const ConfigurationResult& c) {
  if (!c.label.empty()) return c.label;
  if (c.options.is_object() && !c.options.empty()) return options_text(c.options);
  return c.model.empty() ? c.key : c.model;
}
}  // namespace

std::string display_name(const ConfigurationResult& c) {
  return c.finished ? plain_name(c) : plain_name(c) + " (unfinished: interrupted)";
}

}  // namespace chimera::report::format
