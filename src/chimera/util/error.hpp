#pragma once
// Errors in layers (as in ccache): lower layers return std::expected<T, Failure>;
// the command layer throws Error (the command fails, exit 1) or UsageError
// (exit 2); main() has the only catch.

#include <expected>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace chimera {

// Process exit codes, as documented in `chimera --help`.
enum ExitCode : int {
  kExitOk = 0,
  kExitFatal = 1,
  kExitUsage = 2,
  kExitPartial = 3,  // finished, but some requests failed or came back empty
  kExitInterrupted = 130,
};

// What kind of failure, so callers can react (retry a timeout, not a 404).
enum class FailureKind {
  kError,         // generic
  kConnect,       // could not connect
  kTimeout,       // a time limit was reached
  kHttp,          // the server answered with an HTTP error status
  kProtocol,      // the server's bytes were not what the protocol says
  kNotFound,      // a named thing (model, file, profile) does not exist
  kInvalidInput,  // the user's input or a file is malformed
  kIo,            // file system
  kCancelled,     // interrupted by the user
};

const char* to_string(FailureKind kind);

struct Failure {
  FailureKind kind = FailureKind::kError;
  std::string message;
};

template <typename T>
using Expected = std::expected<T, Failure>;

inline std::unexpected<Failure> fail(FailureKind kind, std::string message) {
  return std::unexpected<Failure>(Failure{kind, std::move(message)});
}

// A command cannot go on: printed as "chimera: error: <what>", exit 1.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, int exit_code = kExitFatal)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// The command line itself is wrong: exit 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what, kExitUsage) {}
};

// Turns a failed Expected into an exception at the command layer: the value,
// or throws E (Error by default) with the failure's message, prefixed with
// `context` and ": " when a context is given.
template <typename E = Error, typename T>
T value_or_throw(Expected<T> result, std::string_view context = {}) {
  if (!result) {
    throw E(context.empty() ? result.error().message
                            : std::string(context) + ": " + result.error().message);
  }
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace chimera

// Inside a function returning Expected<...>: evaluates `expr` (an Expected)
// into `var`, or returns its failure to the caller.
#define CHIMERA_TRY(var, expr) \
  auto var = (expr);           \
  if (!var) return std::unexpected(std::move(var).error())
