#include "dailydrug/app/ocr_normalizer.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

bool is_space_like(uint32_t cp) {
  return cp == '\t' || cp == '\v' || cp == '\f' || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
         cp == 0x2028 || cp == 0x2029 || cp == 0xFFFD;
}

bool is_removed(uint32_t cp) {
  return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0xAD ||
         cp == 0xFE0F;  // the emoji presentation selector ("⚠️")
}

/// Pictographs of chat messages and app screens ("💊", "🛏️자기 전", "☀️ 아침"):
/// bullets and icons, read as a space. Marks of grids (✓ ○ ●) and ※ are not among them.
bool is_pictograph(uint32_t cp) {
  return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x2604) || cp == 0x263D ||
         cp == 0x263E;
}

/// Step 1: one code point → its replacement text (appended to `out`).
/// Hanja that older medicine bags print in their dosing words ("用法: 1日 3回 食後 30分", "1錠",
/// "朝夕", "就寢前", "日數"), read as the Hangul the lexicon knows. Only these: a name in Hanja
/// stays as printed.
struct HanjaReading {
  uint32_t cp;
  std::string_view hangul;
};
constexpr HanjaReading kDosageHanja[] = {
    {0x65E5, "일"}, {0x56DE, "회"}, {0x9320, "정"},   {0x98DF, "식"},   {0x5F8C, "후"},
    {0x524D, "전"}, {0x9593, "간"}, {0x671D, "아침"}, {0x5915, "저녁"}, {0x665D, "점심"},
    {0x5C31, "취"}, {0x5BE2, "침"}, {0x5BDD, "침"},   {0x5206, "분"},   {0x6BCF, "매"},
    {0x7528, "용"}, {0x6CD5, "법"}, {0x6578, "수"},   {0x7A7A, "공"},   {0x8179, "복"},
};

void map_code_point(uint32_t cp, std::string& out) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) {  // full-width ASCII
    out += static_cast<char>(cp - 0xFEE0);
    return;
  }
  for (const HanjaReading& h : kDosageHanja) {
    if (h.cp == cp) {
      out += h.hangul;
      return;
    }
  }
  if (is_removed(cp)) {
    return;
  }
  if (is_space_like(cp) || is_pictograph(cp) || cp < 0x20 || cp == 0x7F ||
      (cp >= 0x80 && cp <= 0x9F)) {
    out += ' ';
    return;
  }
  switch (cp) {
    case 0x26A0:  // ⚠: a warning sign marks a remark, as ※ does
      out += "※";
      return;
    case 0x338E:
      out += "mg";
      return;  // ㎎
    case 0x338F:
      out += "kg";
      return;  // ㎏
    case 0x3396:
      out += "ml";
      return;  // ㎖
    case 0x33C4:
      out += "cc";
      return;  // ㏄
    case 0x338D:
      out += "mcg";
      return;     // ㎍
    case 0x00B5:  // µ
    case 0x03BC:
      out += "u";
      return;     // μ
    case 0x00D7:  // ×
    case 0x2715:
    case 0x2716:
      out += "x";
      return;
    case 0x30FB:  // ・
    case 0x2027:
    case 0x2219:
    case 0xFF65:
      encode_utf8(0xB7, out);
      return;
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
      out += '-';
      return;
    case 0x301C:
      out += '~';
      return;
    case 0x00A6:  // ¦, a column bar
      out += '|';
      return;
    case 0x00BD:
      out += "1/2";
      return;
    case 0x2153:
      out += "1/3";
      return;
    case 0x00BC:
      out += "1/4";
      return;
    case 0x3010:
    case 0x3014:
    case 0x300C:
    case 0x300E:
    case 0x3008:
    case 0x300A:
      out += '[';
      return;
    case 0x3011:
    case 0x3015:
    case 0x300D:
    case 0x300F:
    case 0x3009:
    case 0x300B:
      out += ']';
      return;
    case 0x2018:
    case 0x2019:
      out += '\'';
      return;
    case 0x201C:
    case 0x201D:
      out += '"';
      return;
    default:
      break;
  }
  encode_utf8(cp, out);
}

std::vector<std::string> split_spaces(const std::string& text) {
  std::vector<std::string> tokens;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) {
      end = text.size();
    }
    if (end > pos) {
      tokens.push_back(text.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  return tokens;
}

bool is_single_syllable(const std::string& token) {
  const CodePoint c = decode_utf8(token, 0);
  return c.length == token.size() && is_hangul_syllable(c.value);
}

/// Step 3: join runs of >= 3 single-syllable tokens.
std::vector<std::string> join_spaced_hangul(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < tokens.size()) {
    size_t j = i;
    while (j < tokens.size() && is_single_syllable(tokens[j])) {
      ++j;
    }
    if (j - i >= 3) {
      std::string joined;
      for (size_t k = i; k < j; ++k) {
        joined += tokens[k];
      }
      out.push_back(std::move(joined));
      i = j;
    } else {
      out.push_back(tokens[i]);
      ++i;
    }
  }
  return out;
}

