#pragma once
// Secrets (API keys, header values) must never reach a stored, exported or
// printed message, even when a server echoes them back in an error body.

#include <string>
#include <string_view>
#include <vector>

namespace chimera::util {

inline constexpr std::string_view kRedacted = "[redacted]";

// Every occurrence of every secret in `text` becomes "[redacted]". Secrets
// shorter than 4 bytes are ignored: they would redact ordinary words.
std::string redact(std::string text, const std::vector<std::string>& secrets);

// The secrets carried by request headers ("Name: value"): every value except
// those of headers that never hold one (Content-Type, Accept, User-Agent, ...);
// for "Authorization: Bearer KEY" both the value and KEY.
std::vector<std::string> header_secrets(const std::vector<std::string>& headers);

}  // namespace chimera::util
