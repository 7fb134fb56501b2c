// A medicine the user takes: name, free-text dosage ("1정", "5ml"), colour and memo.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dailydrug/app/calendar.h"

namespace dailydrug::app {

using MedicineId = int64_t;
using ScheduleId = int64_t;
using RecordId = int64_t;

/// Opaque ARGB colour used when the user picks none (Material blue 500, as a card tint).
inline constexpr uint32_t kDefaultMedicineColor = 0xFF2196F3;

struct Medicine {
  MedicineId id = 0;  // 0 until stored
  std::string name;
  std::string dosage;  // free text, shown as is
  uint32_t color_argb = kDefaultMedicineColor;
  std::string memo;
  LocalDateTime created_at{};
};

/// "#RRGGBB" (opaque) or "#AARRGGBB", case-insensitive, '#' optional; nullopt otherwise.
std::optional<uint32_t> parse_color(std::string_view text);
/// "#RRGGBB" when opaque, else "#AARRGGBB"; upper-case hex.
std::string format_color(uint32_t argb);

/// True if `text` is empty or only whitespace, including Unicode spaces typed on Korean keyboards
/// (U+3000 ideographic space, U+00A0 no-break space, ...), like Kotlin's isBlank().
bool is_blank(std::string_view utf8_text);

}  // namespace dailydrug::app
