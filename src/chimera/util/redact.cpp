#include "chimera/util/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace chimera::util {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  constexpr std::size_t kShortest = 4;
  // Longest first, so a secret that contains another is replaced whole.
  std::vector<std::string_view> ordered(secrets.begin(), secrets.end());
  std::sort(ordered.begin(), ordered.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (std::string_view secret : ordered) {
    if (secret.size() < kShortest) continue;
    for (auto at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
  return text;
}

std::vector<std::string> header_secrets(const std::vector<std::string>& headers) {
  static constexpr std::array<std::string_view, 7> kPlain = {
      "content-type", "accept", "user-agent", "expect", "content-length", "connection", "host"};
  std::vector<std::string> secrets;
  for (const auto& header : headers) {
    const auto colon = header.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(trim(std::string_view(header).substr(0, colon)));
    if (std::find(kPlain.begin(), kPlain.end(), name) != kPlain.end()) continue;
    const std::string_view value = trim(std::string_view(header).substr(colon + 1));
    if (value.empty()) continue;
    secrets.emplace_back(value);
    // "Bearer KEY", "Basic KEY", "Token KEY": the credential alone too.
    if (const auto space = value.find(' '); space != std::string_view::npos) {
      const std::string_view credential = trim(value.substr(space + 1));
      if (!credential.empty()) secrets.emplace_back(credential);
    }
  }
  return secrets;
}

}  // namespace chimera::util
