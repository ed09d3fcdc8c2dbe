#include "chimera/report/outputs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "chimera/util/file_error.hpp"

namespace chimera::report {
namespace {

std::optional<std::string> format_from_extension(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext == ".md" || ext == ".markdown") return "md";
  if (ext == ".csv") return "csv";
  if (ext == ".json") return "json";
  if (ext == ".jsonl" || ext == ".ndjson") return "jsonl";
  if (ext == ".html" || ext == ".htm") return "html";
  if (ext == ".txt") return "console";
  return std::nullopt;
}

std::unexpected<Failure> export_failure(const std::string& path, const std::string& reason) {
  return fail(FailureKind::kIo, fmt::format("Could not create export file '{}': {}", path, reason));
}

}  // namespace

Expected<OutputSpec> parse_output_spec(const std::string& spec) {
  if (const auto colon = spec.find(':'); colon != std::string::npos && colon > 0) {
    const auto name = spec.substr(0, colon);
    if (auto reporter = make_reporter(name)) {
      const auto path = spec.substr(colon + 1);
      if (path.empty()) {
        return fail(FailureKind::kInvalidInput,
                    fmt::format("--output '{}' names no file after '{}:'", spec, name));
      }
      return OutputSpec{std::string((*reporter)->format()), path};
    }
  }
  if (auto format = format_from_extension(spec)) return OutputSpec{*format, spec};
  return fail(FailureKind::kInvalidInput,
              fmt::format("cannot tell the format of '{}' from its extension; use an extension "
                          "(.md .csv .json .jsonl .html .txt) or write FORMAT:FILE with FORMAT one "
                          "of: {}",
                          spec, fmt::join(reporter_formats(), ", ")));
}

Expected<void> write_file_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const auto dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (fs::is_directory(target, ec)) return export_failure(path, "it is a directory");
  const auto temp = dir / fmt::format(".{}.tmp-{}", target.filename().string(), getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return export_failure(path, write_error_text(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (out) out.close();
    if (!out) {
      const std::string reason = write_error_text(errno);
      fs::remove(temp, ec);
      return export_failure(path, reason);
    }
  }
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    return export_failure(path, ec.message());
  }
  return {};
}

namespace {

Expected<void> write_output(const BenchReport& report, const RequestSource& requests,
                            const std::string& spec) {
  auto parsed = parse_output_spec(spec);
  if (!parsed) return std::unexpected(parsed.error());
  auto reporter = make_reporter(parsed->format);
  if (!reporter) return std::unexpected(reporter.error());
  std::ostringstream text;
  if (auto written = (*reporter)->write(report, requests, text); !written) {
    return export_failure(parsed->path, written.error().message);
  }
  return write_file_atomically(parsed->path, text.str());
}

}  // namespace

Expected<void> write_outputs(const BenchReport& report, const RequestSource& requests,
                             const std::vector<std::string>& specs) {
  std::vector<std::string> failures;
  auto kind = FailureKind::kIo;
  for (const auto& spec : specs) {
    if (auto written = write_output(report, requests, spec); !written) {
      kind = written.error().kind;
      failures.push_back(written.error().message);
    }
  }
  if (failures.empty()) return {};
  return fail(kind, fmt::format("{}", fmt::join(failures, "\n")));
}

}  // namespace chimera::report
