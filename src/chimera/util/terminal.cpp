#include "chimera/util/terminal.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace chimera::term {
namespace {
std::atomic<bool> g_color_disabled{false};
std::mutex g_stderr_mutex;
bool g_progress_shown = false;

std::string wrap(std::string_view code, std::string_view text) {
  if (!color_enabled()) return std::string(text);
  std::string out = "\x1b[";
  out.append(code).append("m").append(text).append("\x1b[0m");
  return out;
}
}  // namespace

bool stdout_is_terminal() {
  return isatty(STDOUT_FILENO) == 1;
}
bool stderr_is_terminal() {
  return isatty(STDERR_FILENO) == 1;
}

bool color_enabled() {
  if (g_color_disabled.load()) return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return stdout_is_terminal();
}

void set_color_disabled(bool disabled) {
  g_color_disabled.store(disabled);
}

std::string bold(std::string_view text) {
  return wrap("1", text);
}
std::string red(std::string_view text) {
  return wrap("31", text);
}
std::string yellow(std::string_view text) {
  return wrap("33", text);
}
std::string green(std::string_view text) {
  return wrap("32", text);
}
std::string dim(std::string_view text) {
  return wrap("2", text);
}

void progress(std::string_view line) {
  if (!stderr_is_terminal()) return;
  std::lock_guard lock(g_stderr_mutex);
  std::fprintf(stderr, "\r\x1b[2K%.*s", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
  g_progress_shown = true;
}

void progress_done() {
  if (!stderr_is_terminal()) return;
  std::lock_guard lock(g_stderr_mutex);
  if (g_progress_shown) std::fputs("\r\x1b[2K", stderr);
  g_progress_shown = false;
}

void warn(std::string_view message) {
  std::lock_guard lock(g_stderr_mutex);
  if (g_progress_shown) {
    std::fputs("\r\x1b[2K", stderr);
    g_progress_shown = false;
  }
  std::fprintf(stderr, "warning: %.*s\n", static_cast<int>(message.size()), message.data());
}

}  // namespace chimera::term
