#include "chimera/orchestrate/common/files.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>

#include "chimera/util/error.hpp"
#include "chimera/util/file_error.hpp"

namespace chimera::orchestrate {

void write_text(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary);
    if (out) out << text;
    if (out) out.close();
    if (!out) {
      const auto reason = write_error_text(errno);
      std::filesystem::remove(tmp, ec);  // never leave a partial temporary file
      throw Error(fmt::format("Could not write '{}': {}", path.string(), reason));
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    const auto reason = ec.message();
    std::filesystem::remove(tmp, ec);
    throw Error(fmt::format("Could not write '{}': {}", path.string(), reason));
  }
}

void make_directory(const std::filesystem::path& dir, const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("Could not create {}'{}': {}", what, dir.string(), ec.message()));
}

std::string utc_date() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::string file_safe(const std::string& name) {
  std::string out;
  for (char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

}  // namespace chimera::orchestrate
