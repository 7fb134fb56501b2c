#include "dailydrug/app/dose_parser.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_layout.h"
#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

bool is_meal_timing(Timing t) {
  return t != Timing::kBedtime && t != Timing::kAsNeeded;
}

bool is_whole(double v) {
  return v >= 1 && v == std::floor(v) && v <= 100000;
}

/// Values of one field found on a line; conflicting values make it ambiguous.
template <typename T>
struct Candidates {
  std::vector<T> values;

  void add(const T& v) { values.push_back(v); }
  LineField<T> resolve(int line) const {
    LineField<T> field;
    if (values.empty()) {
      return field;
    }
    field.line = line;
    if (std::all_of(values.begin(), values.end(), [&](const T& v) { return v == values[0]; })) {
      field.value = values[0];
    } else {
      field.ambiguous = true;
    }
    return field;
  }
};

class InstructionParser {
 public:
  InstructionParser(std::string_view line, int line_number, const std::vector<DosageToken>& tokens,
                    size_t from, size_t skip_begin, size_t skip_end)
      : line_(line),
        line_number_(line_number),
        tok_(tokens),
        from_(from),
        skip_begin_(skip_begin),
        skip_end_(skip_end) {}

  InstructionFields run() {
    for (size_t k = from_; k < tok_.size(); ++k) {
      if (skipped(k)) {
        continue;
      }
      k = step(k);
    }
    out_.dose = doses_.resolve(line_number_);
    out_.times = times_.resolve(line_number_);
    out_.days = days_.resolve(line_number_);
    resolve_when();
    if (out_.non_daily) {
      out_.non_daily_line = line_number_;
    }
    if (out_.days_in_months) {
      out_.months_line = line_number_;
    }
    limit_notes();
    caution_notes();
    std::stable_sort(out_.notes.begin(), out_.notes.end(),
                     [](const ScanNote& a, const ScanNote& b) { return a.offset < b.offset; });
    return std::move(out_);
  }

 private:
  bool skipped(size_t k) const { return k >= skip_begin_ && k < skip_end_; }
  const DosageToken* at(size_t k) const { return k < tok_.size() ? &tok_[k] : nullptr; }
  bool is(size_t k, TokenKind kind) const { return k < tok_.size() && tok_[k].kind == kind; }

  size_t skip(size_t k, std::initializer_list<TokenKind> kinds) const {
    while (k < tok_.size() && std::find(kinds.begin(), kinds.end(), tok_[k].kind) != kinds.end()) {
      ++k;
    }
    return k;
  }

  bool per_day_marker(size_t k) const {
    const DosageToken* t = at(k);
    return t != nullptr && (t->kind == TokenKind::kPerDay ||
                            (t->kind == TokenKind::kDays && !t->explicit_unit && t->value == 1));
  }

  std::string span(size_t first, size_t last) const {
    return std::string(line_.substr(tok_[first].begin, tok_[last].end - tok_[first].begin));
  }

  void note(std::string text, size_t offset) {
    out_.notes.push_back({std::move(text), line_number_, offset});
  }

  void add_times(const DosageToken& t, size_t k) {
    if (!is_whole(t.value) || t.value > 24) {
      return;
    }
    times_.add(static_cast<int>(t.value));
    if (t.value_max && is_whole(*t.value_max) && *t.value_max <= 24) {
      times_.add(static_cast<int>(*t.value_max));  // "1일 2~3회": either count, so ambiguous
    }
    if (is(k + 1, TokenKind::kMax)) {
      out_.times_is_max = true;
    }
  }

