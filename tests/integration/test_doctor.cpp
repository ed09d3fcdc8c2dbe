// `chimera doctor` against the real simulator and against a closed port.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace chimera::testing {
namespace {

int unused_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Doctor, HealthyEndpointIsOkWithModelsAndLayers) {
  SimProcess sim;
  auto r = run_chimera({"doctor", sim.url()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, sim.url())) << r.out;
  EXPECT_TRUE(contains(r.out, "gemma3:latest")) << r.out;
  EXPECT_TRUE(contains(r.out, "34 layers")) << r.out;
  EXPECT_TRUE(contains(r.out, "verdict    OK")) << r.out;
}

TEST(Doctor, JsonOutputIsMachineReadable) {
  SimProcess sim;
  auto r = run_chimera({"--json", "doctor", sim.url(), "--model", "gemma3:latest"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_TRUE(json["ok"].get<bool>());
  const auto& endpoint = json["endpoints"].at(0);
  EXPECT_EQ(endpoint["verdict"], "ok");
  EXPECT_EQ(endpoint["backend"], "ollama");
  EXPECT_TRUE(endpoint["reachable"].get<bool>());
  EXPECT_FALSE(endpoint["version"].get<std::string>().empty());
  EXPECT_GT(endpoint["latency_ms"].get<double>(), 0.0);
  EXPECT_EQ(endpoint["checked_models"].at(0)["layers"], 34);
  bool found = false;
  for (const auto& m : endpoint["models"]) found |= m["name"] == "gemma3:latest";
  EXPECT_TRUE(found);
}

TEST(Doctor, MissingModelSaysHowToPullIt) {
  SimProcess sim;
  auto r = run_chimera({"doctor", sim.url(), "--model", "nosuchmodel:7b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "MODEL MISSING")) << r.out;
  EXPECT_TRUE(contains(r.out, "ollama pull nosuchmodel:7b")) << r.out;
}

TEST(Doctor, ClosedPortIsUnreachableWithAdvice) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port());
  auto r = run_chimera({"doctor", url});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.out, "UNREACHABLE")) << r.out;
  EXPECT_TRUE(contains(r.out, "ollama serve")) << r.out;
}

TEST(Doctor, OneBadEndpointAmongGoodOnesFailsTheRun) {
  SimProcess sim;
  const std::string closed = "http://127.0.0.1:" + std::to_string(unused_port());
  auto r = run_chimera({"--json", "doctor", sim.url(), closed});
  EXPECT_EQ(r.exit_code, 1);
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_FALSE(json["ok"].get<bool>());
  EXPECT_EQ(json["endpoints"].at(0)["verdict"], "ok");
  EXPECT_EQ(json["endpoints"].at(1)["verdict"], "unreachable");
}

TEST(Doctor, OllamaHostIsTheDefaultEndpoint) {
  SimProcess sim;
  auto r = run_chimera({"doctor"}, {{"OLLAMA_HOST", "127.0.0.1:" + std::to_string(sim.port())}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, sim.url())) << r.out;
}

TEST(Doctor, OpenAiEndpointListsModels) {
  SimProcess sim;
  auto r = run_chimera({"--json", "doctor", "--backend", "openai", sim.url() + "/v1"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["endpoints"].at(0)["backend"], "openai");
  EXPECT_FALSE(json["endpoints"].at(0)["models"].empty());
}

}  // namespace
}  // namespace chimera::testing
