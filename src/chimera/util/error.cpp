#include "chimera/util/error.hpp"

namespace chimera {

const char* to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::kError:
      return "error";
    case FailureKind::kConnect:
      return "connect";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kHttp:
      return "http";
    case FailureKind::kProtocol:
      return "protocol";
    case FailureKind::kNotFound:
      return "not_found";
    case FailureKind::kInvalidInput:
      return "invalid_input";
    case FailureKind::kIo:
      return "io";
    case FailureKind::kCancelled:
      return "cancelled";
  }
  return "error";
}

}  // namespace chimera