  /// Handles tokens[k]; returns the index of the last token it consumed.
  size_t step(size_t k) {
    const DosageToken& t = tok_[k];
    switch (t.kind) {
      case TokenKind::kFiller:
        out_.day_phase = out_.day_phase || then_phase_at(line_, tok_, k);  // ", then 2 tablets"
        return numbered_days(k);
      case TokenKind::kWord:
      case TokenKind::kLabel:
        if (const auto phase = day_phase_of(t, line_)) {
          phase_step(*phase, t);  // "4-6일째", "7일째부터", "1~3일째:"
        }
        return numbered_days(k);
      case TokenKind::kDays:
        if (const auto phase = day_phase_of(t, line_)) {
          phase_step(*phase, t);  // "1~3일": days 1 to 3 of a course
          return k;
        }
        if (ordinal_phase(k)) {
          return k;  // "다음 3일": the next 3 days of a course
        }
        [[fallthrough]];
      case TokenKind::kPerDay: {
        if (per_day_marker(k)) {
          // "1일 3회", "1일 최대 3회", "1일 복용 횟수 : 3회"
          const size_t m = skip(k + 1, {TokenKind::kMax, TokenKind::kFiller, TokenKind::kLabel,
                                        TokenKind::kSeparator});
          if (is(m, TokenKind::kTimes)) {
            for (size_t j = k + 1; j < m; ++j) {
              out_.times_is_max = out_.times_is_max || tok_[j].kind == TokenKind::kMax;
            }
            add_times(tok_[m], m);
            return m;
          }
          if (is(m, TokenKind::kDose) && daily_limit_dose(m)) {
            return m;  // "1일 최대 8정": a limit (a note), neither a dose nor a 1-day course
          }
        }
        if (t.kind == TokenKind::kDays && is_whole(t.value)) {
          days_.add(static_cast<int>(t.value));
        }
        implies_once_ = implies_once_ || t.implies_once;  // "daily" without a count
        return k;
      }
      case TokenKind::kNonDaily: {
        out_.non_daily = true;
        const size_t m = skip(k + 1, {TokenKind::kFiller});
        if (is(m, TokenKind::kTimes)) {
          note(span(k, m), t.begin);
          return m;
        }
        if (names_weekday(m)) {  // "매주 토요일": the rhythm with its day
          note(span(k, m), t.begin);
          return m;
        }
        note(std::string(t.text(line_)), t.begin);
        return k;
      }
      case TokenKind::kTimes: {
        if (t.value == 1) {  // "1회 1정", "1회 2", "1회 500mg", "1회 2흡입": per dose
          const size_t m = skip(k + 1, {TokenKind::kFiller});
          if (is(m, TokenKind::kLabel)) {
            return m;  // "1회 복용량: 1정": a field label, not a count
          }
          if (const DosageToken* d = at(m)) {
            const bool numeric =
                d->end > d->begin && line_[d->begin] >= '0' && line_[d->begin] <= '9';
            if (d->kind == TokenKind::kDose) {
              doses_.add(dose_of(*d));
              return m;
            }
            if (d->kind == TokenKind::kNumber && d->value > 0) {
              DoseAmount dose;
              dose.amount = d->value;
              dose.amount_max = d->value_max;
              doses_.add(dose);
              out_.dose_unit_from_form = true;
              return m;
            }
            if (d->kind == TokenKind::kStrength && d->unit != DoseUnit::kNone) {
              doses_.add(dose_of(*d));
              return m;
            }
            if (numeric && (d->kind == TokenKind::kWord || d->kind == TokenKind::kTimes)) {
              return m;  // an amount in a unit the scanner does not know ("2흡입", "1번 분무")
            }
          }
        }
        if (t.explicit_unit) {  // "N번" only counts after 하루/1일 (handled above)
          add_times(t, k);
        }
        return k;
      }
      case TokenKind::kFrequency:
        times_.add(static_cast<int>(t.value));
        return k;
      case TokenKind::kInterval:
        out_.when.interval_hours = static_cast<int>(t.value);
        if (t.value > 0 && 24 % static_cast<int>(t.value) == 0) {
          times_.add(24 / static_cast<int>(t.value));
          out_.times_from_interval = true;
        }
        return k;
      case TokenKind::kDose:
        if ((t.appropriate_amount || t.value > 0) && !daily_limit_dose(k) &&
            !dispensed_quantity(k)) {
          doses_.add(dose_of(t));
        }
        return k;
      case TokenKind::kWeeks:
        if (is_whole(t.value)) {
          days_.add(static_cast<int>(t.value) * 7);
        }
        return k;
      case TokenKind::kMonths:
        out_.days_in_months = true;
        return k;
      case TokenKind::kTiming:
        return timing(k);
      case TokenKind::kMeal:
        if (k > from_ && ascii_lower(tok_[k - 1].text(line_)) == "with") {
          timings_.push_back(Timing::kAfterMeal);  // "with meals", "with food"
          return k;
        }
        return meal(k);
      case TokenKind::kAfter:
      case TokenKind::kBefore:
        if (is(k + 1, TokenKind::kMeal)) {  // "after meals", "before meals"
          timings_.push_back(t.kind == TokenKind::kAfter ? Timing::kAfterMeal
                                                         : Timing::kBeforeMeal);
          return k + 1;
        }
        if (is(k + 1, TokenKind::kSlot) && tok_[k + 1].slot != DaySlot::kBedtime) {
          // "before breakfast": the meal timing; the slot is read next
          timings_.push_back(t.kind == TokenKind::kAfter ? Timing::kAfterMeal
                                                         : Timing::kBeforeMeal);
        }
        return k;
      case TokenKind::kSlot:
        add_slot(t.slot);
        if (is(k + 1, TokenKind::kAfter) || is(k + 1, TokenKind::kBefore)) {  // "조식 후"
          const Timing timing =
              is(k + 1, TokenKind::kAfter) ? Timing::kAfterMeal : Timing::kBeforeMeal;
          timings_.push_back(timing);
          return offset_after(timing, k + 1);  // "조식 전 30분"
        }
        return k;
      case TokenKind::kClock:
        if (std::find(clocks_.begin(), clocks_.end(), t.clock_minutes) == clocks_.end()) {
          clocks_.push_back(t.clock_minutes);
        }
        return k;
      case TokenKind::kPrnCondition:
        timings_.push_back(Timing::kAsNeeded);
        note(std::string(t.text(line_)), t.begin);
        return k;
      case TokenKind::kNumber:
        if (!labelled_number(k)) {
          out_.bare_numbers.push_back(t.value);
        }
        return k;
      default:
        return k;
    }
  }

