// `chimera doctor [URL...]`: is each endpoint reachable, which version, which
// models, how many layers — and a verdict that says what to do next.

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "chimera/backends/backend.hpp"
#include "chimera/cli/bench_options.hpp"
#include "chimera/cli/commands.hpp"
#include "chimera/util/error.hpp"
#include "chimera/util/json_text.hpp"
#include "chimera/util/terminal.hpp"

namespace chimera::cli {
namespace {

struct DoctorOptions {
  std::vector<std::string> urls;
  std::string backend;
  std::vector<std::string> models;
  // The limits of the blocking calls a check makes (version, models, show).
  TimeoutFlags timeouts = TimeoutFlags::from(backends::BackendOptions{}.call_timeouts);
  std::size_t max_line_bytes = std::size_t{1} << 20;
};

struct CheckedModel {
  std::string name;
  bool present = false;
  std::optional<int> layers;
  std::string message;
};

struct EndpointReport {
  std::string url;
  std::string backend;
  bool reachable = false;
  double latency_ms = 0;
  std::string version;
  std::vector<backends::ModelInfo> models;
  std::vector<CheckedModel> checked;
  std::string verdict;  // ok | unreachable | model_missing | error
  std::string message;
};

EndpointReport check_endpoint(const std::string& url, const DoctorOptions& options) {
  EndpointReport report;
  backends::BackendOptions bo;
  bo.kind = options.backend;
  bo.url = url;
  bo.call_timeouts = options.timeouts.to_timeouts();
  bo.max_line_bytes = options.max_line_bytes;
  auto made = backends::make_backend(bo);
  if (!made) {
    report.url = url;
    report.verdict = "error";
    report.message = made.error().message;
    return report;
  }
  auto& backend = **made;
  report.url = backend.endpoint();
  report.backend = backend.kind();

  const auto start = std::chrono::steady_clock::now();
  auto info = backend.server_info();
  report.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!info) {
    const bool unreachable =
        info.error().kind == FailureKind::kConnect || info.error().kind == FailureKind::kTimeout;
    report.verdict = unreachable ? "unreachable" : "error";
    report.message = info.error().message;
    return report;
  }
  report.reachable = true;
  report.version = info->version;
  report.models = std::move(info->models);
  // Layer counts come from one /api/show per model (Ollama only).
  if (report.backend == "ollama") {
    for (auto& model : report.models) {
      if (auto shown = backend.show(model.name)) model.layers = shown->layers;
    }
  }
  report.verdict = "ok";
  for (const auto& name : options.models) {
    CheckedModel checked{name, false, std::nullopt, ""};
    auto shown = backend.show(name);
    if (shown) {
      checked.present = true;
      checked.layers = shown->layers;
    } else {
      checked.message = shown.error().message;
      if (shown.error().kind == FailureKind::kNotFound) {
        if (report.verdict == "ok") report.verdict = "model_missing";
      } else {
        report.verdict = "error";
      }
      if (report.message.empty()) report.message = checked.message;
    }
    report.checked.push_back(std::move(checked));
  }
  return report;
}

nlohmann::json to_json(const EndpointReport& r) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : r.models) {
    models.push_back({{"name", m.name},
                      {"family", m.family},
                      {"parameter_size", m.parameter_size},
                      {"quantization", m.quantization},
                      {"size_bytes", m.size_bytes},
                      {"layers", m.layers ? nlohmann::json(*m.layers) : nlohmann::json()}});
  }
  nlohmann::json checked = nlohmann::json::array();
  for (const auto& c : r.checked) {
    checked.push_back({{"name", c.name},
                       {"present", c.present},
                       {"layers", c.layers ? nlohmann::json(*c.layers) : nlohmann::json()},
                       {"message", c.message}});
  }
  return {{"url", r.url},
          {"backend", r.backend},
          {"reachable", r.reachable},
          {"latency_ms", r.reachable ? nlohmann::json(r.latency_ms) : nlohmann::json()},
          {"version", r.version},
          {"models", models},
          {"checked_models", checked},
          {"verdict", r.verdict},
          {"message", r.message}};
}

