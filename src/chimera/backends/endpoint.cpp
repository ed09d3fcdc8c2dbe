#include "chimera/backends/endpoint.hpp"

#include <cstdlib>
#include <string_view>

#include "chimera/backends/backend.hpp"

namespace chimera::backends {
namespace {

struct UrlParts {
  std::string scheme;  // without "://"; empty when absent
  std::string authority;
  std::string path;  // with leading '/', or empty
};

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  if (const auto sep = url.find("://"); sep != std::string_view::npos) {
    parts.scheme = std::string(url.substr(0, sep));
    url.remove_prefix(sep + 3);
  }
  const auto slash = url.find('/');
  parts.authority = std::string(url.substr(0, slash));
  if (slash != std::string_view::npos) parts.path = std::string(url.substr(slash));
  while (!parts.path.empty() && parts.path.back() == '/') parts.path.pop_back();
  return parts;
}

std::string port_of(const std::string& authority) {
  const auto at = authority.rfind('@');
  const std::string host = at == std::string::npos ? authority : authority.substr(at + 1);
  const auto bracket = host.rfind(']');
  const auto colon = host.rfind(':');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) return "";
  return host.substr(colon + 1);
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

std::string normalize_base_url(const std::string& url, const std::string& kind) {
  UrlParts parts = split_url(trim(url));
  if (parts.scheme.empty() || parts.scheme == "ollama" || parts.scheme == "openai") {
    parts.scheme = "http";
  }
  if (kind == "openai" && parts.path.empty()) parts.path = "/v1";
  return parts.scheme + "://" + parts.authority + parts.path;
}

std::string redact_url(const std::string& url) {
  UrlParts parts = split_url(url);
  if (const auto at = parts.authority.rfind('@'); at != std::string::npos) {
    parts.authority = parts.authority.substr(at + 1);
  }
  return (parts.scheme.empty() ? "" : parts.scheme + "://") + parts.authority + parts.path;
}

// Mirrors Ollama's envconfig.Host(): scheme optional (http), a bare host gets
// port 11434, an explicit http:// or https:// without a port gets 80 or 443.
std::string ollama_url_from_host(const std::string& ollama_host) {
  std::string value = trim(ollama_host);
  if (value.empty()) return "http://localhost:11434";
  std::string scheme = "http";
  std::string default_port = "11434";
  if (const auto sep = value.find("://"); sep != std::string::npos) {
    scheme = value.substr(0, sep);
    value = value.substr(sep + 3);
    if (scheme == "http") default_port = "80";
    if (scheme == "https") default_port = "443";
  }
  const auto slash = value.find('/');
  std::string hostport = value.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : value.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string host = hostport;
  std::string port = port_of(hostport);
  if (!port.empty()) {
    host = hostport.substr(0, hostport.size() - port.size() - 1);
  } else {
    port = default_port;
  }
  if (host.empty()) host = "127.0.0.1";
  return scheme + "://" + host + ":" + port + path;
}

std::string default_ollama_url() {
  return ollama_url_from_host(env("OLLAMA_HOST"));
}

std::string default_openai_url() {
  const std::string base = env("OPENAI_BASE_URL");
  return base.empty() ? "http://localhost:8000/v1" : normalize_base_url(base, "openai");
}

std::string infer_kind(const std::string& url) {
  const UrlParts parts = split_url(trim(url));
  if (parts.scheme == "openai") return "openai";
  if (parts.scheme == "ollama") return "ollama";
  if (parts.path == "/v1" || parts.path.starts_with("/v1/")) return "openai";
  const std::string port = port_of(parts.authority);
  if (port == "8000" || port == "8080" || port == "1234") return "openai";
  return "ollama";
}

}  // namespace chimera::backends
