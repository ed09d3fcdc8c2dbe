#pragma once
// The one formatting module for numbers, units and missing values: every
// renderer (reporters, combined and agent reports, comparisons, rankings)
// formats through it, so a missing value reads the same everywhere.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "chimera/report/model.hpp"

namespace chimera::report::format {

// A value that was not measured or not reported.
inline constexpr const char* kMissing = "n/a";

// Fixed decimals with an optional unit suffix ("12.3 ms"); kMissing when absent.
std::string fixed(const std::optional<double>& value, int decimals, std::string_view unit = "");
// A fraction as a signed percentage ("+12.3%"); kMissing when absent.
std::string signed_percent(const std::optional<double>& fraction, int decimals = 1);

// Precision that follows the magnitude: 1234, 123.4, 12.34, 0.123.
std::string number(double value);
// kMissing for a missing value.
std::string number(const std::optional<double>& value);
std::string percent(const std::optional<double>& fraction);
std::string mean_sd(const stats::Summary& s);             // "123.4 ± 5.6"
std::string min_max(const stats::Summary& s);             // "110.2 … 140.1"
std::string ci(const stats::Summary& s);                  // "[120.1, 126.0]"
std::string metric_title(Metric metric);                  // "TTFT (ms)"
std::string options_text(const nlohmann::json& options);  // "num_ctx=1024 temperature=0.8"
std::string counts_text(const RequestCounts& counts);
// The configuration's display name: its label, else its options, else its model.
std::string display_name(const ConfigurationResult& c);

inline constexpr const char* kProvenance =
    "All figures were measured by Chimera: client-side metrics on the client's monotonic "
    "clock; load, prompt eval, eval and total as reported by the server.";
inline constexpr const char* kSimulatedNote =
    "SIMULATED: these results come from `chimera sim`, not from a real inference server.";
inline constexpr const char* kPercentileNote =
    "Percentiles interpolate linearly between closest ranks (Hyndman–Fan type 7); the 95% CI "
    "of the mean is a percentile bootstrap up to 5,000 values and Student's t above.";

}  // namespace chimera::report::format
