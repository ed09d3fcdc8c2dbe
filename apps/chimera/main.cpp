#include "chimera/cli/commands.hpp"

int main(int argc, char** argv) {
  return chimera::cli::main(argc, argv);
}
