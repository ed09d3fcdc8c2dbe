#pragma once
// Terminal conventions: colour only on a terminal and never with NO_COLOR;
// progress only when stderr is a terminal.

#include <string>
#include <string_view>

namespace chimera::term {

bool stdout_is_terminal();
bool stderr_is_terminal();
// True when colour may be used on stdout (a terminal, NO_COLOR unset, --no-color not given).
bool color_enabled();
void set_color_disabled(bool disabled);

std::string bold(std::string_view text);
std::string red(std::string_view text);
std::string yellow(std::string_view text);
std::string green(std::string_view text);
std::string dim(std::string_view text);

// A progress line on stderr, rewritten in place; silent unless stderr is a terminal.
void progress(std::string_view line);
void progress_done();

// A warning on stderr ("warning: ..."), always shown.
void warn(std::string_view message);

}  // namespace chimera::term
