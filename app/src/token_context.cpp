#include "token_context.h"

#include <algorithm>
#include <iterator>

#include "dailydrug/app/dosage_lexicon.h"

namespace dailydrug::app {
namespace {

class ContextPasses {
 public:
  ContextPasses(std::string_view line, std::string_view lower, std::vector<DosageToken>& tokens)
      : line_(line), lower_(lower), out_(tokens) {}

  void run() {
    mark_spaced_dates();
    mark_timestamps();
    mark_spray_counts();
    mark_every_n_days();
    mark_condition_phrase();
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

  /// "열이 38도 이상일 때 1회 6ml", "기침이 심할 때": words at the start of the line up to one
  /// ending in 때 ("when") state the condition of an as-needed dose — one token, whose text is the
  /// condition's note. The first word is a subject ("열이", "소화가"), never a name ("베아제정
  /// 소화가 안될 때 1정", "게보린 두통이 …").
  void mark_condition_phrase() {
    size_t first = 0;
    while (first < out_.size() && out_[first].kind == TokenKind::kSeparator) {
      ++first;
    }
    if (first >= out_.size() || out_[first].kind != TokenKind::kWord ||
        dosage_form_of(std::string_view(lower_).substr(out_[first].begin,
                                                       out_[first].end - out_[first].begin)) ||
        !(out_[first].text(line_).ends_with("이") || out_[first].text(line_).ends_with("가"))) {
      return;
    }
    for (size_t k = first; k < out_.size() && k < first + 6; ++k) {
      const DosageToken& t = out_[k];
      if (t.kind != TokenKind::kWord && t.kind != TokenKind::kOther &&
          t.kind != TokenKind::kFiller) {
        return;
      }
      if (k > first && t.kind == TokenKind::kWord && t.text(line_).ends_with("때")) {
        out_[first].kind = TokenKind::kPrnCondition;
        out_[first].end = t.end;
        out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(first) + 1,
                   out_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
        return;
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
