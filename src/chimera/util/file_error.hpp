#pragma once
// Why a write failed, in words a user acts on: a full disk, a quota or a
// file-size limit named as such, with the system's own text in brackets.

#include <string>

namespace chimera {

// "disk full (No space left on device)", "disk quota exceeded (Disk quota
// exceeded)", "file size limit reached (File too large)", else the system's
// text alone ("Permission denied").
std::string write_error_text(int errno_value);

}  // namespace chimera
