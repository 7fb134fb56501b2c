#include "dailydrug/app/dosage_lexer.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/utf8_text.h"
#include "dailydrug/app/word_segmenter.h"
#include "number_text.h"
#include "token_context.h"

namespace dailydrug::app {

bool is_instruction_token(const DosageToken& t) {
  switch (t.kind) {
    case TokenKind::kDose:
    case TokenKind::kTimes:
    case TokenKind::kDays:
    case TokenKind::kWeeks:
    case TokenKind::kMonths:
    case TokenKind::kPerDay:
    case TokenKind::kNonDaily:
    case TokenKind::kFrequency:
    case TokenKind::kInterval:
    case TokenKind::kTiming:
    case TokenKind::kSlot:
    case TokenKind::kPrnCondition:
    case TokenKind::kClock:
      return true;
    default:
      return false;
  }
}

namespace {

bool is_separator_cp(uint32_t cp) {
  switch (cp) {
    case ',':
    case ';':
    case '(':
    case ')':
    case '[':
    case ']':
    case '|':
    case '{':
    case '}':
    case '<':
    case '>':
    case '*':
    case '"':
    case '\'':
    case '`':
    case '=':
    case '+':
    case '!':
    case '?':
    case 0xB7:
    case 0x203B:
    case 0x25B6:
    case 0x25BA:
    case 0x25A0:
    case 0x25A1:
    case 0x25CF:
    case 0x25CB:
    case 0x25C6:
    case 0x25C7:
    case 0x2605:
    case 0x2606:
    case 0x25B7:
    case 0x25CE:
    case 0x261E:
    case 0x2713:
    case 0x2714:
    case 0x3001:
    case 0x3002:
    case 0x2022:
    case 0xA7:    // §, a bullet
    case 0x2665:  // ♥
    case 0x25AA:
    case 0x2192:
    case 0x260E:
      return true;
    default:
      return false;
  }
}

bool is_circled_number(uint32_t cp) {
  return cp >= 0x2460 && cp <= 0x2473;
}

/// Characters that end a piece inside a chunk and stand as separators themselves.
bool is_soft_separator(char c) {
  return c == ':' || c == '/' || c == '-' || c == '~' || c == '.' || c == '#';
}

// ---- The lexer --------------------------------------------------------------------------------

struct Chunk {
  size_t begin = 0;
  size_t end = 0;
  bool space_before = false;
  bool separator_before = false;  // a separator token lies between this and the previous chunk
  bool whole_word = false;        // no digit and no soft separator: one word piece
  bool segments = false;          // whole_word and segment_words succeeds on it
};

class LineLexer {
 public:
  explicit LineLexer(std::string_view line) : line_(line), lower_(ascii_lower(line)) {}

  std::vector<DosageToken> run() {
    split_chunks();
    lex_chunks();
    post_process();
    return std::move(out_);
  }

 private:
  // Chunks and separator tokens, in line order (separators are emitted later, interleaved).
  struct Item {
    bool is_chunk = true;
    size_t index = 0;  // chunk index, or separator token index in seps_
  };

  void split_chunks() {
    size_t pos = 0;
    size_t start = 0;
    bool space = false;
    bool sep = false;
    const auto close = [&](size_t end) {
      if (end > start) {
        Chunk c;
        c.begin = start;
        c.end = end;
        c.space_before = space;
        c.separator_before = sep;
        items_.push_back({true, chunks_.size()});
        chunks_.push_back(c);
        space = false;
        sep = false;
      }
    };
    while (pos < line_.size()) {
      const CodePoint cp = decode_utf8(line_, pos);
      if (cp.value == ' ') {
        close(pos);
        space = true;
        start = pos + 1;
      } else if (is_thousands_comma(line_, pos, line_.size())) {
        // "1,250원": one number; the comma does not separate
      } else if (is_separator_cp(cp.value) || is_circled_number(cp.value) || ends_label(pos) ||
                 ends_sentence(start, pos)) {
        close(pos);
        DosageToken t;
        t.kind = is_circled_number(cp.value) ? TokenKind::kOrdinal : TokenKind::kSeparator;
        t.value = is_circled_number(cp.value) ? cp.value - 0x2460 + 1 : 0;
        t.begin = pos;
        t.end = pos + cp.length;
        t.space_before = space;
        items_.push_back({false, seps_.size()});
        seps_.push_back(t);
        space = false;
        sep = true;
        start = pos + cp.length;
      }
      pos += cp.length;
    }
    close(line_.size());
    for (Chunk& c : chunks_) {
      const std::string_view text = std::string_view(lower_).substr(c.begin, c.end - c.begin);
      c.whole_word = std::none_of(text.begin(), text.end(),
                                  [](char ch) { return is_digit(ch) || is_soft_separator(ch); });
      c.segments = c.whole_word && segment_words(text).has_value();
    }
  }

