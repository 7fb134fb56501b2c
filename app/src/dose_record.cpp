#include "dailydrug/app/dose_record.h"

namespace dailydrug::app {

std::string_view to_string(DoseStatus status) {
  switch (status) {
    case DoseStatus::kPending:
      return "pending";
    case DoseStatus::kTaken:
      return "taken";
    case DoseStatus::kSkipped:
      return "skipped";
  }
  return "pending";
}

std::optional<DoseStatus> parse_dose_status(std::string_view text) {
  if (text == "pending") {
    return DoseStatus::kPending;
  }
  if (text == "taken") {
    return DoseStatus::kTaken;
  }
  if (text == "skipped") {
    return DoseStatus::kSkipped;
  }
  return std::nullopt;
}

std::string_view korean_label(DoseStatus status) {
  switch (status) {
    case DoseStatus::kPending:
      return "미복용";
    case DoseStatus::kTaken:
      return "복용 완료";
    case DoseStatus::kSkipped:
      return "건너뜀";
  }
  return "미복용";
}

}  // namespace dailydrug::app
