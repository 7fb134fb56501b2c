#include "token_context.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "condition_phrases.h"
#include "dailydrug/app/dosage_lexicon.h"
#include "number_text.h"

namespace dailydrug::app {
namespace {

class ContextPasses {
 public:
  ContextPasses(std::string_view line, std::string_view lower, std::vector<DosageToken>& tokens)
      : line_(line), lower_(lower), out_(tokens) {}

  void run() {
    mark_spaced_dates();
    join_spaced_duration();
    mark_clock_times();
    mark_timestamps();
    mark_spray_counts();
    mark_every_n_days();
    mark_rhythms();
    drop_unmarked_parts();
    mark_condition_phrases(line_, out_);
    mark_time_limits();
  }

 private:
  bool is_sep(size_t i, char c) const {
    return i < out_.size() && out_[i].kind == TokenKind::kSeparator &&
           out_[i].end - out_[i].begin == 1 && line_[out_[i].begin] == c;
  }

  /// "4주 안에 사용하세요", "7일 이내": a time limit (how long a pen keeps), not a course.
  void mark_time_limits() {
    static constexpr std::string_view kWithin[] = {"안에", "내에", "이내"};
    for (size_t i = 0; i + 1 < out_.size(); ++i) {
      const TokenKind kind = out_[i].kind;
      if ((kind == TokenKind::kDays || kind == TokenKind::kWeeks || kind == TokenKind::kMonths) &&
          std::find(std::begin(kWithin), std::end(kWithin), out_[i + 1].text(line_)) !=
              std::end(kWithin)) {
        out_[i].kind = TokenKind::kOther;
      }
    }
  }

  /// "1 4 일분", "1 0 일분": digits OCR spaced out before a duration's unit are one number (14,
  /// 10) where they cannot be a row's cells — after a written count, or when the last is a 0.
  void join_spaced_duration() {
    const auto single_digit = [&](size_t k) {
      return out_[k].end - out_[k].begin == 1 && line_[out_[k].begin] >= '0' &&
             line_[out_[k].begin] <= '9';
    };
    bool counted = false;
    for (size_t i = 0; i < out_.size(); ++i) {
      const DosageToken& t = out_[i];
      counted = counted || (t.kind == TokenKind::kTimes && t.explicit_unit) ||
                t.kind == TokenKind::kFrequency || t.kind == TokenKind::kInterval;
      size_t first = i;
      while (first > 0 && out_[first - 1].kind == TokenKind::kNumber && single_digit(first - 1) &&
             (counted || first == i)) {
        --first;  // without a count, the digits before "1 0 일분" may be a row's cells
      }
      if (t.kind != TokenKind::kDays || !t.explicit_unit || first == i || t.value_max ||
          !is_digit(line_[t.begin]) || t.begin + 1 >= t.end || is_digit(line_[t.begin + 1]) ||
          !(counted || t.value == 0)) {
        continue;
      }
      double value = 0;
      for (size_t k = first; k < i; ++k) {
        value = value * 10 + out_[k].value;
      }
      out_[i].value = value * 10 + t.value;
      out_[i].begin = out_[first].begin;
      out_[i].space_before = out_[first].space_before;
      out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(first),
                 out_.begin() + static_cast<std::ptrdiff_t>(i));
      i = first;
    }
  }

  /// "1주 1회", "2주에 1번", "한 달에 1회": a count per week or month is a rhythm other than
  /// daily, not a course of 7 days.
  void mark_rhythms() {
    for (size_t i = 0; i + 1 < out_.size(); ++i) {
      const std::string_view w = out_[i].text(line_);
      if ((out_[i].kind != TokenKind::kWeeks && out_[i].kind != TokenKind::kMonths) ||
          w.ends_with("분") || w.ends_with("치") || w.ends_with("간") || w.ends_with("동안")) {
        continue;  // "2주분 3회": a supply, then a count
      }
      const size_t next = after_fillers(i + 1);
      if (next < out_.size() && out_[next].kind == TokenKind::kTimes && !per_dose(next)) {
        out_[i].kind = TokenKind::kNonDaily;
      }
    }
  }

  size_t after_fillers(size_t k) const {
    while (k < out_.size() && out_[k].kind == TokenKind::kFiller) {
      ++k;
    }
    return k;
  }