  /// An English sentence's full stop after a word of three letters or more ("… as needed for
  /// pain. Do not …"): a separator, so that the word may join its neighbours ("for pain"). Not
  /// in a dotted abbreviation ("p.o.", "b.i.d.").
  bool ends_sentence(size_t start, size_t pos) const {
    constexpr size_t kMinWord = 3;
    const auto latin = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); };
    if (line_[pos] != '.' || pos < start + kMinWord ||
        !(pos + 1 == line_.size() || line_[pos + 1] == ' ')) {
      return false;
    }
    const std::string_view word = line_.substr(start, pos - start);
    return std::all_of(word.begin(), word.end(), latin);
  }

  /// A colon ending a chunk ("자기 전: A정", "용법: …") separates it from the next, so that the
  /// words before it may join ("자기 전" is one bedtime word); "08:00" keeps its colon.
  bool ends_label(size_t pos) const {
    return line_[pos] == ':' && (pos + 1 == line_.size() || line_[pos + 1] == ' ');
  }

  std::string_view chunk_lower(size_t i) const {
    return std::string_view(lower_).substr(chunks_[i].begin, chunks_[i].end - chunks_[i].begin);
  }
  /// The chunk is one number ("5", "0.5", "1-2"), short enough not to be a code.
  bool is_plain_number(size_t i) const {
    const Chunk& c = chunks_[i];
    if (!is_digit(line_[c.begin])) {
      return false;
    }
    const NumberText n = parse_number(line_, c.begin, c.end);
    return n.end == c.end && n.int_digits < 6;
  }
  bool adjacent(size_t i) const {  // chunk i follows chunk i-1 with only spaces between
    return i > 0 && i < chunks_.size() && !chunks_[i].separator_before;
  }

  /// Joined lower-case text of chunks [first, first+count) with a map back to line offsets.
  std::string joined(size_t first, size_t count, std::vector<size_t>& map) const {
    std::string text;
    map.clear();
    for (size_t k = first; k < first + count; ++k) {
      for (size_t b = chunks_[k].begin; b < chunks_[k].end; ++b) {
        text += lower_[b];
        map.push_back(b);
      }
    }
    return text;
  }

  bool window_ok(size_t first, size_t count) const {
    if (first + count > chunks_.size()) {
      return false;
    }
    for (size_t k = first; k < first + count; ++k) {
      if (!chunks_[k].whole_word || (k > first && !adjacent(k))) {
        return false;
      }
    }
    std::vector<size_t> map;
    return segment_words(joined(first, count, map)).has_value();
  }

  void lex_chunks() {
    // Plan which chunks are lexed together: a failed word with its neighbours (phrase), or a
    // bare number with the unit word after it.
    std::vector<size_t> group(chunks_.size(), 1);  // group[i] = chunks starting at i (0 = inside)
    for (size_t i = 0; i < chunks_.size(); ++i) {
      if (group[i] == 0) {
        continue;
      }
      if (is_plain_number(i) && adjacent(i + 1)) {
        const std::string_view next = chunk_lower(i + 1);
        // "5 ml", "7 days" — but not "28 매 식후", where the word is a keyword ("every").
        if (next.find_first_of("0123456789") == std::string_view::npos &&
            match_unit(next).has_value() && !segment_words(next).has_value()) {
          group[i] = 2;
          group[i + 1] = 0;
          ++i;
          continue;
        }
      }
      if (!chunks_[i].whole_word || chunks_[i].segments) {
        continue;
      }
      // Forward windows first, then windows ending here (only over ungrouped single chunks).
      if (window_ok(i, 2) && group[i + 1] == 1) {
        group[i] = 2, group[i + 1] = 0;
      } else if (window_ok(i, 3) && group[i + 1] == 1 && group[i + 2] == 1) {
        group[i] = 3, group[i + 1] = 0, group[i + 2] = 0;
      } else if (i >= 1 && group[i - 1] == 1 && adjacent(i) && window_ok(i - 1, 2)) {
        group[i - 1] = 2, group[i] = 0;
      } else if (i >= 2 && group[i - 2] == 1 && group[i - 1] == 1 && adjacent(i) &&
                 adjacent(i - 1) && window_ok(i - 2, 3)) {
        group[i - 2] = 3, group[i - 1] = 0, group[i] = 0;
      }
    }
    for (const Item& item : items_) {
      if (!item.is_chunk) {
        out_.push_back(seps_[item.index]);
        continue;
      }
      const size_t i = item.index;
      if (group[i] == 0) {
        continue;
      }
      const size_t first_token = out_.size();
      if (group[i] > 1 && chunks_[i].whole_word) {
        std::vector<size_t> map;
        const std::string text = joined(i, group[i], map);
        const std::vector<Segment> segs = segment_words(text).value_or(std::vector<Segment>{});
        for (const Segment& s : segs) {
          emit(s.proto, map[s.begin], map[s.end - 1] + 1);
        }
      } else if (group[i] == 2) {
        lex_number_with_unit(i);
      } else {
        lex_chunk(chunks_[i]);
      }
      if (out_.size() > first_token) {
        out_[first_token].space_before = chunks_[i].space_before;
      }
    }
  }

