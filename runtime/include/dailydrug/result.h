// Result<T> and Status, shared by every layer: a value or an error, no exceptions.
//
// Each layer has its own error type (dailydrug::llm::Error with the thirteen LocalLlmError kinds,
// dailydrug::app::Error with the domain's kinds) and names the aliases
//   template <class T> using Result = dailydrug::BasicResult<T, Error>;
//   using Status = dailydrug::BasicStatus<Error>;
// so both read the same and the check-or-return macros below work for either.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace dailydrug {

/// Either a value or an error. Cheap to move; accessing the wrong alternative is a programming
/// error (assert in debug builds).
template <typename T, typename E>
class [[nodiscard]] BasicResult {
 public:
  BasicResult(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  BasicResult(E error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return check(), std::get<0>(v_); }
  const T& value() const& { return check(), std::get<0>(v_); }
  T&& value() && { return check(), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { return std::get<1>(v_); }
  E&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  void check() const { assert(ok() && "Result::value() on an error"); }
  std::variant<T, E> v_;
};

/// The result of an operation that returns nothing.
template <typename E>
class [[nodiscard]] BasicStatus {
 public:
  BasicStatus() = default;
  BasicStatus(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  static BasicStatus Ok() { return {}; }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { return error_; }
  E&& take_error() { return std::move(error_); }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace dailydrug

/// Evaluate `expr` (a Status or Result); if it failed, return its error from the current function.
#define DD_RETURN_IF_ERROR(expr)                          \
  do {                                                    \
    auto&& dd_status_ = (expr);                           \
    if (!dd_status_.ok()) return dd_status_.take_error(); \
  } while (0)

#define DD_CONCAT_INNER_(a, b) a##b
#define DD_CONCAT_(a, b) DD_CONCAT_INNER_(a, b)
/// `DD_ASSIGN_OR_RETURN(auto x, f());` — unwrap a Result or return its error.
#define DD_ASSIGN_OR_RETURN(lhs, expr) \
  DD_ASSIGN_OR_RETURN_IMPL_(DD_CONCAT_(dd_r_, __LINE__), lhs, expr)
// `tmp` is an identifier and `lhs` may be a declaration, so neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define DD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.take_error();         \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
