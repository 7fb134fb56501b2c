// The vocabulary of a scanned prescription: when a medicine is taken relative to meals (Timing),
// dose units, the parts of the day (DaySlot) and a dose amount with its unit (DoseAmount).
//
// These are the values a scan result may hold; the JSON schema (scan_schema.h) lists the same
// labels. Pure functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace dailydrug::app {

/// When a dose is taken relative to meals and sleep. JSON: the Korean label.
enum class Timing {
  kBeforeMeal,    // 식전 (ac)
  kAfterMeal,     // 식후 (pc)
  kBetweenMeals,  // 식간: about two hours after a meal
  kEmptyStomach,  // 공복
  kBedtime,       // 취침전 (hs)
  kAsNeeded,      // 필요시 (prn, 통증시 …): no fixed times
};
inline constexpr std::array<Timing, 6> kAllTimings = {Timing::kBeforeMeal,   Timing::kAfterMeal,
                                                      Timing::kBetweenMeals, Timing::kEmptyStomach,
                                                      Timing::kBedtime,      Timing::kAsNeeded};

/// "식전", "식후", "식간", "공복", "취침전", "필요시".
std::string_view timing_label(Timing timing);
/// Inverse of timing_label (exact match); nullopt for anything else.
std::optional<Timing> timing_from_label(std::string_view label);

/// A part of the day named in an instruction ("아침 저녁", "자기 전").
enum class DaySlot { kMorning, kNoon, kEvening, kBedtime };

/// The canonical unit of a dose. OCR and prescription spellings map onto these
/// ("T", "tab", "알" → 정; "cap", "C", "캅셀" → 캡슐; "cc", "mL" → ml …).
enum class DoseUnit {
  kNone,        // a bare number (table cell of a liquid): the unit is unknown
  kTablet,      // 정
  kCapsule,     // 캡슐
  kPacket,      // 포
  kMilliliter,  // ml
  kMilligram,   // mg (only as a dose after "1회"; otherwise a strength, part of the name)
  kGram,        // g
  kMicrogram,   // mcg
  kDrop,        // 방울
  kPatch,       // 매
  kPiece,       // 개
};

/// "", "정", "캡슐", "포", "ml", "mg", "g", "mcg", "방울", "매", "개".
std::string_view dose_unit_label(DoseUnit unit);

/// A dose as printed: an amount (or a range "1-2") with its unit, or "적당량" (as much as needed,
/// for ointments) with no number at all.
struct DoseAmount {
  bool appropriate_amount = false;   // 적당량 / 적량
  double amount = 0;                 // > 0 unless appropriate_amount
  std::optional<double> amount_max;  // "1-2방울": amount 1, amount_max 2
  DoseUnit unit = DoseUnit::kNone;

  /// "1정", "0.5정", "1-2방울", "5ml", "적당량", "5" (unknown unit).
  std::string text() const;
  bool operator==(const DoseAmount&) const = default;
};

/// Parses DoseAmount::text() back (also used to check model output): "<n>[-<n>]<unit>" with a
/// unit label above, or "적당량". nullopt for anything else.
std::optional<DoseAmount> parse_dose_text(std::string_view text);

/// Shortest decimal form of an amount: 1 → "1", 0.5 → "0.5", 0.25 → "0.25", 1.00 → "1".
std::string format_amount(double amount);

}  // namespace dailydrug::app