  void emit(DosageToken t, size_t begin, size_t end) {
    t.begin = begin;
    t.end = end;
    out_.push_back(t);
  }

  void emit_kind(TokenKind kind, size_t begin, size_t end) {
    DosageToken t;
    t.kind = kind;
    emit(t, begin, end);
  }

  /// "5" + "ml", "7" + "days": a bare number chunk and the unit chunk after it.
  void lex_number_with_unit(size_t i) {
    const Chunk& num = chunks_[i];
    const Chunk& unit_chunk = chunks_[i + 1];
    const NumberText n = parse_number(line_, num.begin, num.end);
    const UnitMatch m = *match_unit(chunk_lower(i + 1));
    emit_quantity(*m.unit, n, num.begin, unit_chunk.begin + m.unit->text.size());
    emit_segments(m.rest, unit_chunk.begin + m.unit->text.size());
  }

  void emit_segments(const std::vector<Segment>& segs, size_t base) {
    for (const Segment& s : segs) {
      emit(s.proto, base + s.begin, base + s.end);
    }
  }

  void emit_quantity(const UnitEntry& u, const NumberText& n, size_t begin, size_t end) {
    DosageToken t;
    t.kind = u.kind;
    t.value = n.value;
    t.value_max = n.max;
    t.unit = u.unit;
    t.explicit_unit = (u.flags & kLexExplicit) != 0;
    t.after = (u.flags & kLexAfter) != 0;
    t.before = (u.flags & kLexBefore) != 0;
    if (u.kind == TokenKind::kClock) {
      if (n.value == static_cast<int>(n.value) && n.value <= 24 && !n.max) {
        t.clock_minutes = static_cast<int>(n.value) % 24 * 60;
      } else {
        t.kind = TokenKind::kOther;
      }
    }
    emit(t, begin, end);
  }

  void lex_chunk(const Chunk& c) {
    const std::string_view lower = std::string_view(lower_).substr(c.begin, c.end - c.begin);
    if (const auto minutes = clock_minutes_of(lower)) {
      DosageToken t;
      t.kind = TokenKind::kClock;
      t.clock_minutes = *minutes;
      return emit(t, c.begin, c.end);
    }
    if (is_date_chunk(lower)) {
      return emit_kind(TokenKind::kDate, c.begin, c.end);
    }
    if (is_phone_chunk(lower)) {
      return emit_kind(TokenKind::kPhone, c.begin, c.end);
    }
    if ((lower.size() >= 2 && lower[0] == '#' && all_digits(lower.substr(1))) ||
        is_alphanumeric_code(line_.substr(c.begin, c.end - c.begin))) {
      return emit_kind(TokenKind::kCode, c.begin, c.end);
    }
    if (lower.size() >= 3 && lower[0] == 'q' && lower.back() == 'h' &&
        all_digits(lower.substr(1, lower.size() - 2))) {
      // At most 9 digits: std::stoi throws past INT_MAX ("q5555555555h" in garbled OCR text).
      const std::string_view digits = lower.substr(1, lower.size() - 2);
      const int hours = digits.size() <= 9 ? std::stoi(std::string(digits)) : 0;
      DosageToken t;
      t.kind = hours > 0 && hours <= 24 ? TokenKind::kInterval : TokenKind::kWord;
      t.value = hours;
      t.abbreviation = true;
      return emit(t, c.begin, c.end);
    }
    if (lower.find('.') != std::string_view::npos &&
        std::all_of(lower.begin(), lower.end(),
                    [](char ch) { return ch == '.' || (ch >= 'a' && ch <= 'z'); })) {
      std::string undotted;
      for (const char ch : lower) {
        if (ch != '.') {
          undotted += ch;
        }
      }
      for (const KeywordEntry& e : keyword_entries()) {
        if (e.text == undotted && ((e.flags & kLexAbbreviation) != 0 || undotted == "po")) {
          return emit(token_from_entry(e), c.begin, c.end);
        }
      }
    }
    lex_pieces(c);
  }