bool is_confusable(char c) {
  return c == 'O' || c == 'o' || c == 'I' || c == 'l';
}
bool is_numberish(char c) {
  return (c >= '0' && c <= '9') || c == '.' || is_confusable(c);
}
bool is_latin(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char digit_for(char c) {
  if (c == 'O' || c == 'o') {
    return '0';
  }
  if (c == 'I' || c == 'l') {
    return '1';
  }
  return c;
}

bool is_numeric_token(const std::string& token) {
  bool digit = false;
  for (const char c : token) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.') {
      return false;
    }
  }
  return digit;
}

/// Hangul syllables that follow a number as its unit: 정 캡(슐) 포 회 일 알 번 방(울) 매 개 주.
bool starts_with_hangul_unit(std::string_view rest) {
  if (rest.empty()) {
    return false;
  }
  const uint32_t cp = decode_utf8(rest, 0).value;
  for (const uint32_t unit : {0xC815u, 0xCEA1u, 0xD3ECu, 0xD68Cu, 0xC77Cu, 0xC54Cu, 0xBC88u,
                              0xBC29u, 0xB9E4u, 0xAC1Cu, 0xC8FCu}) {
    if (cp == unit) {
      return true;
    }
  }
  return false;
}

/// Step 4 on one token (rules (a) and (b)); rule (c) needs the neighbours and runs outside.
std::string repair_digits(const std::string& token) {
  std::string out = token;
  size_t i = 0;
  while (i < out.size()) {
    if (!is_numberish(out[i]) || (i > 0 && is_latin(out[i - 1]))) {
      ++i;
      continue;
    }
    size_t j = i;
    bool has_digit = false;
    bool has_confusable = false;
    while (j < out.size() && is_numberish(out[j])) {
      has_digit = has_digit || (out[j] >= '0' && out[j] <= '9');
      has_confusable = has_confusable || is_confusable(out[j]);
      ++j;
    }
    const bool followed_by_latin = j < out.size() && is_latin(out[j]);
    const bool starts_with_digit = out[i] >= '0' && out[i] <= '9';
    const std::string_view rest = std::string_view(out).substr(j);
    // "무코스타정l00mg", "스토가정lOmg": a strength unit right after makes the run a number.
    const bool followed_by_strength =
        rest.starts_with("mg") || rest.starts_with("mcg") || rest.starts_with("ml");
    bool map = false;
    if (has_confusable && followed_by_strength && (has_digit || j - i <= 2)) {
      map = true;
    } else if (has_confusable && has_digit) {
      // "1O일분", "O.5정", "5OOmg"; but not "O2" inside words like "CO2" (preceded by a letter,
      // excluded above) nor a letter run glued to a Latin word ("lot").
      map = !followed_by_latin || starts_with_digit;
    } else if (has_confusable && !has_digit && j - i <= 2) {
      map = starts_with_hangul_unit(std::string_view(out).substr(j));
    }
    if (map) {
      for (size_t k = i; k < j; ++k) {
        out[k] = digit_for(out[k]);
      }
    }
    i = j;
  }
  return out;
}

bool is_single_digit(const std::string& token) {
  return token.size() == 1 && token[0] >= '0' && token[0] <= '9';
}

/// A strength unit on its own ("mg") or after digits ("0mg"); these never follow a table cell.
bool is_strength_unit(std::string_view text) {
  for (const std::string_view unit : {"mg", "mcg", "g", "%", "밀리그램", "밀리그람"}) {
    if (text == unit) {
      return true;
    }
  }
  return false;
}
bool is_digits_then_strength(const std::string& token) {
  size_t i = 0;
  while (i < token.size() && token[i] >= '0' && token[i] <= '9') {
    ++i;
  }
  return i > 0 && is_strength_unit(std::string_view(token).substr(i));
}

/// Step 5: digits spaced out by OCR before a strength unit: "5 0 mg" → "50mg",
/// "1 0 0mg" → "100mg". Only before a strength, which a table cell never precedes.
std::vector<std::string> join_spaced_digits(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < tokens.size()) {
    size_t j = i;
    while (j < tokens.size() && is_single_digit(tokens[j])) {
      ++j;
    }
    const bool unit_word = j < tokens.size() && is_strength_unit(tokens[j]);
    const bool digit_unit = j < tokens.size() && is_digits_then_strength(tokens[j]);
    if (j > i && (j - i >= 2 || digit_unit) && (unit_word || digit_unit)) {
      std::string joined;
      for (size_t k = i; k <= j; ++k) {
        joined += tokens[k];
      }
      out.push_back(std::move(joined));
      i = j + 1;
    } else {
      out.push_back(tokens[i]);
      ++i;
    }
  }
  return out;
}

