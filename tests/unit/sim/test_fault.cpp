#include <gtest/gtest.h>

#include "chimera/sim/fault.hpp"

namespace chimera::sim {
namespace {

TEST(SimFault, ParsesKindAndParameters) {
  auto spec = parse_fault("drop;after=5");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->kind, FaultKind::kDrop);
  EXPECT_EQ(spec->after, 5);
  EXPECT_FALSE(spec->ms);

  auto stall = parse_fault(" stall_between , ms=250 ");
  ASSERT_TRUE(stall);
  EXPECT_EQ(stall->kind, FaultKind::kStallBetween);
  EXPECT_EQ(stall->stall_ms(), 250);
}

TEST(SimFault, RejectsUnknownKindsAndParameters) {
  EXPECT_FALSE(parse_fault("explode"));
  EXPECT_FALSE(parse_fault("drop;after=-1"));
  EXPECT_FALSE(parse_fault("drop;after=x"));
  EXPECT_FALSE(parse_fault("drop;speed=3"));
  EXPECT_FALSE(parse_fault("drop;after"));
}

TEST(SimFault, EveryKindRoundTripsThroughItsName) {
  for (const char* name : {"drop", "http500", "http503", "truncate", "malformed", "zero_tokens",
                           "stall_first", "stall_between", "error_line"}) {
    auto kind = fault_kind_from_string(name);
    ASSERT_TRUE(kind) << name;
    EXPECT_STREQ(to_string(*kind), name);
  }
}

TEST(SimFault, DefaultsStrikeMidStreamExceptTruncate) {
  FaultSpec drop{FaultKind::kDrop, std::nullopt, std::nullopt};
  EXPECT_EQ(drop.after_tokens(40), 20);
  FaultSpec truncate{FaultKind::kTruncate, std::nullopt, std::nullopt};
  EXPECT_EQ(truncate.after_tokens(40), 40);
  FaultSpec late{FaultKind::kDrop, 100, std::nullopt};
  EXPECT_EQ(late.after_tokens(40), 40);  // never past the end
  EXPECT_EQ((FaultSpec{FaultKind::kStallFirst, std::nullopt, std::nullopt}).stall_ms(), 1000);
}

TEST(SimFault, SplitsModelSuffix) {
  auto ref = split_model_reference("gemma3:latest@fault=drop;after=3");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->model, "gemma3:latest");
  ASSERT_TRUE(ref->fault);
  EXPECT_EQ(ref->fault->kind, FaultKind::kDrop);
  EXPECT_EQ(ref->fault->after, 3);
  EXPECT_EQ(ref->fault->describe(), "drop;after=3");

  auto plain = split_model_reference("llama3.1:8b-instruct-q4_0");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->model, "llama3.1:8b-instruct-q4_0");
  EXPECT_FALSE(plain->fault);
  EXPECT_FALSE(split_model_reference("m@fault=nonsense"));
}

}  // namespace
}  // namespace chimera::sim
