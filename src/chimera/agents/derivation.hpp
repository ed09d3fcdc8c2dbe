#pragma once
// "Derived" figures: a relative change, a ratio, a difference in percentage
// points, or a plain difference, of one metric between two entities a sentence
// compares ("A is 39% faster than B", "A reached 1.28x the throughput of B").
// The figure must follow from two comparable known figures, taken in the
// sentence's roles and direction. docs/AGENTS.md, "Derived figures".

#include <string>
#include <vector>

#include "chimera/agents/claims.hpp"
#include "chimera/agents/numbers.hpp"
#include "chimera/agents/verification.hpp"

namespace chimera::agents {

// What a sentence compares.
struct Comparison {
  std::string subject;    // the entity the figure is about ("A is ... than B": A)
  std::string reference;  // the entity it is measured against (B)
  Metric metric;          // the metric the sentence names, change words left out; or unknown
  Claim claim;
};

// Fills `figure` (status, matches, formula, formula_kind) and returns true when
// the figure follows from two known figures:
//  - both of the metric the sentence names (same family, and kind when both
//    have one); for "faster"/"slower" alone, a throughput or a latency
//    (time to first token, end-to-end);
//  - of the statistic it names, or when it names none a mean, a median or a
//    figure of no stated statistic, the same for both;
//  - from comparable rows: the same group (file or table, or this run), the
//    same origin (historical or measured here), the same column or key;
//  - one about the subject, the other about the reference, neither about both;
//  - in the stated direction: higher/more/increase means a > b, lower/less
//    means a < b; faster means a higher throughput or a lower duration, slower
//    the opposite; a minus sign means lower. Without a direction only a ratio
//    ("1.28x the throughput of") is read.
// Formulas: a percent is the relative change |a - b| / |b| (or, with "points",
// the difference of two percents); "x" or "times" the ratio (a / b, or b / a
// when the stated direction makes the subject the smaller); a figure in the
// metric's own unit the difference |a - b|.
bool derive(const NumberInText& number, const Comparison& comparison,
            const std::vector<const FigureSource*>& sources, VerifiedFigure& figure);

}  // namespace chimera::agents