  /// "1회 1캡슐", "1회 2": the count at `k` marks the amount of one dose ("2주 1회 1캡슐" is a
  /// course of two weeks).
  bool per_dose(size_t k) const {
    const size_t amount = after_fillers(k + 1);
    return out_[k].value == 1 && amount < out_.size() &&
           (out_[amount].kind == TokenKind::kDose || out_[amount].kind == TokenKind::kNumber ||
            out_[amount].kind == TokenKind::kStrength);
  }

  /// "아침 ● 점심 ● 저녁 ● 취침전 ○", "■아침 ■점심 ■저녁 □취침전": a bag marks the parts of
  /// the day taken with a filled mark and the others with a hollow one, after each part or as a
  /// checkbox before it (when a mark is written onto the first part); a part with a hollow mark is
  /// not one. Only where both kinds of mark go with parts (a grid's "○" alone marks a part taken).
  void drop_unmarked_parts() {
    static constexpr std::string_view kFilled[] = {"●", "■", "◆", "◉", "✔", "✓"};
    static constexpr std::string_view kHollow[] = {"○", "□", "◇"};
    const auto is_part = [&](size_t k) {
      return out_[k].kind == TokenKind::kSlot ||
             (out_[k].kind == TokenKind::kTiming && out_[k].timing == Timing::kBedtime);
    };
    const auto is_mark = [&](size_t m, std::span<const std::string_view> marks) {
      return out_[m].kind == TokenKind::kSeparator &&
             std::find(marks.begin(), marks.end(), out_[m].text(line_)) != marks.end();
    };
    bool boxes_before = false;  // checkboxes: the mark is written onto the part after it
    for (size_t k = 0; k < out_.size(); ++k) {
      if (is_part(k)) {
        boxes_before =
            k > 0 && !out_[k].space_before && (is_mark(k - 1, kFilled) || is_mark(k - 1, kHollow));
        break;
      }
    }
    const auto mark_of = [&](size_t k, std::span<const std::string_view> marks) {
      if (!is_part(k)) {
        return false;
      }
      if (boxes_before) {
        return k > 0 && !out_[k].space_before && is_mark(k - 1, marks);
      }
      return k + 1 < out_.size() && is_mark(k + 1, marks);
    };
    bool filled = false;
    bool hollow = false;
    for (size_t k = 0; k < out_.size(); ++k) {
      filled = filled || mark_of(k, kFilled);
      hollow = hollow || mark_of(k, kHollow);
    }
    for (size_t k = 0; filled && hollow && k < out_.size(); ++k) {
      if (mark_of(k, kHollow)) {
        out_[k].kind = TokenKind::kFiller;
      }
    }
  }

  /// "2025. 11. 28.": a date written with spaces (a chat export's line header).
  void mark_spaced_dates() {
    for (size_t i = 0; i + 4 < out_.size(); ++i) {
      const DosageToken& y = out_[i];
      const bool year = (y.kind == TokenKind::kNumber || y.kind == TokenKind::kOrdinal) &&
                        y.end - y.begin == 4 && y.value >= 1900 && y.value <= 2100;
      if (year && is_sep(i + 1, '.') && out_[i + 2].kind == TokenKind::kNumber &&
          out_[i + 2].value >= 1 && out_[i + 2].value <= 12 && is_sep(i + 3, '.') &&
          out_[i + 4].kind == TokenKind::kNumber && out_[i + 4].value >= 1 &&
          out_[i + 4].value <= 31) {
        for (const size_t k : {i, i + 2, i + 4}) {
          out_[k].kind = TokenKind::kDate;
        }
      }
    }
  }

  /// "3일마다", "3일(72시간)마다": every N days, a rhythm other than daily — one token, whose text
  /// is the rhythm's note.
  void mark_every_n_days() {
    for (size_t i = 0; i + 1 < out_.size(); ++i) {
      if (out_[i].kind != TokenKind::kDays) {
        continue;
      }
      size_t j = i + 1;
      if (is_sep(j, '(')) {
        while (j < out_.size() && j < i + 5 && !is_sep(j, ')')) {
          ++j;
        }
        ++j;  // after ")"
      }
      if (j < out_.size() && out_[j].text(line_) == "마다") {
        out_[i].kind = TokenKind::kNonDaily;
        out_[i].end = out_[j].end;
        out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                   out_.begin() + static_cast<std::ptrdiff_t>(j) + 1);
      }
    }
  }

