#pragma once
// Writing the files of a run directory: whole files or nothing.

#include <filesystem>
#include <string>

namespace chimera::orchestrate {

// Writes through a temporary file and a rename, so a reader never sees half a
// file; a failed write (a full disk: "disk full (No space left on device)")
// removes the temporary file and throws with the reason.
void write_text(const std::filesystem::path& path, const std::string& text);

// Creates `dir` and its parents; throws with the reason when it cannot.
// `what` names it in the message ("the output directory ").
void make_directory(const std::filesystem::path& dir, const std::string& what = "");

// Today's date in UTC, "YYYY-MM-DD".
std::string utc_date();

// `name` with every character but letters, digits, '-' and '_' replaced by '_'.
std::string file_safe(const std::string& name);

}  // namespace chimera::orchestrate
