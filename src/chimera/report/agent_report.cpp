#include "chimera/report/agent_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "chimera/agents/profile.hpp"
#include "chimera/report/format.hpp"

namespace chimera::report {

using namespace chimera::agents;

namespace {

std::string stage_name(const AgentReportInput& input, std::size_t index) {
  if (input.agent.persona.workflow == Workflow::kSingle) return "single";
  return index == 0 ? "analysis" : "report";
}

const Expectation* expectation_for(const Profile& profile, std::string_view metric) {
  for (const auto& e : profile.expectations) {
    if (e.metric == metric) return &e;
  }
  return nullptr;
}

std::string expectation_text(const Expectation& e) {
  return fmt::format("{} {}", e.value, e.unit);
}

// The options the agent's calls sent (the profile's when no call was made).
const nlohmann::json& options_sent(const AgentReportInput& in) {
  return in.calls.empty() ? in.agent.profile.options : in.calls.front().options;
}

// "- Throughput: 41.68 tok/s (server statistics: eval_count / eval_duration) · expected
// 102.31 tok/s (not measured; read from artifact FILE, ROW; another configuration ...)"
struct MetricLine {
  std::string name;
  std::optional<double> value;
  std::string unit;
  std::string source;   // "server statistics: total_duration", "client clock, first call"
  std::string missing;  // why the value is absent: "not reported by server"
  const Expectation* expectation = nullptr;
};

std::string metric_line(const MetricLine& m, const nlohmann::json& options) {
  std::string line = "- " + m.name + ": ";
  if (m.value) {
    line += format::fixed(m.value, 2, " " + m.unit) + " (" + m.source + ")";
  } else {
    line += std::string(format::kMissing) + " (" + m.missing + ")";
  }
  if (m.expectation) {
    line += " · expected " + expectation_text(*m.expectation) + " (not measured; " +
            describe_expectation_source(*m.expectation, options) + ")";
  }
  return line + "\n";
}

std::string code_block(const std::string& text) {
  // A fence longer than any run of backticks in the text keeps it intact.
  std::size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  std::string out = fence + "\n" + text;
  if (!text.empty() && text.back() != '\n') out += '\n';
  return out + fence + "\n";
}

void render_header(std::string& out, const AgentReportInput& in) {
  const auto& agent = in.agent;
  out += "# " + agent.name + "\n\n";
  if (in.simulated) {
    out +=
        "> **SIMULATED** — Simulated run: the numbers below come from `chimera sim`, not a "
        "real model.\n\n";
  }
  out += "**Date:** " + in.date + "  \n";
  out += "**Agent Type:** " + agent.persona.agent_type + "  \n";
  out += "**Model:** " +
         (in.calls.empty() || in.calls.front().model.empty() ? agent.profile.model
                                                             : in.calls.front().model) +
         "  \n";
  const auto& sent = in.calls.empty() ? agent.profile.options : in.calls.front().options;
  out +=
      "**Configuration:** " + describe_options(sent) + " (profile " + agent.profile.name + ")  \n";
  if (!agent.endpoint.empty()) out += "**Endpoint:** " + agent.endpoint + "  \n";
  if (!agent.profile.expectations.empty()) {
    // Expectations that share a source are listed together, then the source once.
    std::string expected, pending, described;
    auto flush = [&] {
      if (pending.empty()) return;
      expected += (expected.empty() ? "" : "; ") + pending + " (" + described + ")";
      pending.clear();
    };
    for (const auto& e : agent.profile.expectations) {
      const std::string about = describe_expectation_source(e, sent);
      if (about != described) flush();
      described = about;
      pending += (pending.empty() ? "" : ", ") + e.metric + " " + expectation_text(e);
    }
    flush();
    out += "**Expected (not measured):** " + expected + "  \n";
  }
  out += "\n---\n\n";
}

void render_answer(std::string& out, const AgentReportInput& in,
                   const std::optional<AgentFailure>& failure) {
  if (failure) {
    out += "**Agent failed:** " + failure->message + "\n\n";
    out +=
        "No analysis was produced, so this report contains none: no findings, no "
        "recommendations and no figures from the model.\n";
  } else {
    out += in.calls.back().text;
    if (!in.calls.back().text.ends_with('\n')) out += '\n';
  }
  out += "\n---\n\n";
}

void render_workflow(std::string& out, const AgentReportInput& in) {
  const auto& t = in.timing;
  out += "## Workflow Summary\n\n";
  out += fmt::format("- Files analysed: {}\n", in.files_analysed);
  out += fmt::format(
      "- Execution time: {:.2f} s (ingest {:.2f} s | analysis {:.2f} s | report "
      "{:.2f} s)\n",
      t.ingest_s + t.analysis_s + t.report_s, t.ingest_s, t.analysis_s, t.report_s);
  out += "- Data summary given to the agent:\n\n" + code_block(in.data_summary) + "\n";
}

// "### Client clock": what Chimera timed on the stream itself.
void render_client_clock(std::string& out, const AgentReportInput& in, const AgentMetrics& m) {
  const auto& profile = in.agent.profile;
  const std::string no_text = m.ttft_missing.empty() ? "no text chunk arrived" : m.ttft_missing;
  out += "### Client clock\n\n";
  out += metric_line({"TTFT", m.ttft_ms, "ms", "client clock, first call", no_text,
                      expectation_for(profile, "ttft")},
                     options_sent(in));
  out += metric_line(
      {"End-to-End Duration", m.e2e_ms, "ms", "client clock, sum over the calls", no_text},
      options_sent(in));
  out += metric_line({"Throughput", m.client_throughput_tps, "tok/s",
                      "client clock: (tokens − 1) / (last text chunk − first text chunk)",
                      "no call streamed two or more tokens",
                      m.throughput_from_server ? nullptr : expectation_for(profile, "throughput")},
                     options_sent(in));
  out += "\n";
}

// "### Server statistics": what the server reported about its own work.
void render_server_statistics(std::string& out, const AgentReportInput& in, const AgentMetrics& m) {
  const auto& profile = in.agent.profile;
  const auto& options = options_sent(in);
  const std::string implausible =
      m.implausible_calls == 0
          ? ""
          : fmt::format("left out: the server's statistics were implausible in {} of {} call{}",
                        m.implausible_calls, m.calls, m.calls == 1 ? "" : "s");
  const char* absent = m.calls == 0           ? "no call was made to the model"
                       : !implausible.empty() ? implausible.c_str()
                                              : "not reported by server";
  out += "### Server statistics\n\n";
  out += metric_line({"Throughput", m.server_throughput_tps, "tok/s",
                      "server statistics: eval_count / eval_duration", absent,
                      m.throughput_from_server ? expectation_for(profile, "throughput") : nullptr},
                     options);
  out += metric_line(
      {"Total Duration", m.server_total_ms, "ms",
       "server statistics: total_duration, sum over the calls",
       m.calls > 1 && implausible.empty() ? "not reported by server for every call" : absent},
      options);
  out += fmt::format("- Tokens Generated: {} ({})\n", m.tokens_generated,
                     m.tokens_estimated
                         ? "counted by the client as text chunks where the server gave no count"
                         : "server statistics: eval_count / completion_tokens");
  out += metric_line(
      {"Prompt Eval", m.prompt_eval_ms, "ms", "server statistics: prompt_eval_duration", absent},
      options);
  out += metric_line({"Eval Duration", m.eval_ms, "ms", "server statistics: eval_duration", absent},
                     options);
  out += metric_line({"Load Duration", m.load_ms, "ms", "server statistics: load_duration", absent},
                     options);
  out += "\n";
}

void render_metrics(std::string& out, const AgentReportInput& in) {
  const AgentMetrics m = aggregate_metrics(in.calls);
  out += "## Metrics\n\n";
  out += fmt::format(
      "Over {} LLM call{}{}. Each figure names its source: the client clock (Chimera timed the "
      "stream itself), the server statistics (what the server reported about its own work) or an "
      "artifact (file and row).\n\n",
      m.calls, m.calls == 1 ? "" : "s", in.simulated ? " to the simulator" : "");
  if (const auto warning = disagreement_warning(m); !warning.empty()) {
    out += "> **Warning:** " + warning + "\n\n";
  }
  render_client_clock(out, in, m);
  render_server_statistics(out, in, m);
}

void render_list(std::string& out, const char* title, const ExtractedList& list, bool failed) {
  out += std::string("## ") + title + "\n\n";
  if (failed) {
    out += "None: the agent produced no answer.\n\n";
    return;
  }
  if (list.rule != ExtractionRule::kNone) {
    out += "_Extracted from " + describe(list.rule, list.headings) + "._\n\n";
  }
  for (const auto& item : list.items) {
    out += "- " + item.text + "\n";
    for (const auto& detail : item.details) out += "  - " + detail + "\n";
  }
  if (list.items.empty()) out += "none found\n";
  out += "\n";
}

void render_facts(std::string& out, const AgentReportInput& in) {
  out += "## Data Facts\n\n";
  if (in.facts.empty()) out += "No facts were derived from the artifacts.\n";
  for (const auto& fact : in.facts)
    out += "- " + fact.text + " (source: " + fact.provenance + ")\n";
  out += "\n";
}

void render_figure(std::string& out, const VerifiedFigure& f) {
  out += "- `" + f.text_as_written + "`";
  if (!f.metric.empty() || !f.entity.empty()) {
    out += " (" + (f.metric.empty() ? std::string("?") : f.metric) +
           (f.entity.empty() ? "" : " of " + f.entity) + ")";
  }
  out += " in: \"" + f.sentence + "\"";
  if (f.status == FigureStatus::kDerived) {
    out += "\n  - derived: " + f.formula + " (" + f.matches[0].source + "; " + f.matches[1].source +
           ")";
  } else if (!f.matches.empty()) {
    const auto& match = f.matches.front();
    std::string about;
    for (const auto& e : match.entities) about += (about.empty() ? "" : " ") + e;
    out += std::string("\n  - ") +
           (f.status == FigureStatus::kVerified ? "matches " : "belongs to ") + match.label +
           (about.empty() ? "" : " of " + about) + " (" + match.source + ")";
  } else if (!f.reason.empty()) {
    out += " (" + f.reason + ")";
  }
  out += "\n";
}

void render_verification(std::string& out, const AgentReportInput& in, bool failed) {
  const auto& v = in.verification;
  out += "## Verification\n\n";
  if (failed) {
    out += "Nothing to verify: the agent produced no answer.\n\n";
    return;
  }
  // A figure counts when the data or the measurements hold its value for the
  // subject (metric and entity) the text gives it.
  out += fmt::format(
      "- Figures in the answer: {} ({} checkable)\n- Verified: {}\n- Misattributed: {}\n"
      "- Derived: {}\n- Unverified: {}\n- Trivial: {}\n\n",
      v.total(), v.checkable(), v.verified_count(), v.count(FigureStatus::kMisattributed),
      v.count(FigureStatus::kDerived), v.unverified_count(), v.trivial_count());
  constexpr std::array<std::pair<FigureStatus, const char*>, 4> kSections{{
      {FigureStatus::kMisattributed, "Misattributed figures"},
      {FigureStatus::kUnverified, "Unverified figures"},
      {FigureStatus::kDerived, "Derived figures"},
      {FigureStatus::kVerified, "Verified figures"},
  }};
  for (const auto& [status, title] : kSections) {
    out += std::string("### ") + title + "\n\n";
    const auto figures = v.with(status);
    if (figures.empty()) out += "None.\n";
    for (const auto& f : figures) render_figure(out, f);
    out += "\n";
  }
  const auto trivial = v.trivial();
  if (!trivial.empty()) {
    // Some cell of any sizeable data set holds each of them: a match proves nothing.
    out += "### Trivial figures\n\n";
    out +=
        fmt::format("{} figure{} not checked (whole numbers below 10 without a unit, word counts):",
                    trivial.size(), trivial.size() == 1 ? "" : "s");
    for (const auto& f : trivial) out += " `" + f.text_as_written + "`";
    out += "\n\n";
  }
}

}  // namespace

std::optional<AgentFailure> agent_failure(const AgentReportInput& input) {
  if (!input.failure.empty()) return AgentFailure{"", "error", input.failure};
  if (input.calls.empty()) return AgentFailure{"", "error", "no call was made to the model."};
  for (std::size_t i = 0; i < input.calls.size(); ++i) {
    const auto& call = input.calls[i];
    const std::string stage = stage_name(input, i);
    if (call.status == measure::Status::kError) {
      const std::string kind = call.error_kind.empty() ? "error" : call.error_kind;
      return AgentFailure{
          stage, kind,
          fmt::format("the {} call failed ({}): {}", stage, kind,
                      call.error_message.empty() ? "no reason given" : call.error_message)};
    }
    if (call.status == measure::Status::kEmpty || call.output_tokens == 0) {
      return AgentFailure{stage, "empty",
                          fmt::format("the {} call returned zero tokens (status empty).", stage)};
    }
  }
  return std::nullopt;
}

std::string render_agent_report(const AgentReportInput& input) {
  const auto failure = agent_failure(input);
  std::string out;
  render_header(out, input);
  render_answer(out, input, failure);
  render_workflow(out, input);
  render_metrics(out, input);
  render_list(out, "Key Findings", input.extraction.findings, failure.has_value());
  render_list(out, "Recommendations", input.extraction.recommendations, failure.has_value());
  render_facts(out, input);
  render_verification(out, input, failure.has_value());
  out += "## Persona Prompt\n\n" + code_block(input.agent.persona.system_prompt);
  return out;
}

}  // namespace chimera::report
