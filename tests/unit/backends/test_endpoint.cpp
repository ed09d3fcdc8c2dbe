#include <gtest/gtest.h>

#include "chimera/backends/backend.hpp"
#include "chimera/backends/endpoint.hpp"
#include "chimera/backends/generation.hpp"

namespace chimera::backends {
namespace {

TEST(Endpoint, OllamaHostIsReadTheWayOllamaReadsIt) {
  EXPECT_EQ(ollama_url_from_host(""), "http://localhost:11434");
  EXPECT_EQ(ollama_url_from_host("0.0.0.0"), "http://0.0.0.0:11434");
  EXPECT_EQ(ollama_url_from_host("example.com:11435"), "http://example.com:11435");
  EXPECT_EQ(ollama_url_from_host(":11436"), "http://127.0.0.1:11436");
  EXPECT_EQ(ollama_url_from_host("https://example.com"), "https://example.com:443");
  EXPECT_EQ(ollama_url_from_host("http://example.com/ollama/"), "http://example.com:80/ollama");
  EXPECT_EQ(ollama_url_from_host("[::1]:4000"), "http://[::1]:4000");
}

TEST(Endpoint, KindIsInferredFromSchemePathOrPort) {
  EXPECT_EQ(infer_kind("http://localhost:11434"), "ollama");
  EXPECT_EQ(infer_kind("localhost:11434"), "ollama");
  EXPECT_EQ(infer_kind("http://gpu:9000/v1"), "openai");
  EXPECT_EQ(infer_kind("http://gpu:8000"), "openai");
  EXPECT_EQ(infer_kind("http://gpu:8080"), "openai");
  EXPECT_EQ(infer_kind("openai://gpu:9999"), "openai");
  EXPECT_EQ(infer_kind("ollama://gpu:8000"), "ollama");
}

TEST(Endpoint, BaseUrlsAreNormalised) {
  EXPECT_EQ(normalize_base_url("localhost:11434/", "ollama"), "http://localhost:11434");
  EXPECT_EQ(normalize_base_url("openai://gpu:8000", "openai"), "http://gpu:8000/v1");
  EXPECT_EQ(normalize_base_url("https://api.example.com/v1/", "openai"),
            "https://api.example.com/v1");
}

TEST(Endpoint, CredentialsAreRedacted) {
  EXPECT_EQ(redact_url("https://user:secret@host:1/v1"), "https://host:1/v1");
  EXPECT_EQ(redact_url("http://host:1"), "http://host:1");
}

TEST(Endpoint, OpenAiBaseUrlFromEnvironment) {
  setenv("OPENAI_BASE_URL", "http://gpu:9001/v1/", 1);
  EXPECT_EQ(default_openai_url(), "http://gpu:9001/v1");
  unsetenv("OPENAI_BASE_URL");
  EXPECT_EQ(default_openai_url(), "http://localhost:8000/v1");
}

TEST(Endpoint, UnknownBackendKindIsRefused) {
  auto backend = make_backend({.kind = "tgi", .url = "http://x:1", .api_key = {}});
  ASSERT_FALSE(backend.has_value());
  EXPECT_EQ(backend.error().kind, FailureKind::kInvalidInput);
}

TEST(ErrorWording, ServerMessagesAreExtractedFromEitherShape) {
  EXPECT_EQ(server_message(R"({"error":"model \"x\" not found, try pulling it first"})"),
            "model \"x\" not found, try pulling it first");
  EXPECT_EQ(server_message(R"({"error":{"message":"busy","type":"server"}})"), "busy");
  EXPECT_EQ(server_message("Service Unavailable\r\n"), "Service Unavailable");
  EXPECT_EQ(server_message(""), "(the server gave no message)");
}

TEST(ErrorWording, MissingOllamaModelSuggestsAPull) {
  const auto message = http_error_message(advice_for("ollama"), 404, "llama3",
                                          "model \"llama3\" not found, try pulling it first");
  EXPECT_NE(message.find("run `ollama pull llama3`"), std::string::npos) << message;
  EXPECT_EQ(http_error_message(advice_for("ollama"), 503, "m", "server busy"),
            "HTTP 503 from server: server busy");
}

}  // namespace
}  // namespace chimera::backends