  /// "on day 1", "on days 2-5": the days of a course a phase is taken on (1, 4 days); returns the
  /// last token consumed.
  size_t numbered_days(size_t k) {
    const auto phase = numbered_days_at(line_, tok_, k);
    if (!phase) {
      return k;
    }
    note(span(k, k + 1), tok_[k].begin);
    days_.add(*phase->days());
    out_.day_phase = true;
    return k + 1;
  }

  /// The dose at `k` is a maximum, not an amount to take: after a max word ("1일 최대 8정", "do
  /// not exceed 3 tablets") or before 까지 ("하루 8정까지").
  bool daily_limit_dose(size_t k) const {
    size_t before = k;
    while (before > from_ && tok_[before - 1].kind == TokenKind::kFiller) {
      --before;
    }
    // "이내" (within) limits a time: "식후 30분 이내 1정" is a dose.
    return (before > from_ && tok_[before - 1].kind == TokenKind::kMax &&
            tok_[before - 1].text(line_) != "이내") ||
           (is(k + 1, TokenKind::kMax) && tok_[k + 1].max_marker);
  }

  /// tokens[k] names a day of the week ("토요일", "월요일마다", "Saturday").
  bool names_weekday(size_t k) const {
    if (k >= tok_.size() || tok_[k].kind != TokenKind::kWord) {
      return false;
    }
    static constexpr std::string_view kDays[] = {"월요일", "화요일", "수요일", "목요일",
                                                 "금요일", "토요일", "일요일"};
    const std::string_view w = tok_[k].text(line_);
    return std::any_of(std::begin(kDays), std::end(kDays),
                       [&](std::string_view d) { return w.starts_with(d); });
  }

