// Typed errors of the local LLM layer and a small Result<T>.
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
#include <variant>

namespace dailydrug::llm {

enum class ErrorKind : int {
  kModelLoadFailed = 1,          // cause
  kModelNotFound = 2,            // subject = model path
  kModelCorrupted = 3,           // subject = model path, cause = what did not match
  kTokenizerNotInitialized = 4,  // cause
  kTokenizerModelNotFound = 5,   // subject = tokenizer path, cause
  kTokenizationFailed = 6,       // subject = details, cause
  kInsufficientMemory = 7,       // expected = required MB, actual = available MB
  kGenerationTimeout = 8,        // expected = timeout ms
  kGenerationFailed = 9,         // subject = details, cause
  kInferenceNotInitialized = 10, // cause
  kAssetCopyFailed = 11,         // subject = asset name, cause
  kConfigurationInvalid = 12,    // subject = config key, cause
  kContextLengthExceeded = 13,   // expected = max length, actual = actual length
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

/// Either a value or an Error. Cheap to move; accessing the wrong alternative is a programming
/// error (checked with assert in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

/// Result of an operation that returns nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  static Status Ok() { return {}; }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  Error&& take_error() { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace dailydrug::llm

/// Evaluate `expr` (a Status or Result); if it failed, return its error from the current function.
#define DD_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    auto&& dd_status_ = (expr);                   \
    if (!dd_status_.ok()) return dd_status_.take_error(); \
  } while (0)

#define DD_CONCAT_INNER_(a, b) a##b
#define DD_CONCAT_(a, b) DD_CONCAT_INNER_(a, b)
/// `DD_ASSIGN_OR_RETURN(auto x, f());` — unwrap a Result or return its error.
#define DD_ASSIGN_OR_RETURN(lhs, expr) DD_ASSIGN_OR_RETURN_IMPL_(DD_CONCAT_(dd_r_, __LINE__), lhs, expr)
#define DD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.take_error();         \
  lhs = std::move(tmp).value()