  void lex_pieces(const Chunk& c) {
    size_t p = c.begin;
    bool prev_word = false;
    while (p < c.end) {
      const char ch = line_[p];
      if (is_digit(ch)) {
        const NumberText n = parse_number(line_, p, c.end);
        size_t we = n.end;
        while (we < c.end && !is_digit(line_[we]) && !is_soft_separator(line_[we])) {
          we += decode_utf8(line_, we).length;
        }
        prev_word = lex_number_piece(p, n, we, prev_word);
        p = we;
      } else if (is_soft_separator(ch)) {
        emit_kind(TokenKind::kSeparator, p, p + 1);
        prev_word = false;
        ++p;
      } else {
        size_t we = p;
        while (we < c.end && !is_digit(line_[we]) && !is_soft_separator(line_[we])) {
          we += decode_utf8(line_, we).length;
        }
        lex_word_piece(p, we);
        prev_word = true;
        p = we;
      }
    }
  }

  /// Returns true if the piece ended up as part of a word (a name: "B12", "8시간이알서방정").
  bool lex_number_piece(size_t begin, const NumberText& n, size_t word_end, bool prev_word) {
    if (n.int_digits >= 6) {
      emit_kind(TokenKind::kCode, begin, word_end);
      return false;
    }
    const size_t word_begin = n.end;
    const std::string_view word =
        std::string_view(lower_).substr(word_begin, word_end - word_begin);
    if (word.empty()) {
      if (prev_word) {
        emit_kind(TokenKind::kWord, begin, word_end);
        return true;
      }
      DosageToken t;
      t.kind = TokenKind::kNumber;
      t.value = n.value;
      t.value_max = n.max;
      emit(t, begin, n.end);
      return false;
    }
    if (auto m = match_unit(word)) {
      const size_t unit_end = word_begin + m->unit->text.size();
      emit_quantity(*m->unit, n, begin, unit_end);
      emit_segments(m->rest, unit_end);
      return false;
    }
    if (!prev_word) {
      if (auto segs = segment_words(word)) {
        DosageToken t;
        t.kind = TokenKind::kNumber;
        t.value = n.value;
        t.value_max = n.max;
        emit(t, begin, n.end);
        emit_segments(*segs, word_begin);
        return false;
      }
    }
    emit_kind(TokenKind::kWord, begin, word_end);
    return true;
  }

  void lex_word_piece(size_t begin, size_t end) {
    const std::string_view word = std::string_view(lower_).substr(begin, end - begin);
    if (word == "x") {
      return emit_kind(TokenKind::kSeparator, begin, end);
    }
    if (auto segs = segment_words(word)) {
      return emit_segments(*segs, begin);
    }
    DosageToken t;
    t.kind = TokenKind::kWord;
    t.caution = contains_caution_keyword(word);
    emit(t, begin, end);
  }

  bool is_sep(size_t i, char c) const {
    return i < out_.size() && out_[i].kind == TokenKind::kSeparator &&
           out_[i].end - out_[i].begin == 1 && line_[out_[i].begin] == c;
  }

