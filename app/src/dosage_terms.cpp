#include "dailydrug/app/dosage_terms.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace dailydrug::app {
namespace {

constexpr std::array<DoseUnit, 10> kUnitsWithLabel = {
    DoseUnit::kTablet,    DoseUnit::kCapsule, DoseUnit::kPacket,    DoseUnit::kMilliliter,
    DoseUnit::kMilligram, DoseUnit::kGram,    DoseUnit::kMicrogram, DoseUnit::kDrop,
    DoseUnit::kPatch,     DoseUnit::kPiece};

/// "1", "0.5", "12.25": digits with at most one decimal point; nullopt otherwise.
std::optional<double> parse_plain_number(std::string_view text) {
  if (text.empty() || text.size() > 12) {
    return std::nullopt;
  }
  double value = 0;
  double scale = 0;
  int digits = 0;
  for (const char c : text) {
    if (c == '.') {
      if (scale != 0 || digits == 0) {
        return std::nullopt;
      }
      scale = 1;
      continue;
    }
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    ++digits;
    if (scale == 0) {
      value = value * 10 + (c - '0');
    } else {
      scale /= 10;
      value += (c - '0') * scale;
    }
  }
  if (text.back() == '.') {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string_view timing_label(Timing timing) {
  switch (timing) {
    case Timing::kBeforeMeal:
      return "식전";
    case Timing::kAfterMeal:
      return "식후";
    case Timing::kBetweenMeals:
      return "식간";
    case Timing::kEmptyStomach:
      return "공복";
    case Timing::kBedtime:
      return "취침전";
    case Timing::kAsNeeded:
      return "필요시";
  }
  return "";
}

std::optional<Timing> timing_from_label(std::string_view label) {
  for (const Timing t : kAllTimings) {
    if (timing_label(t) == label) {
      return t;
    }
  }
  return std::nullopt;
}

std::string_view dose_unit_label(DoseUnit unit) {
  switch (unit) {
    case DoseUnit::kNone:
      return "";
    case DoseUnit::kTablet:
      return "정";
    case DoseUnit::kCapsule:
      return "캡슐";
    case DoseUnit::kPacket:
      return "포";
    case DoseUnit::kMilliliter:
      return "ml";
    case DoseUnit::kMilligram:
      return "mg";
    case DoseUnit::kGram:
      return "g";
    case DoseUnit::kMicrogram:
      return "mcg";
    case DoseUnit::kDrop:
      return "방울";
    case DoseUnit::kPatch:
      return "매";
    case DoseUnit::kPiece:
      return "개";
  }
  return "";
}

std::string format_amount(double amount) {
  const double rounded = std::round(amount * 1000.0) / 1000.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", rounded);
  std::string text = buf;
  while (!text.empty() && text.back() == '0') {
    text.pop_back();
  }
  if (!text.empty() && text.back() == '.') {
    text.pop_back();
  }
  return text;
}

std::string DoseAmount::text() const {
  if (appropriate_amount) {
    return "적당량";
  }
  std::string out = format_amount(amount);
  if (amount_max) {
    out += "-" + format_amount(*amount_max);
  }
  out += dose_unit_label(unit);
  return out;
}

std::optional<DoseAmount> parse_dose_text(std::string_view text) {
  DoseAmount dose;
  if (text == "적당량") {
    dose.appropriate_amount = true;
    return dose;
  }
  size_t number_end = 0;
  while (number_end < text.size() && ((text[number_end] >= '0' && text[number_end] <= '9') ||
                                      text[number_end] == '.' || text[number_end] == '-')) {
    ++number_end;
  }
  const std::string_view number = text.substr(0, number_end);
  const std::string_view unit = text.substr(number_end);
  const size_t dash = number.find('-');
  const auto low = parse_plain_number(number.substr(0, dash));
  if (!low || *low <= 0) {
    return std::nullopt;
  }
  dose.amount = *low;
  if (dash != std::string_view::npos) {
    const auto high = parse_plain_number(number.substr(dash + 1));
    if (!high || *high <= *low) {
      return std::nullopt;
    }
    dose.amount_max = *high;
  }
  if (unit.empty()) {
    return dose;
  }
  for (const DoseUnit u : kUnitsWithLabel) {
    if (dose_unit_label(u) == unit) {
      dose.unit = u;
      return dose;
    }
  }
  return std::nullopt;
}

}  // namespace dailydrug::app
