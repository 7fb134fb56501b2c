#include "document_reader.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/scan_layout.h"
#include "dailydrug/app/utf8_text.h"
#include "table_cells.h"

namespace dailydrug::app {
namespace {

constexpr int kHardMaxMedications = 64;  // the schema's maxItems

bool lacks_any(const InstructionFields& have, const InstructionFields& offer) {
  return (!have.dose.present() && offer.dose.present()) ||
         (!have.times.present() && !have.non_daily && (offer.times.present() || offer.non_daily)) ||
         (!have.days.present() && !have.days_in_months &&
          (offer.days.present() || offer.days_in_months)) ||
         (!have.when.present() && offer.when.present());
}

/// Fills what `dst` lacks from `src`; returns whether anything was taken.
bool fill(InstructionFields& dst, Sources& sources, const InstructionFields& src, FieldSource how) {
  bool took = false;
  if (!dst.dose.present() && src.dose.present()) {
    dst.dose = src.dose;
    dst.dose_unit_from_form = src.dose_unit_from_form;
    sources.dose = how;
    took = true;
  }
  if (!dst.times.present() && !dst.non_daily && (src.times.present() || src.non_daily)) {
    dst.times = src.times;
    dst.times_is_max = src.times_is_max;
    dst.times_from_interval = src.times_from_interval;
    dst.non_daily = src.non_daily;
    dst.non_daily_line = src.non_daily_line;
    sources.times = how;
    took = true;
  }
  if (!dst.days.present() && !dst.days_in_months && (src.days.present() || src.days_in_months)) {
    dst.days = src.days;
    dst.days_in_months = src.days_in_months;
    dst.months_line = src.months_line;
    sources.days = how;
    took = true;
  }
  if (!dst.when.present() && src.when.present()) {
    dst.when = src.when;
    sources.when = how;
    took = true;
  } else if (!dst.when.timing && !dst.when.timing_ambiguous &&
             (src.when.timing || src.when.timing_ambiguous)) {
    // "복용 횟수: 1일 2회 (아침, 저녁)" then "복용 시점: 식후 30분": parts of the day from one
    // line, the meal timing from another.
    if (dst.when.parts_line == 0) {
      dst.when.parts_line = dst.when.line;  // the count still comes from the parts' line
    }
    dst.when.timing = src.when.timing;
    dst.when.timing_ambiguous = src.when.timing_ambiguous;
    dst.when.offset_minutes = src.when.offset_minutes;
    dst.when.line = src.when.line;
    sources.when = how;
    took = true;
  }
  if (took) {
    dst.notes.insert(dst.notes.end(), src.notes.begin(), src.notes.end());
  }
  return took;
}

Sources own_sources(const InstructionFields& f) {
  Sources s;
  const auto mark = [](bool present) { return present ? FieldSource::kText : FieldSource::kNone; };
  s.dose = mark(f.dose.present());
  s.times = mark(f.times.present() || f.non_daily);
  s.days = mark(f.days.present() || f.days_in_months);
  s.when = mark(f.when.present());
  return s;
}

/// Where the phases of a tapering course written on one line start ("1-3일: 2정씩, 4-7일: 1정씩",
/// "처음 3일 … / 다음 3일 …", "1~2일째 … 3~4일째 …"): the index of each phase's first token.
std::vector<size_t> phase_starts(std::string_view line, const std::vector<DosageToken>& tokens,
                                 size_t from) {
  static constexpr std::string_view kOrder[] = {"처음", "다음", "마지막", "이후", "그다음"};
  std::vector<size_t> starts;
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

/// The phases of a tapering course on one line, each read on its own; what a phase leaves out
/// (the count and timing written once, before the first phase or after the last) comes from the
/// others, nearest first, without their labels. Empty unless the line has two or more phases
/// and each has a dose.
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
    fill(filled[p], ignored, common, FieldSource::kText);
    for (size_t distance = 1; distance < phases.size(); ++distance) {
      for (const size_t other : {p + distance, p - distance}) {
        if (other < phases.size()) {  // p - distance wraps below 0 to a huge index
          InstructionFields donor = phases[other];
          donor.notes.clear();  // another phase's label is not this one's
          fill(filled[p], ignored, donor, FieldSource::kText);
        }
      }
    }
  }
  return filled;
}

/// The first piece of a name broken over two lines, and its line.
struct Fragment {
  std::string text;
  int line = 0;
  bool listed = false;  // after a bullet or a row number
};

enum class LineKind { kBlank, kHeader, kNotice, kGuidance, kMedicine, kInstruction, kNote, kOther };

class DocumentReader {
 public:
  DocumentReader(const OcrDocument& doc, int max_medications)
      : doc_(doc), max_medications_(std::clamp(max_medications, 1, kHardMaxMedications)) {}

  void run() {
    for (const OcrLine& line : doc_.lines) {
      prev_ = read(line);
    }
    apply_footer_notes();
    apply_footer_directions();
    apply_document_duration();
  }

  std::vector<Entry> entries;
  std::vector<ScanWarning> warnings;
  bool saw_instructions = false;
  bool too_many = false;

