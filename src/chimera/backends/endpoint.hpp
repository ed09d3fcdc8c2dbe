#pragma once
// URL handling for backends: defaults from the environment, normalisation and
// credential redaction.

#include <string>

namespace chimera::backends {

// http(s)://host[:port][/path] without a trailing slash; `ollama://` and
// `openai://` become http://, a missing scheme means http://. For "openai" an
// empty path becomes /v1.
std::string normalize_base_url(const std::string& url, const std::string& kind);
// The URL without any user:password@ part, for display and results.
std::string redact_url(const std::string& url);
// Parses OLLAMA_HOST the way Ollama itself does; exposed for tests.
std::string ollama_url_from_host(const std::string& ollama_host);

}  // namespace chimera::backends
