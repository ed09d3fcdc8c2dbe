#include <gtest/gtest.h>

#include <fstream>

#include "chimera/sim/config.hpp"
#include "support/process.hpp"

namespace chimera::sim {
namespace {

TEST(SimConfig, DefaultsServeTheSeedModels) {
  const auto config = default_sim_config();
  const auto* gemma = config.find_model("gemma3:latest");
  ASSERT_NE(gemma, nullptr);
  EXPECT_EQ(gemma->block_count, 34);
  EXPECT_DOUBLE_EQ(gemma->decode_tps, 100.0);
  EXPECT_EQ(gemma->parameter_size, "4.3B");
  EXPECT_EQ(gemma->quantization, "Q4_K_M");
  const auto* llama = config.find_model("llama3.1:8b-instruct-q4_0");
  ASSERT_NE(llama, nullptr);
  EXPECT_EQ(llama->block_count, 32);
  EXPECT_DOUBLE_EQ(llama->decode_tps, 78.0);
  // A bare name resolves to ":latest", as in Ollama.
  EXPECT_EQ(config.find_model("gemma3"), gemma);
  EXPECT_EQ(config.find_model("nope"), nullptr);
}

TEST(SimConfig, YamlOverridesAndAddsModels) {
  const char* yaml = R"(
seed: 7
parallel: 3
max_queue: 9
rate_limits: false
keep_alive_s: 0
models:
  - name: gemma3:latest
    decode_tps: 250
    load_ms: 15
  - name: qwen2.5:7b
    family: qwen2
    block_count: 28
    faults:
      - {kind: drop, probability: 0.25, after: 4}
)";
  auto config = parse_sim_config(yaml, default_sim_config());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->seed, 7u);
  EXPECT_EQ(config->parallel, 3);
  EXPECT_EQ(config->max_queue, 9);
  EXPECT_FALSE(config->rate_limits);
  EXPECT_EQ(config->keep_alive_s, 0);
  EXPECT_DOUBLE_EQ(config->find_model("gemma3:latest")->decode_tps, 250);
  EXPECT_DOUBLE_EQ(config->find_model("gemma3:latest")->load_ms, 15);
  EXPECT_EQ(config->find_model("gemma3:latest")->block_count, 34);  // untouched
  const auto* qwen = config->find_model("qwen2.5:7b");
  ASSERT_NE(qwen, nullptr);
  EXPECT_EQ(qwen->block_count, 28);
  ASSERT_EQ(qwen->faults.size(), 1u);
  EXPECT_EQ(qwen->faults[0].fault.kind, FaultKind::kDrop);
  EXPECT_EQ(qwen->faults[0].fault.after, 4);
  EXPECT_DOUBLE_EQ(qwen->faults[0].probability, 0.25);
}

TEST(SimConfig, ReplaceDefaultModels) {
  auto config = parse_sim_config("replace_default_models: true\nmodels:\n  - name: a:b\n",
                                 default_sim_config());
  ASSERT_TRUE(config);
  ASSERT_EQ(config->models.size(), 1u);
  EXPECT_EQ(config->models[0].name, "a:b");
  EXPECT_EQ(config->models[0].family, "a");
}

