#include "dailydrug/app/word_segmenter.h"

#include <string>
#include <utility>
#include <vector>

namespace dailydrug::app {
namespace {

constexpr size_t kMaxSegmentBytes = 64;

}  // namespace

DosageToken token_from_entry(const KeywordEntry& e) {
  DosageToken t;
  t.kind = e.kind;
  t.value = e.value;
  if (e.kind == TokenKind::kTiming) {
    t.timing = static_cast<Timing>(e.aux);
  } else if (e.kind == TokenKind::kSlot) {
    t.slot = static_cast<DaySlot>(e.aux);
  } else if (e.kind == TokenKind::kDose) {
    t.appropriate_amount = true;  // 적당량 is the only keyword dose
  }
  t.abbreviation = (e.flags & kLexAbbreviation) != 0;
  t.implies_once = (e.flags & kLexImpliesOnce) != 0;
  t.max_marker = (e.flags & kLexMax) != 0;
  t.caution = (e.flags & kLexCaution) != 0;
  t.explicit_unit = (e.flags & kLexExplicit) != 0;
  if ((e.flags & kLexAmPm) != 0) {
    t.pm = e.value > 0;
    t.am = !t.pm;
  }
  return t;
}

/// Korean numeral + count/dose unit inside a word: "세번", "한알", "반포", "한달", "석 달분".
std::optional<std::pair<size_t, DosageToken>> match_numeral(std::string_view text) {
  struct CountUnit {
    std::string_view text;
    TokenKind kind;
    DoseUnit unit;
  };
  static constexpr CountUnit kCountUnits[] = {
      {"번", TokenKind::kTimes, DoseUnit::kNone},     {"회", TokenKind::kTimes, DoseUnit::kNone},
      {"차례", TokenKind::kTimes, DoseUnit::kNone},   {"알", TokenKind::kDose, DoseUnit::kTablet},
      {"정", TokenKind::kDose, DoseUnit::kTablet},    {"포", TokenKind::kDose, DoseUnit::kPacket},
      {"캡슐", TokenKind::kDose, DoseUnit::kCapsule}, {"봉", TokenKind::kDose, DoseUnit::kPacket},
      {"방울", TokenKind::kDose, DoseUnit::kDrop},    {"달분", TokenKind::kMonths, DoseUnit::kNone},
      {"달치", TokenKind::kMonths, DoseUnit::kNone},  {"달간", TokenKind::kMonths, DoseUnit::kNone},
      {"달", TokenKind::kMonths, DoseUnit::kNone},
  };
  for (const NumeralEntry& n : korean_numerals()) {
    if (!text.starts_with(n.text)) {
      continue;
    }
    const std::string_view rest = text.substr(n.text.size());
    for (const CountUnit& u : kCountUnits) {
      if (!rest.starts_with(u.text)) {
        continue;
      }
      if ((n.value < 1 && u.kind != TokenKind::kDose) ||
          (n.text == "석" && u.kind != TokenKind::kMonths)) {
        continue;  // "반" only halves a dose; "석" counts months only ("석 달", not "석회")
      }
      DosageToken t;
      t.kind = u.kind;
      t.value = n.value;
      t.unit = u.unit;
      t.explicit_unit = u.text == "회";
      return std::make_pair(n.text.size() + u.text.size(), t);
    }
  }
  return std::nullopt;
}

/// Splits `text` (lower-case, no spaces) entirely into keywords, preferring the longest keyword at
/// each position; nullopt if some part is not a keyword.
std::optional<std::vector<Segment>> segment_words(std::string_view text) {
  if (text.empty() || text.size() > kMaxSegmentBytes) {
    return std::nullopt;
  }
  const size_t n = text.size();
  std::vector<size_t> len(n + 1, 0);
  std::vector<DosageToken> proto(n + 1);
  std::vector<bool> ok(n + 1, false);
  ok[n] = true;
  for (size_t i = n; i-- > 0;) {
    const std::string_view rest = text.substr(i);
    for (const KeywordEntry& e : keyword_entries()) {
      const size_t l = e.text.size();
      if (l > len[i] && rest.starts_with(e.text) && ok[i + l]) {
        len[i] = l;
        proto[i] = token_from_entry(e);
      }
    }
    if (const auto numeral = match_numeral(rest)) {
      const size_t l = numeral->first;
      if (l > len[i] && ok[i + l]) {
        len[i] = l;
        proto[i] = numeral->second;
      }
    }
    ok[i] = len[i] > 0;
  }
  if (!ok[0]) {
    return std::nullopt;
  }
  std::vector<Segment> out;
  for (size_t i = 0; i < n; i += len[i]) {
    out.push_back({i, i + len[i], proto[i]});
  }
  return out;
}

namespace {

bool is_copula(std::string_view rest) {
  return rest == "입니다" || rest == "이에요" || rest == "예요" || rest == "이요";
}

}  // namespace

std::optional<UnitMatch> match_unit(std::string_view word) {
  const UnitEntry* best = nullptr;
  std::vector<Segment> best_rest;
  for (const UnitEntry& u : unit_entries()) {
    if (!word.starts_with(u.text) || (best != nullptr && u.text.size() <= best->text.size())) {
      continue;
    }
    const std::string_view rest = word.substr(u.text.size());
    if (rest.empty()) {
      best = &u;
      best_rest.clear();
    } else if (auto segs = segment_words(rest)) {
      best = &u;
      best_rest = std::move(*segs);
    } else if (is_copula(rest)) {
      // "5일분입니다", "3일치예요": a sentence ending on the value, not a word of its own
      best = &u;
      DosageToken filler;
      filler.kind = TokenKind::kFiller;
      best_rest = {Segment{0, rest.size(), filler}};
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return UnitMatch{best, std::move(best_rest)};
}

}  // namespace dailydrug::app