  /// The dose at `k` is the quantity dispensed, not an amount to take: right after a supply
  /// word ("Supply 21 capsules", "Qty: 28 tablets", "수량 30정").
  bool dispensed_quantity(size_t k) const {
    size_t before = k;
    while (before > from_ &&
           (tok_[before - 1].kind == TokenKind::kFiller || tok_[before - 1].text(line_) == ":")) {
      --before;
    }
    if (before == from_) {
      return false;
    }
    std::string word;
    for (const char ch : tok_[before - 1].text(line_)) {
      if (ch != ':') {
        word += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
      }
    }
    static constexpr std::string_view kSupplyWords[] = {"supply", "qty",  "quantity", "dispense",
                                                        "disp",   "수량", "총량",     "조제량"};
    return std::find(std::begin(kSupplyWords), std::end(kSupplyWords), word) !=
           std::end(kSupplyWords);
  }

  /// A bare number right after a field label ("복용 횟수: 3", "투약일수: 5", "1회 복용량: 1")
  /// is that field; returns whether it was taken.
  bool labelled_number(size_t k) {
    size_t at = k;
    while (at > from_ && tok_[at - 1].kind == TokenKind::kSeparator &&
           tok_[at - 1].text(line_) == ":") {
      --at;
    }
    if (at == k || at == from_ || tok_[at - 1].kind != TokenKind::kLabel) {
      return false;
    }
    const std::string_view label = tok_[at - 1].text(line_);
    const double v = tok_[k].value;
    const auto has = [&](std::string_view w) { return label.find(w) != std::string_view::npos; };
    if ((has("일수") || has("기간")) && is_whole(v)) {
      days_.add(static_cast<int>(v));
    } else if ((has("횟수") || has("회수")) && is_whole(v) && v <= 24) {
      times_.add(static_cast<int>(v));
    } else if (has("량") && v > 0) {
      DoseAmount dose;
      dose.amount = v;
      doses_.add(dose);
      out_.dose_unit_from_form = true;
    } else {
      return false;
    }
    return true;
  }

  /// "처음 3일", "다음 3일", "마지막 3일": a phase of a course by its order; the days are its
  /// length and the words its label.
  bool ordinal_phase(size_t k) {
    static constexpr std::string_view kOrder[] = {"처음", "다음", "마지막", "이후", "그다음"};
    const DosageToken& t = tok_[k];
    if (k == from_ || !is_whole(t.value) ||
        std::find(std::begin(kOrder), std::end(kOrder), tok_[k - 1].text(line_)) ==
            std::end(kOrder)) {
      return false;
    }
    days_.add(static_cast<int>(t.value));
    note(span(k - 1, k), tok_[k - 1].begin);
    out_.day_phase = true;
    return true;
  }

  /// A phase of a tapering course: its label is a note, its length (when the end is written)
  /// the duration.
  void phase_step(const DayPhase& phase, const DosageToken& t) {
    note(std::string(t.text(line_)), t.begin);
    if (const auto days = phase.days()) {
      days_.add(*days);
    }
    out_.day_phase = true;
  }

  static DoseAmount dose_of(const DosageToken& t) {
    DoseAmount dose;
    dose.appropriate_amount = t.appropriate_amount;
    if (!t.appropriate_amount) {
      dose.amount = t.value;
      dose.amount_max = t.value_max;
      dose.unit = t.unit;
    }
    return dose;
  }

  void add_slot(DaySlot slot) {
    if (std::find(slots_.begin(), slots_.end(), slot) == slots_.end()) {
      slots_.push_back(slot);
    }
  }

  /// A timing word, with the offset that may follow a meal timing ("식후 30분", "식후 즉시").
  size_t timing(size_t k) {
    const DosageToken& t = tok_[k];
    timings_.push_back(t.timing);
    implies_once_ = implies_once_ || t.implies_once;
    if (t.timing == Timing::kBedtime) {
      add_slot(DaySlot::kBedtime);
    }
    if (!is_meal_timing(t.timing)) {
      return k;
    }
    return offset_after(t.timing, k);
  }

