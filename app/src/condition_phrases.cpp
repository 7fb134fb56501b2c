#include "condition_phrases.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

constexpr size_t kMaxPhraseTokens = 5;

class ConditionPhrases {
 public:
  ConditionPhrases(std::string_view line, std::vector<DosageToken>& tokens)
      : line_(line), out_(tokens) {}

  void run() {
    for (size_t k = 0; k < out_.size(); ++k) {
      std::optional<size_t> subject;
      if (out_[k].kind == TokenKind::kPrnCondition) {
        subject =
            k > 0 && is_subject(k - 1) && !names_symptom(k) ? std::optional(k - 1) : std::nullopt;
      } else if (ends_condition(k) && !leads_to_caution(k)) {
        subject = subject_before(k);
      }
      if (subject) {
        subject = clause_start(*subject);
        merge(*subject, k);
        k = *subject;
      }
      if (out_[k].kind == TokenKind::kPrnCondition) {
        take_bracket(k);
      }
    }
  }

 private:
  std::string_view text(size_t k) const { return out_[k].text(line_); }

  /// "두통이", "소화가", "열": the subject of a condition. Not a name with a dosage form, a
  /// caution word, or an adverb ending in 이 ("같이", "많이").
  bool is_subject(size_t k) const {
    static constexpr std::string_view kAdverbs[] = {"같이", "많이", "깊이", "높이", "천천히"};
    const DosageToken& t = out_[k];
    if (t.kind != TokenKind::kWord || t.caution) {
      return false;
    }
    const std::string_view w = text(k);
    if (dosage_form_of(ascii_lower(w)) ||
        std::find(std::begin(kAdverbs), std::end(kAdverbs), w) != std::end(kAdverbs)) {
      return false;
    }
    return is_symptom_word(w) || (w.size() >= 6 && (w.ends_with("이") || w.ends_with("가")));
  }

  /// The start of the condition's clause: a subject after a connected verb ("긁어서 진물 날
  /// 때", "맥시부펜 먹고 2시간 지나도 열이 안 내리면") takes the clause that verb ends — back over
  /// words, numbers and hours to the line's start, a separator, an amount or a name.
  size_t clause_start(size_t subject) const {
    static constexpr std::string_view kConnectives[] = {"어서", "아서", "해서", "고", "도"};
    const auto connected = [&](size_t k) {
      const std::string_view w = text(k);
      return out_[k].kind == TokenKind::kWord && w.size() >= 6 && !is_symptom_word(w) &&
             std::any_of(std::begin(kConnectives), std::end(kConnectives),
                         [&](std::string_view c) { return w.ends_with(c); });
    };
    if (subject == 0 || !connected(subject - 1)) {
      return subject;
    }
    size_t first = subject - 1;
    for (size_t back = 0; back < kMaxPhraseTokens && first > 0; ++back) {
      const DosageToken& t = out_[first - 1];
      const bool part = (t.kind == TokenKind::kWord && !t.caution &&
                         !dosage_form_of(ascii_lower(text(first - 1)))) ||
                        t.kind == TokenKind::kHours || t.kind == TokenKind::kNumber;
      if (!part) {
        break;
      }
      --first;
    }
    return first;
  }

  /// "열날 때(38.5도 이상)": a bracket written onto the condition, holding no dose or count,
  /// states it more precisely and is part of it.
  void take_bracket(size_t k) {
    constexpr size_t kMaxBracketTokens = 5;
    if (k + 2 >= out_.size() || text(k + 1) != "(" || out_[k + 1].space_before) {
      return;
    }
    for (size_t close = k + 2; close < out_.size() && close <= k + kMaxBracketTokens; ++close) {
      const TokenKind kind = out_[close].kind;
      if (text(close) == ")") {
        merge(k, close);
        return;
      }
      if (kind == TokenKind::kDose || kind == TokenKind::kTimes || kind == TokenKind::kDays ||
          kind == TokenKind::kTiming || kind == TokenKind::kSeparator) {
        return;
      }
    }
  }

  /// A condition of the lexicon that names its symptom ("기침시", "열날때"): the word before it is
  /// no subject of its own ("판콜에이 기침시"), unlike before a bare predicate ("머리가 아플 때").
  bool names_symptom(size_t k) const {
    const std::string_view w = text(k);
    for (size_t end = 0; end < w.size();) {
      end += decode_utf8(w, end).length;
      if (is_symptom_word(w.substr(0, end))) {
        return true;
      }
    }
    return false;
  }

  /// A word ending in 때 ("when") or 면 ("if"), a particle aside: "때", "심할때", "때만",
  /// "이상이면".
  bool ends_condition(size_t k) const {
    if (out_[k].kind != TokenKind::kWord) {
      return false;
    }
    std::string_view w = text(k);
    for (const std::string_view particle : {"에는", "만", "는", "에"}) {
      if (w.size() > particle.size() && w.ends_with(particle)) {
        w.remove_suffix(particle.size());
        break;
      }
    }
    return w.ends_with("때") || (w.size() >= 6 && w.ends_with("면"));
  }

  /// The nearest subject before the word ending the condition at `end`, with only words, fillers
  /// and numbers between them.
  std::optional<size_t> subject_before(size_t end) const {
    for (size_t back = 1; back < kMaxPhraseTokens && back <= end; ++back) {
      const size_t k = end - back;
      if (is_subject(k)) {
        return k;
      }
      const TokenKind kind = out_[k].kind;
      if (kind != TokenKind::kWord && kind != TokenKind::kFiller && kind != TokenKind::kOther &&
          kind != TokenKind::kNumber) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  /// The rest of the condition's clause, up to a separator, is a caution, says to stop, or says
  /// when to take the medicine ("속이 쓰리면 식후에 복용": a condition of the timing, not of the
  /// dose).
  bool leads_to_caution(size_t end) const {
    for (size_t k = end + 1; k < out_.size() && out_[k].kind != TokenKind::kSeparator; ++k) {
      const DosageToken& t = out_[k];
      const bool meal_timing = (t.kind == TokenKind::kTiming && t.timing != Timing::kAsNeeded &&
                                t.timing != Timing::kBedtime) ||
                               t.kind == TokenKind::kMeal;
      if (t.caution || is_stop_word(text(k)) || meal_timing) {
        return true;
      }
    }
    return false;
  }

  void merge(size_t first, size_t last) {
    out_[first].kind = TokenKind::kPrnCondition;
    out_[first].end = out_[last].end;
    out_.erase(out_.begin() + static_cast<std::ptrdiff_t>(first) + 1,
               out_.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  }

  std::string_view line_;
  std::vector<DosageToken>& out_;
};

}  // namespace

void mark_condition_phrases(std::string_view line, std::vector<DosageToken>& tokens) {
  ConditionPhrases(line, tokens).run();
}

}  // namespace dailydrug::app
