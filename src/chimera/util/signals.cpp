#include "chimera/util/signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

namespace chimera::signals {
namespace {
std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_hurried{false};
std::atomic<int> g_count{0};
std::mutex g_mutex;
std::map<int, std::function<void()>> g_wakeups;
int g_next_id = 1;
int g_pipe[2] = {-1, -1};

void notify_all() {
  std::map<int, std::function<void()>> copy;
  {
    std::lock_guard lock(g_mutex);
    copy = g_wakeups;
  }
  for (auto& [id, fn] : copy) fn();
}

extern "C" void on_signal(int signo) {
  const int count = g_count.fetch_add(1) + 1;
  if (count >= 3) {
    // Third interrupt: the user means it.
    std::signal(signo, SIG_DFL);
    std::raise(signo);
    return;
  }
  if (count == 2) g_hurried.store(true);
  g_interrupted.store(true);
  if (g_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] auto n = write(g_pipe[1], &byte, 1);
  }
}
}  // namespace

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pipe(g_pipe) != 0) g_pipe[0] = g_pipe[1] = -1;
    // A watcher thread turns the async-signal-safe pipe write into wake-up calls.
    if (g_pipe[0] >= 0) {
      std::thread([] {
        char byte = 0;
        while (read(g_pipe[0], &byte, 1) == 1) notify_all();
      }).detach();
    }
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
  });
}

bool interrupted() {
  return g_interrupted.load();
}

bool hurried() {
  return g_hurried.load();
}

void request_interrupt() {
  g_interrupted.store(true);
  notify_all();
}

void reset() {
  g_interrupted.store(false);
  g_hurried.store(false);
  g_count.store(0);
}

int add_wakeup(std::function<void()> fn) {
  std::lock_guard lock(g_mutex);
  const int id = g_next_id++;
  g_wakeups.emplace(id, std::move(fn));
  return id;
}

void remove_wakeup(int id) {
  std::lock_guard lock(g_mutex);
  g_wakeups.erase(id);
}

}  // namespace chimera::signals