std::string layers_text(const std::optional<int>& layers) {
  return layers ? fmt::format("{} layers", *layers) : std::string("layers unknown");
}

void print_text(const EndpointReport& r) {
  std::string out = term::bold(r.url);
  if (!r.backend.empty()) out += fmt::format(" ({})", r.backend);
  out += "\n";
  if (r.reachable) {
    out += fmt::format("  reachable  yes, probe took {:.1f} ms (version + model list)\n",
                       r.latency_ms);
    out += fmt::format("  version    {}\n", r.version.empty() ? "(not reported)" : r.version);
    out += fmt::format("  models     {}\n", r.models.size());
    for (const auto& m : r.models) {
      out += fmt::format("    {:<32} {:<10} {:<8} {:<8} {}\n", m.name, m.family, m.parameter_size,
                         m.quantization, m.layers ? layers_text(m.layers) : "");
    }
    for (const auto& c : r.checked) {
      out += c.present
                 ? fmt::format("  model      {}: present, {}\n", c.name, layers_text(c.layers))
                 : fmt::format("  model      {}: {}\n", c.name, c.message);
    }
  } else {
    out += "  reachable  no\n";
  }
  if (r.verdict == "ok") {
    out += fmt::format("  verdict    {}\n", term::green("OK"));
  } else if (r.verdict == "unreachable") {
    out += fmt::format("  verdict    {}: {}\n", term::red("UNREACHABLE"), r.message);
  } else if (r.verdict == "model_missing") {
    out += fmt::format("  verdict    {}: {}\n", term::yellow("MODEL MISSING"), r.message);
  } else {
    out += fmt::format("  verdict    {}: {}\n", term::red("ERROR"), r.message);
  }
  std::fputs(out.c_str(), stdout);
}

}  // namespace

Command add_doctor_command(CLI::App& root, const GlobalOptions& globals) {
  auto options = std::make_shared<DoctorOptions>();
  auto* app =
      root.add_subcommand("doctor", "Check endpoints: reachable, version, models, layer counts");
  app->add_option("urls", options->urls,
                  "Endpoints to check (default: OLLAMA_HOST or http://localhost:11434; "
                  "OPENAI_BASE_URL with --backend openai)");
  app->add_option("--backend", options->backend,
                  "ollama or openai (default: inferred from each URL)")
      ->check(CLI::IsMember({"ollama", "openai"}));
  app->add_option("--model", options->models,
                  "Check that this model is present and report its layer count (repeatable; "
                  "one name per --model, so a URL after it stays an endpoint)")
      ->expected(1)
      ->allow_extra_args(false)
      ->take_all();
  add_timeout_options(*app, options->timeouts, "call");
  add_max_line_bytes_option(*app, options->max_line_bytes);
  app->footer(
      "Verdicts: OK, UNREACHABLE (with how to start the server), MODEL MISSING (with the pull "
      "command), ERROR.\nExit code 0 when every endpoint is OK, 1 otherwise.");
  return Command{app, [options, &globals] {
                   std::vector<std::string> urls = options->urls;
                   if (urls.empty()) urls.push_back("");  // the backend's default endpoint
                   nlohmann::json all = nlohmann::json::array();
                   bool all_ok = true;
                   for (const auto& url : urls) {
                     const auto report = check_endpoint(url, *options);
                     all_ok = all_ok && report.verdict == "ok";
                     if (globals.json) {
                       all.push_back(to_json(report));
                     } else {
                       print_text(report);
                     }
                   }
                   if (globals.json) {
                     const nlohmann::json out{{"ok", all_ok}, {"endpoints", all}};
                     std::fputs((dump_json(out, 2) + "\n").c_str(), stdout);
                   }
                   return all_ok ? static_cast<int>(kExitOk) : static_cast<int>(kExitFatal);
                 }};
}

}  // namespace chimera::cli
