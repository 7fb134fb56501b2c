// Typed errors of the DailyDrug app layer (domain and storage), and its Result<T>/Status
// (dailydrug/result.h).
//
// The app layer never throws across its public API: every fallible function returns Result<T>
// or Status and documents which kinds it can return. Kinds are few on purpose; a front end maps
// them to exit codes or HTTP statuses (NotFound → 3 / 404, Invalid → 2 / 400, Conflict and
// Storage → 1 / 409 / 500).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dailydrug/result.h"

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

template <typename T>
using Result = dailydrug::BasicResult<T, Error>;
using Status = dailydrug::BasicStatus<Error>;

}  // namespace dailydrug::app

/// The shared check-or-return macros (dailydrug/result.h) under the app layer's names.
#define DD_APP_RETURN_IF_ERROR(expr) DD_RETURN_IF_ERROR(expr)
#define DD_APP_ASSIGN_OR_RETURN(lhs, expr) DD_ASSIGN_OR_RETURN(lhs, expr)
