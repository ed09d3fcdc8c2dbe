#include <gtest/gtest.h>

#include "support/process.hpp"

namespace chimera::testing {
namespace {

TEST(Cli, VersionPrintsVersion) {
  auto r = run_chimera({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("chimera 0."), std::string::npos) << r.out;
}

TEST(Cli, HelpListsCommandsAndExitCodes) {
  auto r = run_chimera({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"run", "inventory", "bench", "sweep", "compare", "report", "sim",
                           "doctor", "Exit codes", "OLLAMA_HOST", "NO_COLOR"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
}

TEST(Cli, UnknownOptionIsAUsageError) {
  auto r = run_chimera({"--definitely-not-an-option"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, NoSubcommandIsAUsageError) {
  auto r = run_chimera({});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* cmd :
       {"run", "inventory", "bench", "sweep", "compare", "report", "sim", "doctor"}) {
    auto r = run_chimera({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd << r.err;
    EXPECT_FALSE(r.out.empty()) << cmd;
  }
}

}  // namespace
}  // namespace chimera::testing
