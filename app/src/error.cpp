#include "dailydrug/app/error.h"

namespace dailydrug::app {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNotFound:
      return "NotFound";
    case ErrorKind::kInvalid:
      return "Invalid";
    case ErrorKind::kConflict:
      return "Conflict";
    case ErrorKind::kStorage:
      return "Storage";
  }
  return "Unknown";
}

std::string Error::message() const {
  switch (kind) {
    case ErrorKind::kNotFound:
      return subject + " " + std::to_string(id) + " not found";
    case ErrorKind::kInvalid:
      return "invalid " + subject + ": " + detail;
    case ErrorKind::kConflict:
      return subject + " " + std::to_string(id) + ": " + detail;
    case ErrorKind::kStorage:
      return subject.empty() ? "storage error: " + detail : subject + ": " + detail;
  }
  return detail;
}

Error Error::not_found(std::string entity, int64_t id) {
  return Error{ErrorKind::kNotFound, std::move(entity), {}, id};
}

Error Error::invalid(std::string field, std::string detail) {
  return Error{ErrorKind::kInvalid, std::move(field), std::move(detail), 0};
}

Error Error::conflict(std::string entity, int64_t id, std::string detail) {
  return Error{ErrorKind::kConflict, std::move(entity), std::move(detail), id};
}

Error Error::storage(std::string subject, std::string detail) {
  return Error{ErrorKind::kStorage, std::move(subject), std::move(detail), 0};
}

}  // namespace dailydrug::app
