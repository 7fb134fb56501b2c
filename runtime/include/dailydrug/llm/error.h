// Typed errors of the local LLM layer, and its Result<T>/Status (dailydrug/result.h).
//
// The thirteen kinds mirror DailyDrug's Kotlin `LocalLlmError` sealed class one to one, with the
// same fields, so the JNI layer can rebuild the Kotlin value without guessing. The library never
// throws across its public API and never aborts on anything a caller could cause: every fallible
// function returns Result<T> (or Status) and documents which kinds it can return.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "dailydrug/result.h"

namespace dailydrug::llm {

enum class ErrorKind : int {
  kModelLoadFailed = 1,           // cause
  kModelNotFound = 2,             // subject = model path
  kModelCorrupted = 3,            // subject = model path, cause = what did not match
  kTokenizerNotInitialized = 4,   // cause
  kTokenizerModelNotFound = 5,    // subject = tokenizer path, cause
  kTokenizationFailed = 6,        // subject = details, cause
  kInsufficientMemory = 7,        // expected = required MB, actual = available MB
  kGenerationTimeout = 8,         // expected = timeout ms
  kGenerationFailed = 9,          // subject = details, cause
  kInferenceNotInitialized = 10,  // cause
  kAssetCopyFailed = 11,          // subject = asset name, cause
  kConfigurationInvalid = 12,     // subject = config key, cause
  kContextLengthExceeded = 13,    // expected = max length, actual = actual length
};

/// Stable, language-neutral name of a kind ("ModelCorrupted", ...), as used by the C API, the
/// JNI binding and the HTTP server's JSON errors.
std::string_view to_string(ErrorKind kind);

/// One error value. Which fields carry meaning depends on `kind` (see the enum).
struct Error {
  ErrorKind kind = ErrorKind::kGenerationFailed;
  std::string subject;   // modelPath / assetName / configKey / details, per kind
  std::string cause;     // the underlying reason, for logs and for the user-facing message
  int64_t expected = 0;  // requiredMB / maxLength / timeoutMs, per kind
  int64_t actual = 0;    // availableMB / actualLength, per kind

  /// A one-line English message, e.g. "model corrupted: /x/model.pte (sha256 mismatch)".
  std::string message() const;

  static Error model_load_failed(std::string cause);
  static Error model_not_found(std::string model_path);
  static Error model_corrupted(std::string model_path, std::string cause);
  static Error tokenizer_not_initialized(std::string cause);
  static Error tokenizer_model_not_found(std::string path, std::string cause);
  static Error tokenization_failed(std::string details, std::string cause = {});
  static Error insufficient_memory(int64_t required_mb, int64_t available_mb);
  static Error generation_timeout(int64_t timeout_ms);
  static Error generation_failed(std::string details, std::string cause = {});
  static Error inference_not_initialized(std::string cause);
  static Error asset_copy_failed(std::string asset_name, std::string cause);
  static Error configuration_invalid(std::string config_key, std::string cause);
  static Error context_length_exceeded(int64_t max_length, int64_t actual_length);
};

template <typename T>
using Result = BasicResult<T, Error>;
using Status = BasicStatus<Error>;

}  // namespace dailydrug::llm