  /// "one tablet", "two times a day": an English number word before a dose unit or "times".
  std::optional<DosageToken> english_count(size_t i) const {
    static constexpr std::pair<std::string_view, double> kNumbers[] = {
        {"one", 1},       {"two", 2},     {"three", 3}, {"four", 4}, {"five", 5},
        {"six", 6},       {"seven", 7},   {"eight", 8}, {"nine", 9}, {"ten", 10},
        {"fourteen", 14}, {"thirty", 30}, {"half", 0.5}};
    static constexpr std::pair<std::string_view, DoseUnit> kUnits[] = {
        {"tablet", DoseUnit::kTablet},   {"tablets", DoseUnit::kTablet},
        {"tab", DoseUnit::kTablet},      {"tabs", DoseUnit::kTablet},
        {"capsule", DoseUnit::kCapsule}, {"capsules", DoseUnit::kCapsule},
        {"cap", DoseUnit::kCapsule},     {"caps", DoseUnit::kCapsule},
        {"drop", DoseUnit::kDrop},       {"drops", DoseUnit::kDrop}};
    if (i + 1 >= out_.size()) {
      return std::nullopt;
    }
    const auto text = [&](size_t k) {
      return std::string_view(lower_).substr(out_[k].begin, out_[k].end - out_[k].begin);
    };
    const auto number = std::find_if(std::begin(kNumbers), std::end(kNumbers),
                                     [&](const auto& n) { return n.first == text(i); });
    if (number == std::end(kNumbers)) {
      return std::nullopt;
    }
    DosageToken t = out_[i];
    t.end = out_[i + 1].end;
    t.value = number->second;
    const auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                   [&](const auto& u) { return u.first == text(i + 1); });
    if (unit != std::end(kUnits)) {
      t.kind = TokenKind::kDose;
      t.unit = unit->second;
      return t;
    }
    if ((text(i + 1) == "times" || text(i + 1) == "time") && t.value >= 1) {
      t.kind = TokenKind::kTimes;
      t.explicit_unit = true;
      return t;
    }
    if ((text(i + 1) == "days" || text(i + 1) == "day") && t.value >= 1) {
      t.kind = TokenKind::kDays;  // "for seven days"
      t.explicit_unit = true;
      return t;
    }
    if ((text(i + 1) == "weeks" || text(i + 1) == "week") && t.value >= 1) {
      t.kind = TokenKind::kWeeks;  // "for two weeks"
      return t;
    }
    return std::nullopt;
  }

  void post_process() {
    // "1." / "2)" / "3" at the start of a line: a row number.
    size_t first = 0;
    while (first < out_.size() && out_[first].kind == TokenKind::kSeparator) {
      ++first;
    }
    if (first + 1 < out_.size() && out_[first].kind == TokenKind::kNumber &&
        (is_sep(first + 1, '.') || is_sep(first + 1, ')') ||
         (first > 0 && is_sep(first - 1, '[') && is_sep(first + 1, ']'))) &&
        !out_[first + 1].space_before) {
      out_[first].kind = TokenKind::kOrdinal;  // "[1]" too
    }
    std::vector<DosageToken> merged;
    for (size_t i = 0; i < out_.size(); ++i) {
      DosageToken t = out_[i];
      if (const auto counted = english_count(i)) {
        merged.push_back(*counted);
        ++i;
        continue;
      }
      // "every 8 hours": an interval, as q8h.
      if (t.kind == TokenKind::kWord && i + 1 < out_.size() &&
          out_[i + 1].kind == TokenKind::kHours &&
          std::string_view(lower_).substr(t.begin, t.end - t.begin) == "every" &&
          out_[i + 1].value >= 1 && out_[i + 1].value <= 24 &&
          out_[i + 1].value == static_cast<int>(out_[i + 1].value)) {
        DosageToken interval = out_[i + 1];
        interval.kind = TokenKind::kInterval;
        interval.begin = t.begin;
        merged.push_back(interval);
        ++i;
        continue;
      }
      // "250mg/5ml": a concentration is one strength; so is a patch's rate "12mcg/h".
      const auto per_hour = [&](const DosageToken& u) {
        const std::string_view w = std::string_view(lower_).substr(u.begin, u.end - u.begin);
        return u.kind == TokenKind::kWord && (w == "h" || w == "hr");
      };
      if (t.kind == TokenKind::kStrength && is_sep(i + 1, '/') && i + 2 < out_.size() &&
          (out_[i + 2].kind == TokenKind::kStrength || per_hour(out_[i + 2]) ||
           (out_[i + 2].kind == TokenKind::kDose && out_[i + 2].unit == DoseUnit::kMilliliter)) &&
          !out_[i + 1].space_before && !out_[i + 2].space_before) {
        t.end = out_[i + 2].end;
        merged.push_back(t);
        i += 2;
        continue;
      }
      // "1T #2 BID": on a hospital order a small '#N' right after the dose is the number of
      // doses a day (the day's amount divided in N); "Disp: #20" is a quantity.
      if (t.kind == TokenKind::kCode && !merged.empty() && merged.back().kind == TokenKind::kDose &&
          t.end - t.begin == 2 && line_[t.begin] == '#' && line_[t.begin + 1] >= '1' &&
          line_[t.begin + 1] <= '6') {
        t.kind = TokenKind::kTimes;
        t.value = line_[t.begin + 1] - '0';
        t.explicit_unit = true;
      }
      // "3월 15일": a date, not a duration.
      if (t.kind == TokenKind::kDays && !t.explicit_unit && !merged.empty() &&
          merged.back().kind == TokenKind::kDate) {
        t.kind = TokenKind::kDate;
      }
      // "Rx 1:", "약 2:" — a numbered label: the number is a row number.
      if (i == first && t.kind == TokenKind::kWord && i + 2 < out_.size() &&
          out_[i + 1].kind == TokenKind::kNumber && is_sep(i + 2, ':')) {
        const auto kind = label_kind(std::string_view(lower_).substr(t.begin, t.end - t.begin));
        t.kind = TokenKind::kLabel;
        t.label = kind.value_or(LabelKind::kOther);
        merged.push_back(t);
        DosageToken number = out_[i + 1];
        number.kind = TokenKind::kOrdinal;
        merged.push_back(number);
        ++i;
        continue;
      }
      // "용법:", "Rx:", "주의:" — a word before ':' (not a product: "코대원정 : 1회 1정").
      if ((t.kind == TokenKind::kWord || t.kind == TokenKind::kFiller) && is_sep(i + 1, ':')) {
        const std::string_view word = std::string_view(lower_).substr(t.begin, t.end - t.begin);
        if (const auto kind = label_kind(word)) {
          t.kind = TokenKind::kLabel;
          t.label = *kind;
        } else if (t.kind == TokenKind::kWord && i == first && !dosage_form_of(word)) {
          t.kind = TokenKind::kLabel;
          t.label = LabelKind::kOther;
        }
      }
      merged.push_back(t);
    }
    out_ = std::move(merged);
    read_in_context(line_, lower_, out_);
  }

  std::string_view line_;
  std::string lower_;  // ascii_lower(line_): same byte offsets
  std::vector<Chunk> chunks_;
  std::vector<DosageToken> seps_;
  std::vector<Item> items_;
  std::vector<DosageToken> out_;
};

