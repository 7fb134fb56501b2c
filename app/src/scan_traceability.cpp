#include "dailydrug/app/scan_traceability.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/scan_layout.h"
#include "dailydrug/app/time_slot_table.h"
#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

bool same(double a, double b) {
  return std::fabs(a - b) < 1e-6;
}

struct LexedLine {
  std::string_view text;
  std::vector<DosageToken> tokens;
};

class Tracer {
 public:
  Tracer(const ScanResult& result, const OcrDocument& doc) : result_(result), doc_(doc) {}

  std::vector<TraceIssue> run() {
    for (size_t i = 0; i < result_.medications.size(); ++i) {
      check(static_cast<int>(i), result_.medications[i]);
    }
    return std::move(issues_);
  }

 private:
  void issue(int med, std::string field, std::string message) {
    issues_.push_back({med, std::move(field), std::move(message)});
  }

  const OcrLine* usable(std::optional<int> number) const {
    if (!number) {
      return nullptr;
    }
    const OcrLine* line = doc_.line(*number);
    return line != nullptr && !line->too_long && !line->text.empty() ? line : nullptr;
  }

  LexedLine lex(const OcrLine& line) const { return {line.text, lex_dosage_line(line.text)}; }

  /// Looks up the line a field claims; reports a missing or bad line number.
  const OcrLine* field_line(int med, const char* field, std::optional<int> number) {
    const OcrLine* line = usable(number);
    if (line == nullptr) {
      issue(med, field,
            number ? "line " + std::to_string(*number) + " is not a text line of the input"
                   : "has a value but no field line");
    }
    return line;
  }

  /// `compact_name` occurs in `source`, or starts in it and goes on at the start of the next
  /// line (a name broken over two lines).
  bool occurs_from(const std::string& compact_name, const OcrLine& source) const {
    const std::string here = compact_text(source.text);
    if (here.find(compact_name) != std::string::npos) {
      return true;
    }
    const OcrLine* next = usable(source.number + 1);
    if (next == nullptr) {
      return false;
    }
    const size_t at = (here + compact_text(next->text)).find(compact_name);
    return at != std::string::npos && at < here.size() && at + compact_name.size() > here.size();
  }

  void check(int i, const ScannedMedication& m) {
    const OcrLine* source = usable(m.source_line);
    if (source == nullptr) {
      issue(i, "source_line", "line " + std::to_string(m.source_line) + " is not in the input");
      return;
    }
    const std::string compact_name = compact_text(m.name);
    if (compact_name.empty() || !occurs_from(compact_name, *source)) {
      issue(i, "name", "'" + m.name + "' does not occur in line " + std::to_string(m.source_line));
    }
    if (m.dose) {
      if (const OcrLine* line = field_line(i, "dose", m.field_lines.dose)) {
        check_dose(i, *m.dose, lex(*line), lex(*source));
      }
    }
    if (m.times_per_day) {
      if (const OcrLine* line = field_line(i, "times_per_day", m.field_lines.times_per_day)) {
        if (counts_in(lex(*line)).count(*m.times_per_day) == 0 &&
            !grid_count(line->number, *m.times_per_day)) {
          issue(i, "times_per_day",
                std::to_string(*m.times_per_day) + " is not written in line " +
                    std::to_string(line->number));
        }
      }
    }
    if (m.duration_days) {
      if (const OcrLine* line = field_line(i, "duration_days", m.field_lines.duration_days)) {
        if (durations_in(lex(*line)).count(*m.duration_days) == 0) {
          issue(i, "duration_days",
                std::to_string(*m.duration_days) + " days is not written in line " +
                    std::to_string(line->number));
        }
      }
    }
    if (m.timing) {
      if (const OcrLine* line = field_line(i, "timing", m.field_lines.timing)) {
        if (!timing_in(lex(*line), *m.timing) && !grid_timing(line->number, *m.timing)) {
          issue(i, "timing",
                std::string(timing_label(*m.timing)) + " is not written in line " +
                    std::to_string(line->number));
        }
      }
    }
    check_slots(i, m);
    for (const std::string& note : m.notes) {
      const std::string compact_note = compact_text(note);
      const bool found = !compact_note.empty() &&
                         std::any_of(doc_.lines.begin(), doc_.lines.end(), [&](const OcrLine& l) {
                           return compact_text(l.text).find(compact_note) != std::string::npos;
                         });
      if (!found) {
        issue(i, "notes", "'" + note + "' does not occur in the input");
      }
    }
  }

