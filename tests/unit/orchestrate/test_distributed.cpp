// The index a worker or a sharded sweep takes from its scheduler, and --shard.
#include <gtest/gtest.h>

#include "chimera/orchestrate/bench/distributed.hpp"
#include "chimera/util/error.hpp"

namespace chimera::orchestrate {
namespace {

TEST(SchedulerIndex, KubernetesIndexedJob) {
  const auto s = scheduler_index({{"JOB_COMPLETION_INDEX", "4"}});
  EXPECT_EQ(s.index, 4);
  EXPECT_FALSE(s.count);
  EXPECT_EQ(s.source, "JOB_COMPLETION_INDEX");
}

TEST(SchedulerIndex, SlurmArrayCountsFromItsFirstTask) {
  const auto s = scheduler_index({{"SLURM_ARRAY_TASK_ID", "7"},
                                  {"SLURM_ARRAY_TASK_MIN", "5"},
                                  {"SLURM_ARRAY_TASK_COUNT", "4"}});
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
}

TEST(SchedulerIndex, NoneOutsideASchedulerAndErrorsOnGarbage) {
  EXPECT_FALSE(scheduler_index({}).index);
  EXPECT_THROW(scheduler_index({{"JOB_COMPLETION_INDEX", "x1"}}), UsageError);
}

TEST(Shard, ExplicitFromSchedulerOrAuto) {
  EXPECT_EQ(parse_shard("1/3", {}), std::make_pair(1, 3));
  EXPECT_EQ(parse_shard("3", scheduler_index({{"JOB_COMPLETION_INDEX", "2"}})),
            std::make_pair(2, 3));
  EXPECT_EQ(parse_shard("auto", scheduler_index({{"SLURM_ARRAY_TASK_ID", "0"},
                                                 {"SLURM_ARRAY_TASK_COUNT", "2"}})),
            std::make_pair(0, 2));
}

TEST(Shard, MalformedOrOutOfRangeIsAUsageError) {
  EXPECT_THROW(parse_shard("3/3", {}), UsageError);
  EXPECT_THROW(parse_shard("a/b", {}), UsageError);
  EXPECT_THROW(parse_shard("0/0", {}), UsageError);
  EXPECT_THROW(parse_shard("4", {}), UsageError);     // no index in the environment
  EXPECT_THROW(parse_shard("auto", {}), UsageError);  // no count either
  EXPECT_THROW(parse_shard("5", scheduler_index({{"JOB_COMPLETION_INDEX", "5"}})), UsageError);
}

}  // namespace
}  // namespace chimera::orchestrate