TEST(SimConfig, RejectsBadInputWithAReason) {
  EXPECT_FALSE(parse_sim_config("unknown_key: 1", default_sim_config()));
  EXPECT_FALSE(parse_sim_config("parallel: 0", default_sim_config()));
  EXPECT_FALSE(
      parse_sim_config("models:\n  - name: x\n    decode_tps: -1\n", default_sim_config()));
  EXPECT_FALSE(parse_sim_config("models:\n  - name: x\n    jitter: 1.5\n", default_sim_config()));
  EXPECT_FALSE(parse_sim_config("models: [", default_sim_config()));
  auto missing = load_sim_config("/nonexistent/sim.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, FailureKind::kIo);
}

TEST(SimConfig, LoadsTheExampleFile) {
  auto config = load_sim_config(testing::source_dir() + "/examples/sim.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_NE(config->find_model("gemma3:latest"), nullptr);
}

TEST(SimConfig, ModelFlag) {
  auto config = default_sim_config();
  ASSERT_TRUE(apply_model_flag(config, "gemma3:latest,decode_tps=120,load_ms=10"));
  EXPECT_DOUBLE_EQ(config.find_model("gemma3:latest")->decode_tps, 120);
  EXPECT_DOUBLE_EQ(config.find_model("gemma3:latest")->load_ms, 10);
  ASSERT_TRUE(apply_model_flag(config, "mistral:7b,block_count=32"));
  EXPECT_EQ(config.find_model("mistral:7b")->family, "mistral");
  EXPECT_FALSE(apply_model_flag(config, "decode_tps=5"));
  EXPECT_FALSE(apply_model_flag(config, "gemma3:latest,speed=5"));
  EXPECT_FALSE(apply_model_flag(config, "gemma3:latest,decode_tps=fast"));
}

TEST(SimConfig, EngineBehavioursFromYamlAndFlag) {
  auto config = parse_sim_config(
      "models:\n"
      "  - name: gemma3:latest\n"
      "    batching: continuous\n"
      "    batch_curve: [[2, 0.9], [4, 0.7]]\n"
      "    shape_penalty_ms: 800\n"
      "    shape_bucket_tokens: 128\n"
      "    batch_penalty_ms: 3000\n",
      default_sim_config());
  ASSERT_TRUE(config) << config.error().message;
  const auto* gemma = config->find_model("gemma3:latest");
  EXPECT_TRUE(gemma->continuous_batching);
  ASSERT_EQ(gemma->batch_curve.size(), 2u);
  EXPECT_EQ(gemma->batch_curve[1].first, 4);
  EXPECT_DOUBLE_EQ(gemma->batch_curve[1].second, 0.7);
  EXPECT_DOUBLE_EQ(gemma->shape_penalty_ms, 800);
  EXPECT_EQ(gemma->shape_bucket_tokens, 128);
  EXPECT_DOUBLE_EQ(gemma->batch_penalty_ms, 3000);
  EXPECT_DOUBLE_EQ(config->find_model("llama3.1:8b-instruct-q4_0")->batch_penalty_ms, 0);
  EXPECT_FALSE(config->find_model("llama3.1:8b-instruct-q4_0")->continuous_batching);

  auto flagged = default_sim_config();
  ASSERT_TRUE(apply_model_flag(flagged,
                               "gemma3:latest,batching=continuous,batch_alpha=0.5,"
                               "batch_curve=1:1;3:0.6,batch_penalty_ms=250"));
  EXPECT_DOUBLE_EQ(flagged.find_model("gemma3:latest")->batch_alpha, 0.5);
  EXPECT_DOUBLE_EQ(flagged.find_model("gemma3:latest")->batch_penalty_ms, 250);
  EXPECT_EQ(flagged.find_model("gemma3:latest")->batch_curve.size(), 2u);
}

TEST(SimConfig, RejectsBadEngineSettings) {
  auto config = default_sim_config();
  EXPECT_FALSE(apply_model_flag(config, "gemma3:latest,batching=sometimes"));
  EXPECT_FALSE(apply_model_flag(config, "gemma3:latest,batch_alpha=-1"));
  EXPECT_FALSE(apply_model_flag(config, "gemma3:latest,shape_bucket_tokens=0"));
  EXPECT_FALSE(apply_model_flag(config, "gemma3:latest,shape_penalty_ms=-5"));
  auto fresh = default_sim_config();
  const auto negative = apply_model_flag(fresh, "gemma3:latest,batch_penalty_ms=-1");
  ASSERT_FALSE(negative);
  EXPECT_NE(negative.error().message.find("batch_penalty_ms"), std::string::npos);
  EXPECT_FALSE(apply_model_flag(fresh, "gemma3:latest,batch_penalty_ms=soon"));
  EXPECT_FALSE(parse_batch_curve(""));
  EXPECT_FALSE(parse_batch_curve("2:0.9;2:0.8"));  // batches must increase
  EXPECT_FALSE(parse_batch_curve("2:1.5"));        // a batch never speeds a request up
  EXPECT_FALSE(parse_batch_curve("0:1"));
  EXPECT_FALSE(parse_batch_curve("1.5:0.9"));
  EXPECT_FALSE(parse_batch_curve("2-0.9"));
  auto bad = parse_batch_curve("2:0.9;3:x");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not a number"), std::string::npos);
  EXPECT_FALSE(parse_sim_config("models:\n  - name: x\n    batch_curve: [[2, 0.9, 1]]\n",
                                default_sim_config()));
}

}  // namespace
}  // namespace chimera::sim
