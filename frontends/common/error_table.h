// The one table of how the front ends report an error kind: the CLI's exit code, and the HTTP
// status and OpenAI error type/code of the server. Both front ends read only these rows, so a
// kind is never a usage error in one and a model failure in the other.
#pragma once

#include <string_view>

#include "dailydrug/app/error.h"
#include "dailydrug/llm/error.h"

namespace dailydrug::frontend {

/// The CLI's exit codes.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,     // an operation failed (message on stderr)
  kExitUsage = 2,       // bad flags or arguments
  kExitNotFound = 3,    // a named medicine/schedule/record does not exist
  kExitModel = 4,       // the model bundle could not be loaded or run (typed error on stderr)
  kExitCancelled = 130  // Ctrl-C during a generation
};

struct ErrorReport {
  int exit_code;
  int http_status;
  std::string_view http_type;  // OpenAI's error "type"
  std::string_view http_code;  // the error's "code" ("" = the kind's name)
};

/// LLM errors: what the caller asked for (400 / exit 2), a time limit (504 / 1), a failed
/// generation (500 / 1), and everything about the model itself (503 / 4).
constexpr ErrorReport report_of(llm::ErrorKind kind) {
  switch (kind) {
    case llm::ErrorKind::kConfigurationInvalid:
    case llm::ErrorKind::kTokenizationFailed:
    case llm::ErrorKind::kContextLengthExceeded:
      return {kExitUsage, 400, "invalid_request_error", ""};
    case llm::ErrorKind::kGenerationTimeout:
      return {kExitFailure, 504, "server_error", ""};
    case llm::ErrorKind::kGenerationFailed:
      return {kExitFailure, 500, "server_error", ""};
    case llm::ErrorKind::kModelLoadFailed:
    case llm::ErrorKind::kModelNotFound:
    case llm::ErrorKind::kModelCorrupted:
    case llm::ErrorKind::kTokenizerNotInitialized:
    case llm::ErrorKind::kTokenizerModelNotFound:
    case llm::ErrorKind::kInsufficientMemory:
    case llm::ErrorKind::kInferenceNotInitialized:
    case llm::ErrorKind::kAssetCopyFailed:
      return {kExitModel, 503, "server_error", ""};
  }
  return {kExitModel, 503, "server_error", ""};
}

/// App (medication data) errors.
constexpr ErrorReport report_of(app::ErrorKind kind) {
  switch (kind) {
    case app::ErrorKind::kNotFound:
      return {kExitNotFound, 404, "invalid_request_error", "not_found"};
    case app::ErrorKind::kInvalid:
      return {kExitUsage, 400, "invalid_request_error", "invalid_value"};
    case app::ErrorKind::kConflict:
      return {kExitFailure, 409, "invalid_request_error", "conflict"};
    case app::ErrorKind::kStorage:
      return {kExitFailure, 500, "server_error", "storage"};
  }
  return {kExitFailure, 500, "server_error", "storage"};
}

}  // namespace dailydrug::frontend
