#include "dailydrug/app/scan_layout.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <string>

namespace dailydrug::app {
namespace {

struct ColumnLabel {
  std::string_view text;
  LayoutColumn column;
};
// clang-format off
constexpr ColumnLabel kColumnLabels[] = {
    {"1회투약량", LayoutColumn::kDose},          {"투약량", LayoutColumn::kDose},
    {"1회투여량", LayoutColumn::kDose},          {"투여량", LayoutColumn::kDose},
    {"1회량", LayoutColumn::kDose},              {"1회용량", LayoutColumn::kDose},
    {"1회복용량", LayoutColumn::kDose},
    {"1일투여횟수", LayoutColumn::kTimesPerDay}, {"투여횟수", LayoutColumn::kTimesPerDay},
    {"1일투약횟수", LayoutColumn::kTimesPerDay}, {"투약횟수", LayoutColumn::kTimesPerDay},
    {"1일횟수", LayoutColumn::kTimesPerDay},     {"횟수", LayoutColumn::kTimesPerDay},
    {"총투약일수", LayoutColumn::kDays},         {"투약일수", LayoutColumn::kDays},
    {"총투여일수", LayoutColumn::kDays},         {"투여일수", LayoutColumn::kDays},
    {"총일수", LayoutColumn::kDays},             {"일수", LayoutColumn::kDays},
    {"용법", LayoutColumn::kDirections},         {"복용법", LayoutColumn::kDirections},
    {"용법용량", LayoutColumn::kDirections},
};
// clang-format on

/// Words of lines that give the validity of the prescription or an appointment, not how long
/// to take the medicines.
constexpr std::string_view kNotTreatmentDuration[] = {"사용기간", "교부일", "이내", "부터",
                                                      "예약",     "내원",   "유효"};

bool is_comma(const DosageToken& t, std::string_view line) {
  return t.kind == TokenKind::kSeparator && t.text(line) == ",";
}

/// A word naming a count of days ("투약일수", "처방일수") within the three tokens before `k`.
bool after_days_label(const std::vector<DosageToken>& tokens, std::string_view line, size_t k) {
  for (size_t back = 1; back <= 3 && back <= k; ++back) {
    const DosageToken& t = tokens[k - back];
    if ((t.kind == TokenKind::kLabel || t.kind == TokenKind::kWord) &&
        t.text(line).find("일수") != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

bool is_whole_days(double v) {
  return v >= 1 && v <= 100000 && v == std::floor(v);
}

}  // namespace

std::optional<DayPhase> day_phase_of(const DosageToken& token, std::string_view line) {
  const auto whole_day = [](double v) { return v >= 1 && v <= 365 && v == std::floor(v); };
  if (token.kind == TokenKind::kDays && token.value_max && whole_day(token.value) &&
      whole_day(*token.value_max) && *token.value_max > token.value) {
    return DayPhase{static_cast<int>(token.value), static_cast<int>(*token.value_max)};
  }
  if (token.kind != TokenKind::kWord && token.kind != TokenKind::kLabel) {
    return std::nullopt;  // a label: "1~3일째:"
  }
  // "N일째", "N-M일째", "N~M일째", each optionally followed by 부터 or 까지.
  std::string_view w = token.text(line);
  const auto number = [&](std::string_view& rest) -> std::optional<int> {
    int v = 0;
    size_t n = 0;
    while (n < rest.size() && n < 3 && rest[n] >= '0' && rest[n] <= '9') {
      v = v * 10 + (rest[n] - '0');
      ++n;
    }
    if (n == 0 || v < 1) {
      return std::nullopt;
    }
    rest.remove_prefix(n);
    return v;
  };
  DayPhase phase;
  const auto first = number(w);
  if (!first) {
    return std::nullopt;
  }
  phase.first_day = *first;
  if (!w.empty() && (w[0] == '-' || w[0] == '~')) {
    w.remove_prefix(1);
    const auto last = number(w);
    if (!last || *last <= *first) {
      return std::nullopt;
    }
    phase.last_day = *last;
  }
  if (!w.starts_with("일째")) {
    return std::nullopt;
  }
  w.remove_prefix(std::string_view("일째").size());
  if (!w.empty() && w != "부터" && w != "까지") {
    return std::nullopt;
  }
  return phase;
}

bool is_slot_grid_header(std::string_view compact_lower, const std::vector<DosageToken>& tokens) {
  static constexpr std::string_view kColumnWords[] = {"약품명", "약이름", "명칭", "약명", "일수"};
  if (std::none_of(std::begin(kColumnWords), std::end(kColumnWords), [&](std::string_view w) {
        return compact_lower.find(w) != std::string_view::npos;
      })) {
    return false;
  }
  std::set<int> parts;
  for (const DosageToken& t : tokens) {
    if (t.kind == TokenKind::kNumber || t.kind == TokenKind::kDose || t.kind == TokenKind::kTimes) {
      return false;
    }
    if (t.kind == TokenKind::kSlot) {
      parts.insert(static_cast<int>(t.slot));
    } else if (t.kind == TokenKind::kTiming && t.timing == Timing::kBedtime) {
      parts.insert(static_cast<int>(DaySlot::kBedtime));
    }
  }
  return parts.size() >= 2;
}

std::optional<LayoutColumn> parse_column_label(std::string_view compact_lower) {
  while (!compact_lower.empty() && (compact_lower.back() == ':' || compact_lower.back() == '|')) {
    compact_lower.remove_suffix(1);
  }
  for (const ColumnLabel& label : kColumnLabels) {
    if (label.text == compact_lower) {
      return label.column;
    }
  }
  return std::nullopt;
}

bool is_column_label_prefix(std::string_view compact_lower) {
  const bool hangul = std::any_of(compact_lower.begin(), compact_lower.end(),
                                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  return hangul && std::any_of(std::begin(kColumnLabels), std::end(kColumnLabels),
                               [&](const ColumnLabel& label) {
                                 return label.text.size() > compact_lower.size() &&
                                        label.text.starts_with(compact_lower);
                               });
}

std::optional<int> document_duration_days(std::string_view line, std::string_view compact_lower,
                                          const std::vector<DosageToken>& tokens) {
  if (std::any_of(
          std::begin(kNotTreatmentDuration), std::end(kNotTreatmentDuration),
          [&](std::string_view w) { return compact_lower.find(w) != std::string_view::npos; })) {
    return std::nullopt;
  }
  std::set<int> days;
  for (size_t k = 0; k < tokens.size(); ++k) {
    const DosageToken& t = tokens[k];
    if (t.kind == TokenKind::kDays && is_whole_days(t.value) &&
        (t.explicit_unit || after_days_label(tokens, line, k))) {
      days.insert(static_cast<int>(t.value));
    } else if (t.kind == TokenKind::kWeeks && is_whole_days(t.value)) {
      days.insert(static_cast<int>(t.value) * 7);
    }
  }
  if (days.size() != 1) {
    return std::nullopt;
  }
  return *days.begin();
}

std::vector<ListedName> split_name_list(std::string_view line,
                                        const std::vector<DosageToken>& tokens,
                                        const MedicineName& first) {
  std::vector<ListedName> names;
  size_t start = first.first_token;
  while (start < tokens.size()) {
    size_t stop = start;
    while (stop < tokens.size() && !is_comma(tokens[stop], line)) {
      ++stop;
    }
    const std::vector<DosageToken> item(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                                        tokens.begin() + static_cast<std::ptrdiff_t>(stop));
    const auto name = item.empty() ? std::nullopt : find_medicine_name(line, item);
    const bool last = stop >= tokens.size();
    if (!name || !name->anchored || name->after_instructions || name->first_token != 0 ||
        (!last && name->end_token != item.size())) {
      return {};
    }
    ListedName listed{*name, stop};
    listed.name.first_token += start;
    listed.name.end_token += start;
    names.push_back(std::move(listed));
    start = stop + 1;
  }
  if (names.size() < 2) {
    return {};
  }
  return names;
}

}  // namespace dailydrug::app
