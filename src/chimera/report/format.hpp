#pragma once
// Number and text formatting shared by the reporters (internal to report/).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "chimera/report/model.hpp"

namespace chimera::report::format {

// Precision that follows the magnitude: 1234, 123.4, 12.34, 0.123.
std::string number(double value);
// "–" for a missing value.
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
    "of the mean is a percentile bootstrap.";

}  // namespace chimera::report::format
