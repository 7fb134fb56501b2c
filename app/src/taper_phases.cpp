#include "taper_phases.h"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "dailydrug/app/scan_layout.h"
#include "reading_entry.h"

namespace dailydrug::app {
namespace {

/// Where the phases of a tapering course written on one line start ("1-3일: 2정씩, 4-7일: 1정씩",
/// "처음 3일 … / 다음 3일 …", "1~2일째 … 3~4일째 …", "…, then 2 tablets …"): the index of each
/// phase's first token.
std::vector<size_t> phase_starts(std::string_view line, const std::vector<DosageToken>& tokens,
                                 size_t from) {
  static constexpr std::string_view kOrder[] = {"처음", "다음", "마지막", "이후", "그다음"};
  std::vector<size_t> starts;
  for (size_t k = from; k < tokens.size(); ++k) {
    if (then_phase_at(line, tokens, k)) {
      starts.push_back(k);  // "4 tablets daily for 3 days, then 2 tablets …"
    }
  }
  if (!starts.empty()) {
    starts.insert(starts.begin(), from);
    return starts;
  }
  for (size_t k = from; k < tokens.size(); ++k) {
    if (day_phase_of(tokens[k], line)) {
      starts.push_back(k);
    } else if (tokens[k].kind == TokenKind::kDays && k > from &&
               std::find(std::begin(kOrder), std::end(kOrder), tokens[k - 1].text(line)) !=
                   std::end(kOrder)) {
      starts.push_back(k - 1);
    }
  }
  return starts;
}

}  // namespace

std::vector<InstructionFields> line_phases(const OcrLine& line,
                                           const std::vector<DosageToken>& tokens, size_t from) {
  const std::vector<size_t> starts = phase_starts(line.text, tokens, from);
  if (starts.size() < 2) {
    return {};
  }
  std::vector<InstructionFields> phases;
  for (size_t p = 0; p < starts.size(); ++p) {
    const size_t end = p + 1 < starts.size() ? starts[p + 1] : tokens.size();
    const std::vector<DosageToken> segment(tokens.begin(),
                                           tokens.begin() + static_cast<std::ptrdiff_t>(end));
    phases.push_back(parse_instructions(line.text, line.number, segment, starts[p]));
    if (!phases.back().dose.value) {
      return {};
    }
  }
  const std::vector<DosageToken> head(tokens.begin(),
                                      tokens.begin() + static_cast<std::ptrdiff_t>(starts[0]));
  InstructionFields common = parse_instructions(line.text, line.number, head, from);
  std::vector<InstructionFields> filled = phases;
  for (size_t p = 0; p < phases.size(); ++p) {
    Sources ignored;
    fill_missing(filled[p], ignored, common, FieldSource::kText);
    for (size_t distance = 1; distance < phases.size(); ++distance) {
      for (const size_t other : {p + distance, p - distance}) {
        if (other < phases.size()) {  // p - distance wraps below 0 to a huge index
          InstructionFields donor = phases[other];
          donor.notes.clear();  // another phase's label is not this one's
          fill_missing(filled[p], ignored, donor, FieldSource::kText);
        }
      }
    }
  }
  return filled;
}

}  // namespace dailydrug::app