  void check_dose(int i, const std::string& text, const LexedLine& line, const LexedLine& source) {
    const auto dose = parse_dose_text(text);
    if (!dose) {
      return issue(i, "dose", "'" + text + "' is not a dose");
    }
    for (size_t k = 0; k < line.tokens.size(); ++k) {
      const DosageToken& t = line.tokens[k];
      if (t.kind == TokenKind::kDose && t.appropriate_amount && dose->appropriate_amount) {
        return;
      }
      const bool amount_matches = !dose->appropriate_amount && same(t.value, dose->amount) &&
                                  (t.value_max.has_value() == dose->amount_max.has_value()) &&
                                  (!t.value_max || same(*t.value_max, *dose->amount_max));
      if (!amount_matches) {
        continue;
      }
      if ((t.kind == TokenKind::kDose || t.kind == TokenKind::kStrength) && t.unit == dose->unit &&
          !t.appropriate_amount) {
        return;
      }
      if (t.kind == TokenKind::kNumber &&
          (dose->unit == DoseUnit::kNone || form_names_unit(source, dose->unit))) {
        return;
      }
    }
    issue(i, "dose", "'" + text + "' is not written in line " + std::to_string(line_number(line)));
  }

  int line_number(const LexedLine& line) const {
    for (const OcrLine& l : doc_.lines) {
      if (l.text.data() == line.text.data()) {
        return l.number;
      }
    }
    return 0;
  }

  static bool form_names_unit(const LexedLine& line, DoseUnit unit) {
    return std::any_of(line.tokens.begin(), line.tokens.end(), [&](const DosageToken& t) {
      if (t.kind != TokenKind::kWord) {
        return false;
      }
      const auto form = dosage_form_of(ascii_lower(t.text(line.text)));
      return form && form->unit == unit;
    });
  }

  /// A row of a timetable grid marks `count` parts of the day (its header names them, or it lost
  /// its empty cells).
  bool grid_count(int line, int count) const {
    const auto row = grid_row_at(doc_, line);
    return row && row->marked == count;
  }

  /// A row of a timetable grid whose marked columns have `timing` (the header's "아침식후", or a
  /// bedtime column alone).
  bool grid_timing(int line, Timing timing) const {
    const auto row = grid_row_at(doc_, line);
    return row && row->timing == timing;
  }

  static std::set<int> counts_in(const LexedLine& line) {
    std::set<int> counts;
    std::set<int> slots;
    int clocks = 0;
    for (const DosageToken& t : line.tokens) {
      const bool whole = t.value >= 1 && t.value == std::floor(t.value);
      switch (t.kind) {
        case TokenKind::kTimes:
        case TokenKind::kFrequency:
        case TokenKind::kNumber:
          if (whole) {
            counts.insert(static_cast<int>(t.value));
          }
          break;
        case TokenKind::kInterval:
          if (t.value > 0 && 24 % static_cast<int>(t.value) == 0) {
            counts.insert(24 / static_cast<int>(t.value));
          }
          break;
        case TokenKind::kPerDay:
          if (t.implies_once) {
            counts.insert(1);
          }
          break;
        case TokenKind::kTiming:
          if (t.implies_once) {
            counts.insert(1);
          }
          if (t.timing == Timing::kBedtime) {
            slots.insert(static_cast<int>(DaySlot::kBedtime));
          }
          break;
        case TokenKind::kSlot:
          slots.insert(static_cast<int>(t.slot));
          break;
        case TokenKind::kClock:
          ++clocks;
          break;
        default:
          break;
      }
    }
    if (!slots.empty()) {
      counts.insert(static_cast<int>(slots.size()));
    }
    if (clocks > 0) {
      counts.insert(clocks);
    }
    return counts;
  }