  /// The offset written right after a meal timing ending at token k: "식후 30분", "식전 1시간",
  /// "식후 즉시", "조식 전 30분". Returns the last token consumed.
  size_t offset_after(Timing timing, size_t k) {
    const DosageToken* next = at(k + 1);
    if (next == nullptr) {
      return k;
    }
    std::optional<int> offset;
    if (next->kind == TokenKind::kMinutes && is_whole(next->value)) {
      offset = static_cast<int>(next->value);
    } else if (next->kind == TokenKind::kHours && is_whole(next->value)) {
      offset = static_cast<int>(next->value) * 60;
    } else if (next->kind == TokenKind::kImmediately) {
      offset = 0;
    }
    if (!offset) {
      return k;
    }
    if (!offset_) {
      offset_ = offset;
    }
    // "식후 30분", "조식 전 30분" as the label reads; a timing word the label does not spell stays
    // as written ("밥 먹고 30분", "pc 30분"): a note is always text of the line.
    const std::string label(timing_label(timing));
    const bool as_label =
        tok_[k].kind != TokenKind::kTiming || compact_text(tok_[k].text(line_)) == label;
    note(as_label ? label + " " + std::string(next->text(line_)) : span(k, k + 1), tok_[k].begin);
    return k + 1;
  }

  /// "식사 30분 후", "식사 후", "식사 직후", "식사 1시간 전".
  size_t meal(size_t k) {
    size_t m = k + 1;
    std::optional<int> offset;
    bool after = false;
    bool before = false;
    if (const DosageToken* d = at(m);
        d != nullptr && (d->kind == TokenKind::kMinutes || d->kind == TokenKind::kHours) &&
        is_whole(d->value)) {
      offset = static_cast<int>(d->value) * (d->kind == TokenKind::kHours ? 60 : 1);
      after = d->after;
      before = d->before;
      if (!after && !before) {
        ++m;
      }
    }
    if (!after && !before) {
      if (is(m, TokenKind::kAfter)) {
        after = true;
      } else if (is(m, TokenKind::kBefore)) {
        before = true;
      } else if (is(m, TokenKind::kImmediately) && !offset) {
        after = true;
        offset = 0;
      } else {
        return k;
      }
    }
    timings_.push_back(after ? Timing::kAfterMeal : Timing::kBeforeMeal);
    if (offset) {
      if (!offset_) {
        offset_ = offset;
      }
      note(span(k, m), tok_[k].begin);
    }
    return m;
  }

  void resolve_when() {
    DoseWhen& when = out_.when;
    std::vector<Timing> distinct;
    for (const Timing t : timings_) {
      if (std::find(distinct.begin(), distinct.end(), t) == distinct.end()) {
        distinct.push_back(t);
      }
    }
    const bool as_needed =
        std::find(distinct.begin(), distinct.end(), Timing::kAsNeeded) != distinct.end();
    std::vector<Timing> meals;
    std::copy_if(distinct.begin(), distinct.end(), std::back_inserter(meals), is_meal_timing);
    if (as_needed) {
      when.timing = Timing::kAsNeeded;
    } else if (meals.size() > 1) {
      when.timing_ambiguous = true;
    } else if (meals.size() == 1) {
      when.timing = meals[0];
    } else if (!distinct.empty()) {
      when.timing = Timing::kBedtime;
    }
    if (as_needed && out_.times_from_interval) {
      // "4시간마다 필요시" limits an as-needed medicine; it is not a daily count.
      out_.times = {};
      out_.times_from_interval = false;
    }
    when.offset_minutes = offset_;
    when.slots = slots_;
    when.clock_minutes = clocks_;
    when.implies_once = implies_once_;
    if (when.present()) {
      when.line = line_number_;
    }
  }