std::string_view kind_name(TokenKind kind) {
  switch (kind) {
    case TokenKind::kWord:
      return "word";
    case TokenKind::kNumber:
      return "num";
    case TokenKind::kDose:
      return "dose";
    case TokenKind::kStrength:
      return "strength";
    case TokenKind::kTimes:
      return "times";
    case TokenKind::kDays:
      return "days";
    case TokenKind::kWeeks:
      return "weeks";
    case TokenKind::kMonths:
      return "months";
    case TokenKind::kMinutes:
      return "min";
    case TokenKind::kHours:
      return "hours";
    case TokenKind::kClock:
      return "clock";
    case TokenKind::kPerDay:
      return "perday";
    case TokenKind::kNonDaily:
      return "nondaily";
    case TokenKind::kFrequency:
      return "freq";
    case TokenKind::kInterval:
      return "interval";
    case TokenKind::kTiming:
      return "timing";
    case TokenKind::kSlot:
      return "slot";
    case TokenKind::kMeal:
      return "meal";
    case TokenKind::kAfter:
      return "after";
    case TokenKind::kBefore:
      return "before";
    case TokenKind::kImmediately:
      return "immediately";
    case TokenKind::kPrnCondition:
      return "prn";
    case TokenKind::kMax:
      return "max";
    case TokenKind::kLabel:
      return "label";
    case TokenKind::kFiller:
      return "filler";
    case TokenKind::kOrdinal:
      return "ordinal";
    case TokenKind::kCode:
      return "code";
    case TokenKind::kDate:
      return "date";
    case TokenKind::kPhone:
      return "phone";
    case TokenKind::kMoney:
      return "money";
    case TokenKind::kOther:
      return "other";
    case TokenKind::kSeparator:
      return "sep";
  }
  return "?";
}

}  // namespace

std::vector<DosageToken> lex_dosage_line(std::string_view line) {
  return LineLexer(line).run();
}

std::string describe_tokens(std::string_view line, const std::vector<DosageToken>& tokens) {
  std::string out;
  for (const DosageToken& t : tokens) {
    if (!out.empty()) {
      out += ' ';
    }
    out += kind_name(t.kind);
    out += ':';
    out += t.text(line);
  }
  return out;
}

}  // namespace dailydrug::app
