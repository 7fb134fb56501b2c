// Typed errors of the DailyDrug app layer (domain and storage) and a small Result<T>.
//
// The app layer never throws across its public API: every fallible function returns Result<T>
// or Status and documents which kinds it can return. Kinds are few on purpose; a front end maps
// them to exit codes or HTTP statuses (NotFound → 3 / 404, Invalid → 2 / 400, Conflict and
// Storage → 1 / 409 / 500).
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dailydrug::app {

enum class ErrorKind : int {
  kNotFound = 1,  // subject = entity ("medicine", "schedule", "record"), id = its id
  kInvalid = 2,   // subject = field name ("name", "time_slots", ...), detail = what is wrong
  kConflict = 3,  // subject = entity, id = its id, detail = why the change is refused
  kStorage = 4,   // subject = database path or operation, detail = SQLite's or the OS's message
};

/// Stable name of a kind: "NotFound", "Invalid", "Conflict", "Storage".
std::string_view to_string(ErrorKind kind);

/// One error value. Which fields carry meaning depends on `kind` (see the enum).
struct Error {
  ErrorKind kind = ErrorKind::kStorage;
  std::string subject;
  std::string detail;
  int64_t id = 0;

  /// One English line, e.g. "medicine 7 not found", "invalid time_slots: at least one slot".
  std::string message() const;

  static Error not_found(std::string entity, int64_t id);
  static Error invalid(std::string field, std::string detail);
  static Error conflict(std::string entity, int64_t id, std::string detail);
  static Error storage(std::string subject, std::string detail);
};

/// Either a value or an Error. Accessing the wrong alternative is a programming error (assert).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return check(), std::get<0>(v_); }
  const T& value() const& { return check(), std::get<0>(v_); }
  T&& value() && { return check(), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  void check() const { assert(ok() && "Result::value() on an error"); }
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

}  // namespace dailydrug::app

/// Evaluate `expr` (a Status or Result); if it failed, return its error from the current function.
#define DD_APP_RETURN_IF_ERROR(expr)                              \
  do {                                                            \
    auto&& dd_app_status_ = (expr);                               \
    if (!dd_app_status_.ok()) return dd_app_status_.take_error(); \
  } while (0)

#define DD_APP_CONCAT_INNER_(a, b) a##b
#define DD_APP_CONCAT_(a, b) DD_APP_CONCAT_INNER_(a, b)
/// `DD_APP_ASSIGN_OR_RETURN(auto x, f());` — unwrap a Result or return its error.
#define DD_APP_ASSIGN_OR_RETURN(lhs, expr) \
  DD_APP_ASSIGN_OR_RETURN_IMPL_(DD_APP_CONCAT_(dd_app_r_, __LINE__), lhs, expr)
// `tmp` is an identifier and `lhs` may be a declaration, so neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define DD_APP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.take_error();             \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
