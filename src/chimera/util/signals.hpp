#pragma once
// Ctrl-C / SIGTERM: the first one asks the running command to stop cleanly
// (finish writing what it has); the second one says "stop waiting": nothing
// is waited for any more (requests in flight, a results store to come
// back), but what was measured is still written; a third one ends the
// process at once.

#include <functional>

namespace chimera::signals {

void install_handlers();
bool interrupted();
// True after the second interrupt: give up every wait, then write and exit.
bool hurried();
// For tests and for commands that want to stop themselves the same way.
void request_interrupt();
void reset();
// Called (from a normal thread, not the signal handler) soon after the first
// interrupt; used to wake event loops. Returns an id for remove_wakeup().
int add_wakeup(std::function<void()> fn);
void remove_wakeup(int id);

}  // namespace chimera::signals
