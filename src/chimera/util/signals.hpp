#pragma once
// Ctrl-C / SIGTERM: the first one asks the running command to stop cleanly
// (finish writing what it has); a second one ends the process at once.

#include <functional>

namespace chimera::signals {

void install_handlers();
bool interrupted();
// For tests and for commands that want to stop themselves the same way.
void request_interrupt();
void reset();
// Called (from a normal thread, not the signal handler) soon after the first
// interrupt; used to wake event loops. Returns an id for remove_wakeup().
int add_wakeup(std::function<void()> fn);
void remove_wakeup(int id);

}  // namespace chimera::signals