  static std::set<int> durations_in(const LexedLine& line) {
    std::set<int> days;
    for (size_t k = 0; k < line.tokens.size(); ++k) {
      const DosageToken& t = line.tokens[k];
      if (const auto phase = day_phase_of(t, line.text); phase && phase->days()) {
        days.insert(*phase->days());  // "1~3일", "4-6일째": 3 days
        continue;
      }
      if (const auto phase = numbered_days_at(line.text, line.tokens, k)) {
        days.insert(*phase->days());  // "on days 2-5": 4 days
      }
      if (t.value < 1 || t.value != std::floor(t.value)) {
        continue;
      }
      if (t.kind == TokenKind::kDays || t.kind == TokenKind::kNumber) {
        days.insert(static_cast<int>(t.value));
      } else if (t.kind == TokenKind::kWeeks) {
        days.insert(static_cast<int>(t.value) * 7);
      }
    }
    return days;
  }

  static bool timing_in(const LexedLine& line, Timing timing) {
    for (const DosageToken& t : line.tokens) {
      if ((t.kind == TokenKind::kTiming && t.timing == timing) ||
          (t.kind == TokenKind::kPrnCondition && timing == Timing::kAsNeeded)) {
        return true;
      }
    }
    // "식사 30분 후", "조식 후": ask the parser.
    const InstructionFields f = parse_instructions(line.text, 1, line.tokens, 0);
    return f.when.timing == timing;
  }

  void check_slots(int i, const ScannedMedication& m) {
    if (m.time_slots.empty()) {
      return;
    }
    SlotRequest request;
    request.times_per_day = m.times_per_day;
    request.timing = m.timing;
    // The "when" is read from the count's line and from the timing's line when that is another
    // one (a bag's "복용 횟수: 1일 2회 (아침, 저녁)" above "복용 시점: 식후 30분"); the parts of
    // the day from the count's line first, as the count was taken from them (a grid row's marks,
    // not a footer's "자기전 약은 취침 직전").
    std::vector<std::optional<int>> when_lines = {m.field_lines.times_per_day};
    if (m.field_lines.times_per_day != m.field_lines.timing || !m.field_lines.times_per_day) {
      when_lines.push_back(m.field_lines.timing);
    }
    for (const std::optional<int>& when_line : when_lines) {
      const OcrLine* line = usable(when_line);
      if (line == nullptr) {
        continue;
      }
      const auto tokens = lex_dosage_line(line->text);
      const InstructionFields f = parse_instructions(line->text, line->number, tokens, 0);
      if (!request.offset_minutes) {
        request.offset_minutes = f.when.offset_minutes;
      }
      // The line's parts of the day are this medication's only when as many as its count: two
      // rows on one line ("A정 1일 2회 아침,저녁 … / B정 1일 3회 …") each have their own.
      if (request.slots.empty() &&
          (!m.times_per_day || static_cast<int>(f.when.slots.size()) == *m.times_per_day)) {
        request.slots = f.when.slots;
      }
      if (request.slots.empty()) {
        if (const auto row = grid_row_at(doc_, line->number)) {
          request.slots = row->slots;  // the marks of a timetable grid's row
        }
      }
      if (request.clock_minutes.empty()) {
        request.clock_minutes = f.when.clock_minutes;
      }
      if (!request.interval_hours) {
        request.interval_hours = f.when.interval_hours;
      }
    }
    const SlotPlan plan = plan_time_slots(request);
    if (plan.outcome != SlotOutcome::kOk || plan.slots != m.time_slots) {
      issue(i, "time_slots", "do not follow from the fields and the slot table");
    }
  }

  const ScanResult& result_;
  const OcrDocument& doc_;
  std::vector<TraceIssue> issues_;
};

}  // namespace

std::vector<TraceIssue> check_traceability(const ScanResult& result, const OcrDocument& document) {
  return Tracer(result, document).run();
}

}  // namespace dailydrug::app