  /// "각 2회 분무", "2 puffs": sprays or inhalations per dose, a unit the schedule has no word
  /// for — not a count of doses a day.
  void mark_spray_counts() {
    static constexpr std::string_view kActions[] = {"분무",  "흡입",  "뿌림",  "puff",
                                                    "puffs", "spray", "sprays"};
    for (size_t i = 0; i + 1 < out_.size(); ++i) {
      const std::string_view next =
          std::string_view(lower_).substr(out_[i + 1].begin, out_[i + 1].end - out_[i + 1].begin);
      const bool per_dose = i > 0 && out_[i - 1].kind == TokenKind::kTimes;  // "1회 1번 분무"
      if (out_[i].kind == TokenKind::kTimes && !per_dose && out_[i + 1].kind == TokenKind::kWord &&
          std::find(std::begin(kActions), std::end(kActions), next) != std::end(kActions)) {
        out_[i].kind = TokenKind::kOther;
      }
    }
  }

  /// Clock times written in words: "9시 30분" and "9시 반" are one time, and an hour after a
  /// word naming the half of the day is on a 24-hour clock ("오후 8시", "저녁 9시", "밤 10시").
  void mark_clock_times() {
    for (size_t i = 0; i < out_.size(); ++i) {
      DosageToken& t = out_[i];
      if (t.kind != TokenKind::kClock) {
        continue;
      }
      if (t.text(line_).ends_with("시") && i + 1 < out_.size()) {
        const DosageToken& next = out_[i + 1];
        const bool minutes =
            next.kind == TokenKind::kMinutes && !next.after && !next.before && next.value >= 1 &&
            next.value < 60 && next.value == static_cast<int>(next.value) &&
            !(i + 2 < out_.size() &&
              (out_[i + 2].kind == TokenKind::kAfter || out_[i + 2].kind == TokenKind::kBefore));
        const bool half = next.text(line_) == "반";
        if (minutes || half) {
          t.clock_minutes += half ? 30 : static_cast<int>(next.value);
          t.end = next.end;
          out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
      }
      // "9 pm" names its half of the day itself; "밤 10시" by the word before.
      const std::string_view own = std::string_view(lower_).substr(t.begin, t.end - t.begin);
      const DosageToken* before = i > 0 ? &out_[i - 1] : nullptr;
      const std::string_view word =
          own.ends_with("pm") ? std::string_view("pm")
          : before != nullptr
              ? std::string_view(lower_).substr(before->begin, before->end - before->begin)
              : std::string_view();
      const int hour = hour_after_day_word(word, t.clock_minutes / 60);
      t.clock_minutes = hour % 24 * 60 + t.clock_minutes % 60;
    }
  }

  /// A message's timestamp is not a time to take a dose: a 12-hour clock time alone in brackets
  /// ("[오후 2:14]", a chat header; "[08:00] A정" stays a dose time) or a clock time right after a
  /// date ("2025. 11. 28. 오후 6:41") becomes a date.
  void mark_timestamps() {
    for (size_t i = 0; i < out_.size(); ++i) {
      if (out_[i].kind != TokenKind::kClock) {
        continue;
      }
      size_t before = i;
      while (before > 0 && (out_[before - 1].pm || out_[before - 1].am)) {
        --before;  // 오전 / 오후
      }
      const bool bracketed =
          before < i && before > 0 && is_sep(before - 1, '[') && is_sep(i + 1, ']');
      const size_t dot = before > 0 && is_sep(before - 1, '.') ? before - 1 : before;  // "28."
      const bool after_date =
          dot > 0 && (out_[dot - 1].kind == TokenKind::kDate ||
                      (dot < before && out_[dot - 1].kind == TokenKind::kNumber));
      if (bracketed || after_date) {
        out_[i].kind = TokenKind::kDate;
      }
    }
  }

  std::string_view line_;
  std::string_view lower_;
  std::vector<DosageToken>& out_;
};

}  // namespace

void read_in_context(std::string_view line, std::string_view lower,
                     std::vector<DosageToken>& tokens) {
  ContextPasses(line, lower, tokens).run();
}

}  // namespace dailydrug::app
