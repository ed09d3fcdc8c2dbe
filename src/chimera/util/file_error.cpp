#include "chimera/util/file_error.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace chimera {

std::string write_error_text(int errno_value) {
  const std::string system = std::strerror(errno_value);
  switch (errno_value) {
    case ENOSPC:
      return "disk full (" + system + ")";
    case EDQUOT:
      return "disk quota exceeded (" + system + ")";
    case EFBIG:
      return "file size limit reached (" + system + ")";
    default:
      return system;
  }
}

}  // namespace chimera