/// Column bars that OCR read as letters ("약품명 I 1회 I 횟수", "…300mg I 1캡슐 I 3 I 14"): two
/// or more lone I/l tokens on a line, one of them beside a word that is not a number, are all
/// bars. A single lone l between numbers stays a digit for rule (c) ("| l | 7").
void mark_bars_read_as_letters(std::vector<std::string>& tokens) {
  const auto lone_bar = [](const std::string& t) { return t == "I" || t == "l"; };
  const auto is_word = [&](size_t k) {
    return k < tokens.size() && !lone_bar(tokens[k]) && tokens[k] != "|" &&
           !is_numeric_token(tokens[k]);
  };
  size_t lone = 0;
  bool beside_word = false;
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (lone_bar(tokens[k])) {
      ++lone;
      beside_word = beside_word || (k > 0 && is_word(k - 1)) || is_word(k + 1);
    }
  }
  if (lone < 2 || !beside_word) {
    return;
  }
  for (std::string& t : tokens) {
    if (lone_bar(t)) {
      t = "|";
    }
  }
}

}  // namespace

const OcrLine* OcrDocument::line(int number) const {
  if (number < 1 || static_cast<size_t>(number) > lines.size()) {
    return nullptr;
  }
  return &lines[static_cast<size_t>(number) - 1];
}

std::string normalize_ocr_line(std::string_view raw_line) {
  std::string mapped;
  mapped.reserve(raw_line.size());
  for (size_t pos = 0; pos < raw_line.size();) {
    const CodePoint c = decode_utf8(raw_line, pos);
    map_code_point(c.value, mapped);
    pos += c.length;
  }
  std::vector<std::string> tokens = join_spaced_hangul(split_spaces(mapped));
  for (std::string& token : tokens) {
    token = repair_digits(token);
  }
  mark_bars_read_as_letters(tokens);
  // Rule (c): a lone O/o/I/l token between numeric table cells ("1 l 3", "| l | 7"); column
  // bars between the cells do not count.
  const auto numeric_neighbour = [&](size_t k, int step) {
    for (auto n = static_cast<std::ptrdiff_t>(k) + step;
         n >= 0 && n < static_cast<std::ptrdiff_t>(tokens.size()); n += step) {
      if (tokens[static_cast<size_t>(n)] != "|") {
        return is_numeric_token(tokens[static_cast<size_t>(n)]);
      }
    }
    return false;
  };
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (tokens[k].size() == 1 && is_confusable(tokens[k][0]) &&
        (numeric_neighbour(k, -1) || numeric_neighbour(k, +1))) {
      tokens[k][0] = digit_for(tokens[k][0]);
    }
  }
  tokens = join_spaced_digits(tokens);
  std::string out;
  for (const std::string& token : tokens) {
    if (!out.empty()) {
      out += ' ';
    }
    out += token;
  }
  return out;
}

std::string compact_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c != ' ') {
      out += c;
    }
  }
  return out;
}

Result<OcrDocument> normalize_ocr_text(std::string_view raw, const OcrNormalizerOptions& options) {
  if (raw.size() > options.max_input_bytes) {
    return Error::invalid("input", "too large: " + std::to_string(raw.size()) + " bytes (limit " +
                                       std::to_string(options.max_input_bytes) + ")");
  }
  if (raw.find('\0') != std::string_view::npos) {
    return Error::invalid("input", "contains NUL bytes (binary data, not text)");
  }
  if (const auto bad = find_invalid_utf8(raw)) {
    return Error::invalid("input", "not UTF-8 (byte " + std::to_string(*bad) + ")");
  }
  OcrDocument doc;
  bool any_text = false;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t end = raw.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      end = raw.size();
    }
    const std::string_view raw_line = raw.substr(pos, end - pos);
    OcrLine line;
    line.number = static_cast<int>(doc.lines.size()) + 1;
    if (raw_line.size() > options.max_line_bytes) {
      line.too_long = true;
      any_text = true;
    } else {
      line.text = normalize_ocr_line(raw_line);
      any_text = any_text || !line.text.empty();
    }
    doc.lines.push_back(std::move(line));
    if (end == raw.size()) {
      break;
    }
    pos = end + ((raw[end] == '\r' && end + 1 < raw.size() && raw[end + 1] == '\n') ? 2 : 1);
    if (pos == raw.size()) {
      break;  // a final line break does not start another line
    }
  }
  if (!any_text) {
    return Error::invalid("input", "empty: no text");
  }
  return doc;
}

}  // namespace dailydrug::app