 private:
  LineKind read(const OcrLine& line) {
    if (line.number == wrapped_line_) {
      return prev_;  // the end of the row above, already read
    }
    if (line.too_long) {
      ScanWarning w;
      w.code = scan_warning::kLineTooLong;
      w.line = line.number;
      w.message = std::to_string(line.number) + "번째 줄이 너무 길어 읽지 않았습니다.";
      warnings.push_back(std::move(w));
      end_block();
      return LineKind::kBlank;
    }
    if (line.text.empty()) {
      end_block();
      return LineKind::kBlank;
    }
    const std::vector<DosageToken> tokens = lex_dosage_line(line.text);
    const std::string compact_lower = ascii_lower(compact_text(line.text));
    if (column_on_one_line(line, tokens)) {
      return LineKind::kHeader;
    }
    if (label_value_ && labelled_value(line, tokens)) {
      return LineKind::kMedicine;  // the medication's block goes on
    }
    if (column_label(compact_lower)) {
      return label_value_ ? LineKind::kMedicine : LineKind::kHeader;
    }
    if (column_run_ && column_cell(line, tokens)) {
      return LineKind::kOther;
    }
    end_columns();
    if (row_cells_ && row_cell(line, tokens)) {
      return prev_;  // a cell of the row above: the row continues
    }
    row_cells_.reset();
    auto grid = parse_slot_grid(line.text, tokens);
    if (!grid && starts_cell_rows(doc_, line.number)) {
      grid = parse_parts_header(line.text, tokens);  // "아침 점심 저녁 취침전" over rows of cells
    }
    if (grid) {
      grid_ = std::move(grid);
      columns_.reset();
      shared_.reset();
      end_block();
      return LineKind::kHeader;
    }
    if (const auto header = parse_table_header(compact_lower); header && !holds_amount(tokens)) {
      grid_.reset();
      columns_ = header;
      assign_rows_above(*header);
      shared_.reset();
      end_block();
      in_guidance_ = false;
      return LineKind::kHeader;
    }
    if (is_name_column_header(compact_lower, tokens)) {
      end_block();               // directions above (a title's "30일") still serve the rows
      return LineKind::kHeader;  // "투약시간 | 약품명 | 1회 용량": the rows follow
    }
    const auto name = find_medicine_name(line.text, tokens);
    InstructionFields fields =
        !name ? parse_instructions(line.text, line.number, tokens, 0)
        : name->after_instructions
            ? parse_instructions(line.text, line.number, tokens, 0, name->first_token,
                                 name->end_token)
            : parse_instructions(line.text, line.number, tokens, name->end_token);
    const std::optional<LabelKind> label = leading_label(tokens);
    if (!name && label == LabelKind::kInfo && !is_note_line(line.text, tokens)) {
      return prev_;  // "효능: …", "모양: …" between a name and its directions
    }
    const bool money_or_phone = std::any_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
      return t.kind == TokenKind::kMoney || t.kind == TokenKind::kPhone;
    });
    // Directions with a dose and a count are directions even when a later sentence mentions
    // the doctor or the pharmacy ("… 1정씩 드세요. 근육통이 생기면 의사와 상담하세요.").
    const bool directions = !name && fields.dose.present() && fields.times.present();
    const bool notice =
        money_or_phone ||
        (has_notice_keyword(after_name_label(line.text, tokens, label, compact_lower)) &&
         !directions);
    if (name && (!notice || (name->anchored && fields.has_fields()))) {
      in_guidance_ = false;
      if (grid_ && grid_row(line, tokens, *name)) {
        return LineKind::kMedicine;
      }
      if (!name->after_instructions) {
        if (auto phases = line_phases(line, tokens, name->end_token); !phases.empty()) {
          taper_on_one_line(line, *name, std::move(phases));
          return LineKind::kMedicine;
        }
      }
      const auto listed = split_name_list(line.text, tokens, *name);
      if (listed.empty()) {
        if (const auto rows = split_medicine_rows(line.text, tokens, *name); !rows.empty()) {
          medicine_rows(line, tokens, rows);
          return LineKind::kMedicine;
        }
        medicine(line, *name, std::move(fields));
        return LineKind::kMedicine;
      }
      medicine_list(line, tokens, listed);
      return LineKind::kMedicine;
    }
    if (!name && label == LabelKind::kCaution && has_text_after_label(line.text, tokens)) {
      note(line, tokens);  // "주의사항: 졸음이 …": a caution of the medication above
      return LineKind::kNote;
    }
    if (has_guidance_keyword(compact_lower)) {
      in_guidance_ = true;
      end_block();
      return LineKind::kGuidance;
    }
    if (notice) {
      note_document_duration(line, compact_lower, tokens);
      end_block();
      return LineKind::kNotice;
    }
    if (!name && only_duration(fields)) {
      // "투약일수 7일" above a table: the whole document's duration, whether or not the header
      // that follows ends these directions
      note_document_duration(line, compact_lower, tokens);
    }
    if (in_guidance_) {
      // Under a guidance heading: general advice. Directions there can only be shared ones for
      // medications listed after them ("복약안내 / 1일 2회 식후 / - Augmentin …"); they never
      // reach back to medications above, and notes are ignored.
      if (!name && fields.has_fields()) {
        become_shared(std::move(fields));
        return LineKind::kInstruction;
      }
      return LineKind::kOther;
    }
    if (!name && label == LabelKind::kCaution) {
      note(line, tokens);  // "주의: 공복에 복용 시 …": a caution, whatever words it uses
      return LineKind::kNote;
    }
    if (!name && fields.day_phase) {
      if (auto phases = line_phases(line, tokens, 0); !phases.empty()) {
        // "처음 3일 … / 다음 3일 … / 마지막 3일 …" under the name: the first phase completes the
        // name's entry (or is a phase of its own), each further one is a phase of its own
        if (!taper_phase(phases.front())) {
          instruction(std::move(phases.front()));
        }
        prev_ = LineKind::kInstruction;
        for (size_t p = 1; p < phases.size(); ++p) {
          taper_phase(phases[p]);
        }
        return LineKind::kInstruction;
      }
      if (taper_phase(fields)) {
        return LineKind::kInstruction;
      }
    }
    if (!name && fields.has_fields()) {
      instruction(std::move(fields));
      return LineKind::kInstruction;
    }
    if (!name && is_note_line(line.text, tokens)) {
      note(line, tokens);
      if (starts_with_remark(line.text, tokens)) {
        footer_notes_.push_back({entries.size(), block_, line.number});
      }
      return LineKind::kNote;
    }
    fragment_ = name_fragment(line, tokens);
    if (fragment_ && fragment_->listed && directions_follow(line.number)) {
      // "② 베아제" / "1회 1정 1일 3회 식후": a numbered item naming a product without a form
      // word, with its directions on the next line.
      MedicineName item;
      item.text = fragment_->text;
      item.first_token = tokens.size() - 1;
      item.end_token = tokens.size();
      fragment_.reset();
      medicine(line, item, InstructionFields{});
      return LineKind::kMedicine;
    }
    return LineKind::kOther;
  }

  /// A dose or a strength: the line holds values ("약품: A캡슐20mg | 용량: 1캡슐 | 일수: 14일"),
  /// so its column words are labels, not a table header.
  static bool holds_amount(const std::vector<DosageToken>& tokens) {
    return std::any_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
      return t.kind == TokenKind::kDose || t.kind == TokenKind::kStrength;
    });
  }

  /// The line without a leading name label ("처방약 : A정, B정" → "A정,B정"): the label's own
  /// words ("처방", "조제") do not make the line a notice.
  static std::string after_name_label(std::string_view text, const std::vector<DosageToken>& tokens,
                                      std::optional<LabelKind> label,
                                      const std::string& compact_lower) {
    if (label != LabelKind::kName) {
      return compact_lower;
    }
    const auto at = std::find_if(tokens.begin(), tokens.end(),
                                 [](const DosageToken& t) { return t.kind == TokenKind::kLabel; });
    return ascii_lower(compact_text(text.substr(at->end)));
  }

  static bool only_duration(const InstructionFields& f) {
    return f.days.value && !f.dose.present() && !f.times.present() && !f.when.present() &&
           !f.non_daily;
  }

  void end_block() {
    context_.clear();
    block_.clear();
  }

  /// A row of a timetable grid ("아모잘탄정5/50mg 1정 ○ - - -" under "약품명 1회량 아침식후 …"):
  /// its marks are the parts of the day, its dose and days cells are read by column; false if
  /// the row's cells do not fit the header (see read_grid_row).
  bool grid_row(const OcrLine& line, const std::vector<DosageToken>& tokens,
                const MedicineName& name) {
    const auto row = read_grid_row(*grid_, line.text, tokens, name.end_token);
    if (!row) {
      return false;
    }
    InstructionFields f;
    f.when.slots = row->slots;
    f.when.timing = row->timing;
    f.when.line = line.number;
    const auto amount_of = [&](const DosageToken& t) -> std::optional<DoseAmount> {
      if (t.kind == TokenKind::kDose) {
        return DoseAmount{t.appropriate_amount, t.value, t.value_max, t.unit};
      }
      if (t.kind == TokenKind::kNumber && t.value > 0) {
        f.dose_unit_from_form = true;
        return DoseAmount{false, t.value, t.value_max, DoseUnit::kNone};
      }
      return std::nullopt;
    };
    if (row->dose_token) {
      f.dose = {amount_of(tokens[*row->dose_token]), false, line.number};
    } else if (row->slot_amount) {
      f.dose = {DoseAmount{false, *row->slot_amount, std::nullopt, DoseUnit::kNone}, false,
                line.number};
      f.dose_unit_from_form = true;
    }
    if (row->days_token) {
      const DosageToken& t = tokens[*row->days_token];
      if ((t.kind == TokenKind::kNumber || t.kind == TokenKind::kDays) && t.value >= 1 &&
          t.value == std::floor(t.value)) {
        f.days = {static_cast<int>(t.value), false, line.number};
      }
    }
    medicine(line, name, std::move(f));
    Entry& e = entries.back();
    for (FieldSource* s : {&e.src.dose, &e.src.times, &e.src.days, &e.src.when}) {
      if (*s == FieldSource::kText) {
        *s = FieldSource::kTableCell;
      }
    }
    return true;
  }

  /// The first piece of a name broken over two lines: a list item ("• 레바미피", "3. 록소프")
  /// holding one word of two or more syllables that names nothing yet — no dosage form, no
  /// category ("…약", "…제").
  static std::optional<Fragment> name_fragment(const OcrLine& line,
                                               const std::vector<DosageToken>& tokens) {
    if (tokens.empty() || tokens.back().kind != TokenKind::kWord) {
      return std::nullopt;
    }
    for (size_t k = 0; k + 1 < tokens.size(); ++k) {
      if (tokens[k].kind != TokenKind::kSeparator && tokens[k].kind != TokenKind::kOrdinal) {
        return std::nullopt;
      }
    }
    const std::string_view word = tokens.back().text(line.text);
    if (word.size() < 6 || tokens.back().caution || dosage_form_of(word) || word.ends_with("약") ||
        word.ends_with("제")) {
      return std::nullopt;
    }
    return Fragment{std::string(word), line.number, tokens.size() > 1};
  }

  /// The rest of a broken name: the line starts with it, and without a list mark above it is a
  /// short piece ("드정100mg": at most two syllables before the strength), not a name of its own.
  bool continues_fragment(const OcrLine& line, const MedicineName& name) const {
    if (!fragment_ || fragment_->line + 1 != line.number || name.first_token != 0) {
      return false;
    }
    const std::string_view head =
        std::string_view(name.text).substr(0, name.text.find_first_of("0123456789 ("));
    return fragment_->listed || head.size() <= 6;
  }

  /// Words follow the leading label and its colon ("주의사항: 졸음 …", not "주의사항").
  static bool has_text_after_label(std::string_view text, const std::vector<DosageToken>& tokens) {
    const auto label = std::find_if(tokens.begin(), tokens.end(), [](const DosageToken& t) {
      return t.kind == TokenKind::kLabel;
    });
    return label != tokens.end() && std::any_of(label + 1, tokens.end(), [&](const DosageToken& t) {
             return t.kind != TokenKind::kSeparator || t.text(text) != ":";
           });
  }

  /// The line after `number` holds directions with a dose or a count, and no name.
  bool directions_follow(int number) const {
    const OcrLine* next = doc_.line(number + 1);
    if (next == nullptr || next->too_long || next->text.empty()) {
      return false;
    }
    const auto tokens = lex_dosage_line(next->text);
    if (find_medicine_name(next->text, tokens)) {
      return false;
    }
    const InstructionFields f = parse_instructions(next->text, next->number, tokens, 0);
    return f.dose.present() || f.times.present();
  }

  static std::optional<LabelKind> leading_label(const std::vector<DosageToken>& tokens) {
    for (const DosageToken& t : tokens) {
      if (t.kind == TokenKind::kLabel) {
        return t.label;
      }
      if (t.kind != TokenKind::kSeparator && t.kind != TokenKind::kOrdinal) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  static bool starts_with_remark(std::string_view text, const std::vector<DosageToken>& tokens) {
    return !tokens.empty() && tokens[0].kind == TokenKind::kSeparator &&
           tokens[0].text(text) == "※";
  }

  static bool is_note_line(std::string_view text, const std::vector<DosageToken>& tokens) {
    if (starts_with_remark(text, tokens)) {
      return true;  // ※ marks a remark
    }
    return std::any_of(tokens.begin(), tokens.end(), [&](const DosageToken& t) {
      return t.caution || t.kind == TokenKind::kMax ||
             (t.kind == TokenKind::kLabel && t.label == LabelKind::kCaution) ||
             (t.kind == TokenKind::kWord && t.text(text).starts_with("간격"));
    });
  }

  void medicine(const OcrLine& line, const MedicineName& name, InstructionFields own) {
    if (static_cast<int>(entries.size()) >= max_medications_) {
      too_many = true;
      return;
    }
    Entry e;
    e.name = name.text;
    e.source_line = line.number;
    if (continues_fragment(line, name)) {
      // "• 레바미피" / "드정100mg …": a name broken over two lines, kept from its first line
      e.name = fragment_->text + name.text;
      e.source_line = fragment_->line;
    }
    e.form = name.form;
    e.src = own_sources(own);
    if (!own.bare_numbers.empty()) {
      assign_cells(e, own, line.number);
    }
    e.f = std::move(own);
    const size_t index = entries.size();
    const bool has_own = e.f.has_fields();
    entries.push_back(std::move(e));
    block_.push_back(index);
    Entry& added = entries.back();
    if (columns_ && !has_own && added.f.bare_numbers.empty()) {
      row_cells_ = RowCells{index, 0};  // the row's cells may follow one per line
    }
    if (!has_own) {
      if (shared_) {
        fill(added.f, added.src, *shared_, FieldSource::kShared);
        shared_members_.push_back(index);
        context_ = shared_members_;
      } else {
        pending_.push_back(index);
        context_ = pending_;
      }
      return;
    }
    if (shared_ && fill(added.f, added.src, *shared_, FieldSource::kShared)) {
      shared_members_.push_back(index);
    }
    context_ = {index};
  }

  /// "소론도정5mg 1-3일: 1회 2정씩, 4-7일: 1회 1정씩 / 1일 2회 식후": one medication per phase,
  /// all on the name's line.
  void taper_on_one_line(const OcrLine& line, const MedicineName& name,
                         std::vector<InstructionFields> phases) {
    for (InstructionFields& phase : phases) {
      medicine(line, name, std::move(phase));
    }
  }

  /// A tapering course under one name ("소론도정5mg" / "1~3일: 1회 4정 …" / "4~6일: 1회 2정
  /// …"): the first phase completes the name's entry, each further phase is a medication of its
  /// own with the same name and name line; what a phase line leaves out comes from the phase
  /// before.
  bool taper_phase(const InstructionFields& f) {
    if (entries.empty() || !f.dose.value ||
        (prev_ != LineKind::kInstruction && prev_ != LineKind::kMedicine)) {
      return false;
    }
    const Entry& before = entries.back();
    if (!before.f.dose.value) {
      return false;
    }
    if (static_cast<int>(entries.size()) >= max_medications_) {
      too_many = true;
      return true;
    }
    Entry e;
    e.name = before.name;
    e.source_line = before.source_line;
    e.form = before.form;
    e.f = f;
    const Sources own = own_sources(f);
    const auto moved = [](FieldSource s) {
      return s == FieldSource::kText ? FieldSource::kContinuation : s;
    };
    e.src = {moved(own.dose), moved(own.times), moved(own.days), moved(own.when)};
    InstructionFields previous = before.f;
    previous.notes.clear();  // the phase label of the phase before is not this one's
    fill(e.f, e.src, previous, FieldSource::kContinuation);
    entries.push_back(std::move(e));
    block_.push_back(entries.size() - 1);
    context_ = {entries.size() - 1};
    return true;
  }

  /// "약 목록: A, B, C": one medication per name, all on this line. Directions before the first
  /// name or after the last apply to all of them. A timetable by part of the day ("아침 식후: A,
  /// B" / "저녁 식후: B, C") lists a medicine once per part: its lines merge into one medication.
  void medicine_list(const OcrLine& line, const std::vector<DosageToken>& tokens,
                     const std::vector<ListedName>& listed) {
    InstructionFields fields =
        parse_instructions(line.text, line.number, tokens, listed.back().name.end_token);
    const std::vector<DosageToken> head(
        tokens.begin(),
        tokens.begin() + static_cast<std::ptrdiff_t>(listed.front().name.first_token));
    Sources ignored;
    fill(fields, ignored, parse_instructions(line.text, line.number, head, 0), FieldSource::kText);
    const bool by_part_of_day = !fields.when.slots.empty();
    for (const ListedName& n : listed) {
      if (by_part_of_day && merge_timetable_row(n.name.text, fields.when)) {
        continue;
      }
      medicine(line, n.name, fields);
      if (by_part_of_day && entries.size() <= static_cast<size_t>(max_medications_)) {
        timetable_.push_back(entries.size() - 1);
      }
    }
  }

  /// Several medications on one line, each with its own dose, cells or directions ("아침 식후:
  /// A정 1정, B정 1정", two merged table rows); directions before the first name apply to all.
  void medicine_rows(const OcrLine& line, const std::vector<DosageToken>& tokens,
                     const std::vector<MedicineRow>& rows) {
    const std::vector<DosageToken> head(
        tokens.begin(),
        tokens.begin() + static_cast<std::ptrdiff_t>(rows.front().name.first_token));
    const InstructionFields shared = parse_instructions(line.text, line.number, head, 0);
    for (const MedicineRow& row : rows) {
      const std::vector<DosageToken> own(
          tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(row.tokens_end));
      InstructionFields fields =
          parse_instructions(line.text, line.number, own, row.name.end_token);
      Sources ignored;
      fill(fields, ignored, shared, FieldSource::kText);
      medicine(line, row.name, std::move(fields));
    }
  }

  /// Adds the parts of the day of `when` to the medication of an earlier timetable row with the
  /// same name; false if there is none.
  bool merge_timetable_row(const std::string& name, const DoseWhen& when) {
    const auto same = std::find_if(timetable_.begin(), timetable_.end(),
                                   [&](size_t c) { return entries[c].name == name; });
    if (same == timetable_.end()) {
      return false;
    }
    DoseWhen& own = entries[*same].f.when;
    for (const DaySlot slot : when.slots) {
      if (std::find(own.slots.begin(), own.slots.end(), slot) == own.slots.end()) {
        own.slots.push_back(slot);
      }
    }
    if (own.timing != when.timing) {
      own.timing.reset();
      own.timing_ambiguous = true;
    }
    return true;
  }

  /// Bare numbers after a name → the table's columns (table_cells.h); without a header they are
  /// reported, not guessed.
  void assign_cells(Entry& e, InstructionFields& f, int line) {
    if (!columns_) {
      e.unassigned_numbers = true;
      e.before_header = true;
      return;
    }
    if (wrapped_row(e, f, line)) {
      return;
    }
    assign_row_numbers(*columns_, e, f, line);
  }

  /// A row whose last cells OCR put on the next line ("①타이레놀정500mg / 1 / 3 /" / "5"): the
  /// row ends with a cell separator, so it goes on; its numbers fill the first columns and the
  /// next line's — nothing but bare numbers — the rest, each traced to its own line. A row that
  /// just lacks a cell ("타이레놀정 1 3" / "5") is not completed from a number that may be the
  /// next row's. False (nothing done) for any other row.
  bool wrapped_row(Entry& e, InstructionFields& f, int line) {
    const auto columns = static_cast<size_t>(columns_->count);
    const OcrLine* row = doc_.line(line);
    const OcrLine* next = doc_.line(line + 1);
    if (f.has_fields() || f.bare_numbers.size() >= columns || next == nullptr || next->too_long ||
        next->text.empty() || (!row->text.ends_with('/') && !row->text.ends_with('|'))) {
      return false;
    }
    const auto tokens = lex_dosage_line(next->text);
    if (!std::all_of(tokens.begin(), tokens.end(), [](const DosageToken& t) {
          return t.kind == TokenKind::kNumber || t.kind == TokenKind::kSeparator;
        })) {
      return false;
    }
    const InstructionFields rest = parse_instructions(next->text, next->number, tokens, 0);
    if (f.bare_numbers.size() + rest.bare_numbers.size() != columns) {
      return false;
    }
    TableHeader head;
    TableHeader tail;
    for (size_t c = 0; c < columns; ++c) {
      TableHeader& part = c < f.bare_numbers.size() ? head : tail;
      part.columns[part.count++] = columns_->columns[c];
    }
    const std::vector<double> own = f.bare_numbers;
    assign_row_numbers(head, e, f, line);
    f.bare_numbers = rest.bare_numbers;
    assign_row_numbers(tail, e, f, next->number);
    f.bare_numbers = own;
    wrapped_line_ = next->number;
    return true;
  }

  /// A table whose header OCR read after its rows (a rotated photo): the rows of the block above
  /// that had bare numbers and no header take this one.
  void assign_rows_above(const TableHeader& header) {
    for (const size_t c : block_) {
      Entry& e = entries[c];
      if (e.before_header) {
        e.before_header = false;
        e.unassigned_numbers = false;
        assign_row_numbers(header, e, e.f, e.source_line);
      }
    }
  }

  void instruction(InstructionFields f) {
    saw_instructions = true;
    const bool after_entry = prev_ == LineKind::kMedicine || prev_ == LineKind::kInstruction;
    if (!pending_.empty()) {
      const FieldSource how = FieldSource::kContinuation;
      for (const size_t p : pending_) {
        fill(entries[p].f, entries[p].src, f, how);
      }
      context_ = pending_;
      pending_.clear();
      shared_is_last_ = false;
      return;
    }
    // Directions right after entries that lack some of them: a broken line ("7일분 식후"), or
    // a closing line for the whole list ("(퇴원약 14일분)"). Only missing fields are filled.
    std::vector<size_t> lacking;
    if (after_entry) {
      std::copy_if(block_.begin(), block_.end(), std::back_inserter(lacking),
                   [&](size_t c) { return lacks_any(entries[c].f, f); });
    }
    if (!lacking.empty()) {
      for (const size_t c : lacking) {
        fill(entries[c].f, entries[c].src, f, FieldSource::kContinuation);
      }
      context_ = lacking;
      shared_is_last_ = false;
      return;
    }
    if (prev_ == LineKind::kInstruction && shared_is_last_ && shared_) {
      Sources ignored;
      fill(*shared_, ignored, f, FieldSource::kShared);  // directions broken over two lines
      return;
    }
    become_shared(std::move(f));
  }

  void become_shared(InstructionFields f) {
    if (prev_ == LineKind::kInstruction && shared_is_last_ && shared_) {
      Sources ignored;
      fill(*shared_, ignored, f, FieldSource::kShared);
      return;
    }
    shared_ = std::move(f);
    shared_members_.clear();
    context_.clear();
    shared_is_last_ = true;
    shared_after_ = entries.size();
    shared_in_guidance_ = in_guidance_;
  }

  /// Directions below the last medication that no medication took — set apart from the list by
  /// a notice or a remark ("약사 홍길동" / "모든 약은 식후 30분에 드세요") — are the bag's footer:
  /// they fill what every medication lacks. Directions under a guidance heading stay general.
  void apply_footer_directions() {
    if (!shared_ || !shared_members_.empty() || shared_in_guidance_ || entries.empty() ||
        shared_after_ != entries.size()) {
      return;
    }
    for (Entry& e : entries) {
      fill(e.f, e.src, *shared_, FieldSource::kDocument);
    }
  }

  /// A table read column by column: the names were listed without anything else, then each
  /// column label is followed by one cell per name, in the same order.
  bool start_column(LayoutColumn column) {
    if (column_rows_.empty()) {
      if (pending_.size() < 2) {
        return false;
      }
      column_rows_ = pending_;
      pending_.clear();
    }
    column_run_ = ColumnRun{column, 0};
    return true;
  }

  /// A column label of a table read column by column, whole or split over lines; true if the
  /// line was one (or a piece of one).
  bool column_label(const std::string& compact_lower) {
    const std::string joined = label_prefix_ + compact_lower;
    label_prefix_.clear();
    const auto column = parse_column_label(joined);
    if (column && start_column(*column)) {
      return true;
    }
    if (column && !entries.empty() && (prev_ == LineKind::kMedicine || label_value_)) {
      // "자누비아정100mg" / "1회 투약량" / "1정" / "1일 투여횟수" / "1회": an app screen's field
      // label of the medication above; its value is the next line (never "1일" as 1 day)
      label_value_ = *column;
      return true;
    }
    label_value_.reset();
    if ((!column_rows_.empty() || pending_.size() >= 2) && is_column_label_prefix(joined)) {
      label_prefix_ = joined;
      return true;
    }
    return false;
  }

  /// A table read column by column with each column on one line: the names listed alone, then
  /// "1회 투약량 1 1" / "1일 투여횟수 2 3" / "총 투약일수 7 7" — a column label followed by one
  /// bare number per name, in the names' order. False (nothing done) for any other line.
  bool column_on_one_line(const OcrLine& line, const std::vector<DosageToken>& tokens) {
    const auto first_number = std::find_if(tokens.begin(), tokens.end(), [](const DosageToken& t) {
      return t.kind == TokenKind::kNumber;
    });
    if (first_number == tokens.begin() || first_number == tokens.end()) {
      return false;
    }
    std::vector<double> cells;
    for (auto t = first_number; t != tokens.end(); ++t) {
      if (t->kind == TokenKind::kNumber) {
        cells.push_back(t->value);
      } else if (t->kind != TokenKind::kSeparator) {
        return false;
      }
    }
    const std::vector<size_t>& names = column_rows_.empty() ? pending_ : column_rows_;
    const auto column = parse_column_label(
        ascii_lower(compact_text(std::string_view(line.text).substr(0, first_number->begin))));
    if (!column || *column == LayoutColumn::kDirections || names.size() < 2 ||
        cells.size() != names.size()) {
      return false;
    }
    if (column_rows_.empty()) {
      column_rows_ = pending_;
      pending_.clear();
    }
    for (size_t k = 0; k < cells.size(); ++k) {
      InstructionFields value;
      value.bare_numbers = {cells[k]};
      Entry& e = entries[column_rows_[k]];
      fill(e.f, e.src, column_cell_fields(*column, value, line.number), FieldSource::kTableCell);
    }
    return true;
  }

  /// The value under a field label ("1회 투약량" / "1정"): a cell of that column for the last
  /// medication; false if the line is no such value (it is then read as usual).
  bool labelled_value(const OcrLine& line, const std::vector<DosageToken>& tokens) {
    const LayoutColumn column = *label_value_;
    if (find_medicine_name(line.text, tokens)) {
      label_value_.reset();
      return false;
    }
    const InstructionFields cell = column_cell_fields(
        column, parse_instructions(line.text, line.number, tokens, 0), line.number);
    if (!cell.has_fields()) {
      label_value_.reset();
      return false;
    }
    Entry& e = entries.back();
    fill(e.f, e.src, cell, FieldSource::kTableCell);
    // it has directions now: no longer a name of a list waiting for some (or of a column table)
    pending_.erase(std::remove(pending_.begin(), pending_.end(), entries.size() - 1),
                   pending_.end());
    return true;
  }

  /// Under a table header, a row whose name stands alone may have its cells on the following
  /// lines, one per line, in the header's order ("트윈스타정40/5mg" / "1정" / "1" / "30").
  bool row_cell(const OcrLine& line, const std::vector<DosageToken>& tokens) {
    RowCells& row = *row_cells_;
    while (row.next < static_cast<size_t>(columns_->count) &&
           columns_->columns[row.next] == TableColumn::kTotal) {
      ++row.next;
    }
    if (row.next >= static_cast<size_t>(columns_->count) || find_medicine_name(line.text, tokens)) {
      return false;
    }
    const InstructionFields cell =
        row_cell_fields(columns_->columns[row.next],
                        parse_instructions(line.text, line.number, tokens, 0), line.number);
    if (!cell.has_fields()) {
      return false;
    }
    Entry& e = entries[row.entry];
    fill(e.f, e.src, cell, FieldSource::kTableCell);
    ++row.next;
    return true;
  }

  void end_columns() {
    column_run_.reset();
    column_rows_.clear();
  }

  /// The next cell of the current column, if `line` is one.
  bool column_cell(const OcrLine& line, const std::vector<DosageToken>& tokens) {
    ColumnRun& run = *column_run_;
    if (run.next >= column_rows_.size() || find_medicine_name(line.text, tokens)) {
      return false;
    }
    const InstructionFields cell = column_cell_fields(
        run.column, parse_instructions(line.text, line.number, tokens, 0), line.number);
    if (!cell.has_fields()) {
      return false;
    }
    Entry& e = entries[column_rows_[run.next++]];
    fill(e.f, e.src, cell, FieldSource::kTableCell);
    return true;
  }

  void note_document_duration(const OcrLine& line, std::string_view compact_lower,
                              const std::vector<DosageToken>& tokens) {
    if (const auto days = document_duration_days(line.text, compact_lower, tokens)) {
      document_days_.push_back({*days, line.number, entries.size()});
    }
  }

  /// A duration stated once in the header (above the first medication) or the footer (below
  /// the last) — "투약일수 : 5일", "성명 … / 28일분" — serves every medication without one of its
  /// own. Between medications such a line ("Dispense: 60 tablets (30 days)") belongs to one of
  /// them and is not used; two different durations are not used either.
  void apply_document_duration() {
    std::optional<DocumentDays> found;
    for (const DocumentDays& d : document_days_) {
      if (d.medications_before != 0 && d.medications_before != entries.size()) {
        continue;
      }
      if (found && found->days != d.days) {
        return;
      }
      found = d;
    }
    if (!found) {
      return;
    }
    for (Entry& e : entries) {
      if (!e.f.days.present() && !e.f.days_in_months) {
        e.f.days = {found->days, false, found->line};
        e.src.days = FieldSource::kDocument;
      }
    }
  }

  /// A "※" remark after the last medication is the bag's footer: it concerns every medication
  /// of the block above, not only the last one.
  void apply_footer_notes() {
    for (const FooterNote& footer : footer_notes_) {
      if (footer.medications_before != entries.size()) {
        continue;  // medications follow: the remark belongs to the one above it
      }
      std::vector<ScanNote> notes;
      for (const size_t c : footer.block) {
        for (const ScanNote& n : entries[c].line_notes) {
          if (n.line == footer.line) {
            notes.push_back(n);
          }
        }
      }
      if (notes.empty()) {
        continue;
      }
      for (const size_t c : footer.block) {
        std::vector<ScanNote>& own = entries[c].line_notes;
        if (std::none_of(own.begin(), own.end(),
                         [&](const ScanNote& n) { return n.line == footer.line; })) {
          own.push_back(notes.front());
        }
      }
    }
  }

  void note(const OcrLine& line, const std::vector<DosageToken>& tokens) {
    if (context_.empty() || tokens.empty()) {
      return;
    }
    size_t first = 0;
    if (!tokens.empty() && tokens[0].kind == TokenKind::kSeparator &&
        tokens[0].text(line.text) == "[") {  // "[보관] 냉장 보관": the heading is not the note
      while (first < tokens.size() && tokens[first].text(line.text) != "]") {
        ++first;
      }
    }
    while (first < tokens.size() && (tokens[first].kind == TokenKind::kSeparator ||
                                     tokens[first].kind == TokenKind::kLabel)) {
      ++first;
    }
    if (first >= tokens.size()) {
      first = 0;
    }
    size_t last = tokens.size();
    while (last > first && tokens[last - 1].kind == TokenKind::kSeparator) {
      --last;
    }
    if (first >= last) {
      return;
    }
    const size_t begin = tokens[first].begin;
    const std::string text = line.text.substr(begin, tokens[last - 1].end - begin);
    for (const size_t c : context_) {
      entries[c].line_notes.push_back({text, line.number, begin});
    }
  }

  const OcrDocument& doc_;
  int max_medications_;
  LineKind prev_ = LineKind::kBlank;
  std::optional<TableHeader> columns_;
  std::optional<SlotGrid> grid_;  // the timetable grid whose rows follow
  bool in_guidance_ = false;
  std::vector<size_t> pending_;              // listed without instructions, waiting for some
  std::optional<InstructionFields> shared_;  // directions for the medications that follow
  bool shared_is_last_ = false;              // the last instruction line became shared_
  std::vector<size_t> shared_members_;
  size_t shared_after_ = 0;  // medications read before shared_ was set
  bool shared_in_guidance_ = false;
  std::vector<size_t> context_;  // the entries a following note line belongs to
  std::vector<size_t> block_;    // entries since the last blank line or heading

  struct ColumnRun {
    LayoutColumn column;
    size_t next = 0;  // the row whose cell comes next
  };
  std::optional<ColumnRun> column_run_;
  std::vector<size_t> column_rows_;          // the names of a table read column by column
  std::string label_prefix_;                 // the start of a column label split over lines
  std::optional<LayoutColumn> label_value_;  // a field label whose value is the next line
  int wrapped_line_ = 0;                     // the cells of the row above, read with it
  struct RowCells {
    size_t entry = 0;
    size_t next = 0;  // the header column whose cell comes next
  };
  std::optional<RowCells> row_cells_;  // a row whose cells follow one per line

  struct FooterNote {
    size_t medications_before = 0;
    std::vector<size_t> block;
    int line = 0;
  };
  std::vector<FooterNote> footer_notes_;
  std::vector<size_t> timetable_;     // medications of a timetable by part of the day
  std::optional<Fragment> fragment_;  // the line above may hold the start of a broken name
  struct DocumentDays {
    int days = 0;
    int line = 0;
    size_t medications_before = 0;
  };
  std::vector<DocumentDays> document_days_;  // durations on notice lines
};

}  // namespace

DocumentReading read_document(const OcrDocument& doc, int max_medications) {
  DocumentReader reader(doc, max_medications);
  reader.run();
  return {std::move(reader.entries), std::move(reader.warnings), reader.saw_instructions,
          reader.too_many};
}

}  // namespace dailydrug::app