  /// "1일 최대 3회", "3회까지", "하루 최대 3번까지", "4시간 이상 간격" (overlapping phrases merge).
  void limit_notes() {
    std::vector<std::pair<size_t, size_t>> spans;
    const auto add = [&](size_t first, size_t last) {
      if (!spans.empty() && first <= spans.back().second + 1) {
        spans.back().second = std::max(spans.back().second, last);
      } else {
        spans.emplace_back(first, last);
      }
    };
    for (size_t k = from_; k < tok_.size(); ++k) {
      const DosageToken& t = tok_[k];
      if (t.kind == TokenKind::kMax) {
        size_t first = k;
        size_t last = k;
        if (k > from_ && (tok_[k - 1].kind == TokenKind::kTimes ||
                          (tok_[k - 1].kind == TokenKind::kDose && t.max_marker))) {
          first = k - 1;
        } else {
          const size_t m = skip(k + 1, {TokenKind::kFiller});
          if (!is(m, TokenKind::kTimes) && !is(m, TokenKind::kDose)) {
            continue;
          }
          last = m;
        }
        if (first > from_ && per_day_marker(first - 1)) {
          --first;
        }
        english_limit_sentence(k, first, last);
        add(first, last);
      } else if (t.kind == TokenKind::kHours) {
        const size_t m = skip(k + 1, {TokenKind::kFiller});
        if (is(m, TokenKind::kWord) && tok_[m].text(line_).starts_with("간격")) {
          add(k, m);
        }
      }
    }
    for (const auto& [first, last] : spans) {
      note(span(first, last), tok_[first].begin);
    }
  }

  /// "Do not take more than 4 doses in 24 hours.": an English limit after "not" is its whole
  /// sentence, up to the full stops around it.
  void english_limit_sentence(size_t max, size_t& first, size_t& last) const {
    bool negated = false;
    for (size_t back = 1; back <= 3 && back <= max - from_; ++back) {
      negated = negated || ascii_lower(tok_[max - back].text(line_)) == "not";
    }
    if (!negated) {
      return;
    }
    const auto stop = [&](size_t k) {
      return tok_[k].kind == TokenKind::kSeparator && tok_[k].text(line_) == ".";
    };
    while (first > from_ && !stop(first - 1)) {
      --first;
    }
    while (last + 1 < tok_.size() && !stop(last + 1)) {
      ++last;
    }
  }

  /// Runs of plain words containing a caution word: "졸음 주의", "운전을 피하세요".
  void caution_notes() {
    size_t k = from_;
    while (k < tok_.size()) {
      if ((tok_[k].kind != TokenKind::kWord && tok_[k].kind != TokenKind::kFiller) || skipped(k)) {
        ++k;
        continue;
      }
      size_t end = k;
      bool caution = false;
      while (end < tok_.size() && !skipped(end) &&
             (tok_[end].kind == TokenKind::kWord || tok_[end].kind == TokenKind::kFiller)) {
        caution = caution || tok_[end].caution;
        ++end;
      }
      if (caution) {
        size_t first = k;
        size_t last = end - 1;
        while (first < last && tok_[first].kind == TokenKind::kFiller) {
          ++first;
        }
        while (last > first && tok_[last].kind == TokenKind::kFiller) {
          --last;
        }
        note(span(first, last), tok_[first].begin);
      }
      k = end;
    }
  }

  std::string_view line_;
  int line_number_;
  const std::vector<DosageToken>& tok_;
  size_t from_;
  size_t skip_begin_;
  size_t skip_end_;
  InstructionFields out_;
  Candidates<DoseAmount> doses_;
  Candidates<int> times_;
  Candidates<int> days_;
  std::vector<Timing> timings_;
  std::vector<DaySlot> slots_;
  std::vector<int> clocks_;
  std::optional<int> offset_;
  bool implies_once_ = false;
};

}  // namespace

InstructionFields parse_instructions(std::string_view line, int line_number,
                                     const std::vector<DosageToken>& tokens, size_t from,
                                     size_t skip_begin, size_t skip_end) {
  return InstructionParser(line, line_number, tokens, from, skip_begin, skip_end).run();
}

}  // namespace dailydrug::app
