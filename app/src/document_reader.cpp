#include "document_reader.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "columnwise_table.h"
#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/scan_layout.h"
#include "dailydrug/app/utf8_text.h"
#include "document_footer.h"
#include "line_traits.h"
#include "remark_line.h"
#include "row_table.h"
#include "taper_phases.h"

namespace dailydrug::app {
namespace {

constexpr int kHardMaxMedications = 64;  // the schema's maxItems

enum class LineKind { kBlank, kHeader, kNotice, kGuidance, kMedicine, kInstruction, kNote, kOther };

/// One non-empty line while it is read: its text, tokens and compact lower-case text.
struct LineView {
  const OcrLine& line;
  const std::vector<DosageToken>& tokens;
  const std::string& compact_lower;
};

/// Reads a document line by line. Each line is first tried as part of the document's structure
/// (tables and their headers: read_layout), then as a line naming medications (read_named), a
/// heading or notice, and last as directions or notes for the medications around it
/// (read_unnamed). How directions without a name attach — to the names listed since the last
/// directions, to the entries of the block that lack them, or to the names that follow — is
/// decided here (instruction()); what the whole document states once is applied after the last
/// line (document_footer.h).
class DocumentReader {
 public:
  DocumentReader(const OcrDocument& doc, int max_medications)
      : doc_(doc), max_medications_(std::clamp(max_medications, 1, kHardMaxMedications)) {}

  void run() {
    for (const OcrLine& line : doc_.lines) {
      prev_ = read(line);
    }
    apply_footer_notes(entries, footer_notes_);
    apply_remarks(entries, remarks_);
    if (shared_is_footer()) {
      apply_footer_directions(entries, *shared_);
    }
    apply_document_duration(entries, document_days_);
  }

  std::vector<Entry> entries;
  std::vector<ScanWarning> warnings;
  bool saw_instructions = false;
  bool too_many = false;

 private:
  LineKind read(const OcrLine& line) {
    if (rows_.is_wrapped_end(line.number)) {
      return prev_;  // the end of the row above, already read
    }
    if (line.too_long) {
      warn_too_long(line);
      end_block();
      return LineKind::kBlank;
    }
    if (line.text.empty()) {
      end_block();
      stopped_section_ = false;
      blank_since_medicine_ = true;
      return LineKind::kBlank;
    }
    const std::vector<DosageToken> tokens = lex_dosage_line(line.text);
    const std::string compact_lower = ascii_lower(compact_text(line.text));
    const LineView l{line, tokens, compact_lower};
    if (line.number <= split_header_end_) {
      return LineKind::kHeader;  // a piece of the header read with its first line
    }
    if (const auto split = split_header_at(doc_, line.number)) {
      split_header_end_ = split->last_line;
      rows_.use_header(split->header, line, tokens, block_);
      shared_.reset();
      end_block();
      in_guidance_ = false;
      return LineKind::kHeader;
    }
    if (const auto kind = read_layout(l)) {
      return *kind;
    }
    if (repeats_medicine_line(line) || is_field_label_alone(compact_lower)) {
      return prev_;  // the same row read twice by OCR; a field label above its value ("복용 횟수")
    }
    const auto name_cell = rows_.name_cell_start(line.text, tokens);
    std::optional<MedicineName> name = find_name(l, name_cell.value_or(0));
    const auto changed = changed_directions_start(line.text, tokens);
    if (name && ((!name->anchored && (changed || awaits_directions(line.text, tokens, *name))) ||
                 names_exception(line.text, tokens, *name))) {
      name.reset();  // "변경 전: … → 변경 후: …", "양쪽 코에 …" under a name: directions
    }
    InstructionFields fields = changed && !name
                                   ? parse_instructions(line.text, line.number, tokens, *changed)
                                   : directions_of(line, tokens, name);
    const std::optional<LabelKind> label = leading_label(tokens);
    if (!name && label == LabelKind::kInfo && !is_note_line(line.text, tokens)) {
      return prev_;  // "효능: …", "모양: …" between a name and its directions
    }
    // A bill's row is read from its name cell: the category and code before it are no notice.
    const std::string row_text =
        name_cell ? ascii_lower(compact_text(line.text.substr(tokens[*name_cell - 1].end)))
                  : compact_lower;
    const bool notice = is_notice(line.text, tokens, row_text, name.has_value(), fields, label);
    if (const auto kind = read_stopped(l, name, fields, notice)) {
      return *kind;
    }
    if (const auto kind = read_remark(l, name, fields)) {
      return *kind;
    }
    if (name && (!notice || (name->anchored && fields.has_fields()))) {
      in_guidance_ = false;
      return read_named(l, *name, std::move(fields));
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
      note_document_duration(l);
      end_block();
      return LineKind::kNotice;
    }
    return read_unnamed(l, std::move(fields), label);  // a named line is read or a notice
  }

  /// The document's structure: tables read column by column, field labels and their values,
  /// a row's cells one per line, timetable grid headers, table headers; none if the line is no
  /// part of a table.
  std::optional<LineKind> read_layout(const LineView& l) {
    if (columnwise_.column_on_one_line(l.line, l.tokens)) {
      return LineKind::kHeader;
    }
    if (columnwise_.awaits_value() && columnwise_.labelled_value(l.line, l.tokens)) {
      return LineKind::kMedicine;  // the medication's block goes on
    }
    if (columnwise_.label(l.compact_lower, prev_ == LineKind::kMedicine)) {
      return columnwise_.awaits_value() ? LineKind::kMedicine : LineKind::kHeader;
    }
    if (columnwise_.cell(l.line, l.tokens)) {
      return LineKind::kOther;
    }
    if (rows_.takes_cell(l.line, l.tokens)) {
      return prev_;  // a cell of the row above: the row continues
    }
    return read_header(l);
  }

  /// A timetable grid header, a table header or a header naming the name column; none if the
  /// line is no header.
  std::optional<LineKind> read_header(const LineView& l) {
    auto grid = parse_slot_grid(l.line.text, l.tokens);
    if (!grid && starts_cell_rows(doc_, l.line.number)) {
      grid = parse_parts_header(l.line.text, l.tokens);  // "아침 점심 저녁 취침전" over cells
    }
    if (grid) {
      rows_.use_grid(std::move(*grid));
      shared_.reset();
      end_block();
      return LineKind::kHeader;
    }
    if (const auto header = parse_table_header(l.compact_lower);
        header && !holds_amount(l.tokens)) {
      rows_.use_header(*header, l.line, l.tokens, block_);
      const auto numeric = std::count_if(header->columns, header->columns + header->count,
                                         [](TableColumn c) { return c != TableColumn::kUnused; });
      if (numeric >= 2) {
        shared_.reset();  // one numeric column ("약품명 | 용법 | 일수"): the directions above serve
      }
      end_block();
      in_guidance_ = false;
      return LineKind::kHeader;
    }
    if (is_name_column_header(l.compact_lower, l.tokens)) {
      end_block();               // directions above (a title's "30일") still serve the rows
      return LineKind::kHeader;  // "투약시간 | 약품명 | 1회 용량": the rows follow
    }
    return std::nullopt;
  }

  /// Medicines not to take: a bill's row of what was given in the clinic ("주사료 | … |
  /// 덱사메타손주사액5mg | …"), a section of stopped medicines ("■ 중단된 약 (복용하지 마세요)",
  /// "[중단]") up to the next section heading, notice or blank line, and a name line saying it is
  /// stopped ("글리메피리드정2mg - 저혈당 위험으로 중단"). Their lines are passed over; none for a
  /// line read as usual.
  std::optional<LineKind> read_stopped(const LineView& l, const std::optional<MedicineName>& name,
                                       const InstructionFields& fields, bool notice) {
    if (!name && is_section_heading(l.line.text, l.tokens)) {
      stopped_section_ = names_stopped(l.compact_lower);
      end_block();  // a heading ends the block above, whatever it heads
      return stopped_section_ ? std::optional(LineKind::kNotice) : std::nullopt;
    }
    if (stopped_section_ && (notice || has_guidance_keyword(l.compact_lower))) {
      stopped_section_ = false;
    }
    const bool stopped_here =
        name && (is_stopped_row(l.line.text, *name, fields) || names_clinic_fee(l.compact_lower));
    if (stopped_section_ || stopped_here) {
      end_block();
      return LineKind::kOther;
    }
    return std::nullopt;
  }

  /// The line repeats the line above, which named a medication: OCR read the row twice.
  bool repeats_medicine_line(const OcrLine& line) const {
    const OcrLine* above = doc_.line(line.number - 1);
    return prev_ == LineKind::kMedicine && above != nullptr && above->text == line.text;
  }

  /// The line above named a medication alone, which waits for its directions: an unanchored word
  /// ending in a particle of place or object on this line, or after an English preposition
  /// ("양쪽 코에 …", "apply to rash": a site, not a product; "Metformin 1 tab bid", "판콜에이" are
  /// names) is part of them, unless the line is an item of a list of its own.
  bool awaits_directions(std::string_view text, const std::vector<DosageToken>& tokens,
                         const MedicineName& name) const {
    static constexpr std::string_view kParticles[] = {"에", "을", "를", "로"};
    static constexpr std::string_view kPrepositions[] = {"to", "on", "in", "into", "onto"};
    const bool particle = std::any_of(std::begin(kParticles), std::end(kParticles),
                                      [&](std::string_view p) { return name.text.ends_with(p); });
    const std::string before =
        name.first_token > 0 ? ascii_lower(tokens[name.first_token - 1].text(text)) : "";
    const bool preposition = std::find(std::begin(kPrepositions), std::end(kPrepositions),
                                       before) != std::end(kPrepositions);  // "apply to rash"
    if (!particle && !preposition) {
      return false;
    }
    const bool listed = !tokens.empty() && (tokens[0].kind == TokenKind::kOrdinal ||
                                            tokens[0].kind == TokenKind::kSeparator);
    if (prev_ != LineKind::kMedicine || listed || entries.empty()) {
      return false;
    }
    const Sources& src = entries.back().src;  // nothing written on the name's own line
    return src.dose != FieldSource::kText && src.times != FieldSource::kText &&
           src.days != FieldSource::kText && src.when != FieldSource::kText &&
           src.dose != FieldSource::kTableCell;
  }

  /// The medicine named on the line from token `from` on (a bill row's name cell).
  static std::optional<MedicineName> find_name(const LineView& l, size_t from) {
    if (from == 0) {
      return find_medicine_name(l.line.text, l.tokens);
    }
    const std::vector<DosageToken> cell(l.tokens.begin() + static_cast<std::ptrdiff_t>(from),
                                        l.tokens.end());
    auto name = find_medicine_name(l.line.text, cell);
    if (name) {
      name->first_token += from;
      name->end_token += from;
    }
    return name;
  }

  /// A line naming medications: a grid row, taper phases on one line, a list of names, several
  /// rows merged on one line, or one medication.
  LineKind read_named(const LineView& l, const MedicineName& name, InstructionFields fields) {
    if (const auto cells = rows_.grid_row(l.line, l.tokens, name)) {
      grid_row(l.line, name, *cells);
      return LineKind::kMedicine;
    }
    if (!name.after_instructions) {
      if (auto phases = line_phases(l.line, l.tokens, name.end_token); !phases.empty()) {
        for (InstructionFields& phase : phases) {
          medicine(l.line, name, std::move(phase));  // one medication per phase, on this line
        }
        return LineKind::kMedicine;
      }
    }
    if (const auto listed = split_name_list(l.line.text, l.tokens, name); !listed.empty()) {
      medicine_list(l.line, l.tokens, listed);
    } else if (const auto rows = split_medicine_rows(l.line.text, l.tokens, name); !rows.empty()) {
      medicine_rows(l.line, l.tokens, rows);
    } else {
      medicine(l.line, name, std::move(fields));
    }
    return LineKind::kMedicine;
  }

  /// A line that names no medication and is no heading or notice: a document duration,
  /// directions (shared, continued, or a taper phase), a note, or the first piece of a name
  /// broken over two lines.
  LineKind read_unnamed(const LineView& l, InstructionFields fields,
                        std::optional<LabelKind> label) {
    if (only_duration(fields)) {
      // "투약일수 7일" above a table: the whole document's duration, whether or not the header
      // that follows ends these directions
      note_document_duration(l);
    }
    if (!fields.has_fields() && !is_note_line(l.line.text, l.tokens)) {
      if (const auto kind = read_listed_item(l)) {
        return *kind;  // even under a sheet's title: "[1] 란투스솔로스타주" / "1일 1회 …"
      }
    }
    if (in_guidance_) {
      // Under a guidance heading: general advice. Directions there can only be shared ones for
      // medications listed after them ("복약안내 / 1일 2회 식후 / - Augmentin …"); they never
      // reach back to medications above, and notes are ignored.
      if (!fields.has_fields()) {
        return LineKind::kOther;
      }
      become_shared(std::move(fields));
      return LineKind::kInstruction;
    }
    if (label == LabelKind::kCaution) {
      note(l.line, l.tokens);  // "주의: 공복에 복용 시 …": a caution, whatever words it uses
      return LineKind::kNote;
    }
    if (fields.day_phase && read_phases(l, fields)) {
      return LineKind::kInstruction;
    }
    if (fields.has_fields() &&
        !(only_condition(fields) && names_other_medicine(l.line.text, l.tokens))) {
      instruction(std::move(fields));
      return LineKind::kInstruction;
    }
    if (is_note_line(l.line.text, l.tokens) || fields.has_fields()) {
      note(l.line, l.tokens);
      return LineKind::kNote;
    }
    fragment_ = name_fragment(l.line, l.tokens);
    return LineKind::kOther;
  }

  /// Directions with taper phases under a name: phases on one line ("처음 3일 … / 다음 3일 … /
  /// 마지막 3일 …") — the first completes the name's entry (or is a phase of its own), each
  /// further one is a phase of its own — or one phase per line. False if none was taken.
  bool read_phases(const LineView& l, const InstructionFields& fields) {
    auto phases = line_phases(l.line, l.tokens, 0);
    if (phases.empty()) {
      return taper_phase(fields);
    }
    if (!taper_phase(phases.front())) {
      instruction(std::move(phases.front()));
    }
    prev_ = LineKind::kInstruction;
    for (size_t p = 1; p < phases.size(); ++p) {
      taper_phase(phases[p]);
    }
    return true;
  }

  /// A numbered item naming a product without a form word ("② 베아제", "[1] 란투스솔로스타주")
  /// whose directions are on the next line ("1회 1정 1일 3회 식후") is a medication; none for
  /// any other line.
  std::optional<LineKind> read_listed_item(const LineView& l) {
    const auto item = name_fragment(l.line, l.tokens);
    if (!item || !item->listed || !directions_follow(l.line.number)) {
      return std::nullopt;
    }
    MedicineName name;
    name.text = item->text;
    name.first_token = l.tokens.size() - 1;
    name.end_token = l.tokens.size();
    fragment_.reset();
    in_guidance_ = false;
    medicine(l.line, name, InstructionFields{});
    return LineKind::kMedicine;
  }

  /// A ※ remark that gives no directions (parts of the day alone are none: "※ 저녁에 복용하면
  /// 밤에 …") is a note: of the medications in context, or, where none is or where it refers to
  /// several medicines, of the whole document. A remark naming a medicine ("※ 코대원정: 졸음이
  /// …") is that medicine's note, not a medication (remark_line.h). Which medications a remark
  /// concerns is settled after the last line (apply_remarks); none for any other line.
  std::optional<LineKind> read_remark(const LineView& l, const std::optional<MedicineName>& name,
                                      const InstructionFields& fields) {
    auto r = read_remark_line(l.line, l.tokens, name, fields, entries);
    if (!r) {
      return std::nullopt;
    }
    if (!r->note) {
      return LineKind::kNote;
    }
    // Where no medication is in context — above the first, under a heading, or below the last
    // after notices but not set apart by a blank line — a remark concerns the whole sheet.
    const bool whole_document =
        !r->named && !r->section &&
        (r->several ||
         (context_.empty() && (entries.empty() || in_guidance_ || !blank_since_medicine_)));
    if (!context_.empty() && !r->named && !r->section) {
      note(l.line, l.tokens);
      // Right under a row, after rows of which at least half had a remark right under them: the
      // row's own.
      const bool under_row = prev_ == LineKind::kMedicine && !entries.empty() &&
                             entries.back().source_line == l.line.number - 1;
      const bool own_row = under_row && row_remarks_ > 0 && 2 * row_remarks_ + 1 >= block_.size();
      row_remarks_ += under_row ? 1 : 0;
      footer_notes_.push_back({entries.size(), block_, l.line.number, own_row});
    }
    remarks_.push_back({*r->note, r->subject, r->section, whole_document, std::move(r->directions),
                        std::move(r->rest_directions)});
    return LineKind::kNote;
  }

  void warn_too_long(const OcrLine& line) {
    ScanWarning w;
    w.code = scan_warning::kLineTooLong;
    w.line = line.number;
    w.message = std::to_string(line.number) + "번째 줄이 너무 길어 읽지 않았습니다.";
    warnings.push_back(std::move(w));
  }

  void end_block() {
    context_.clear();
    block_.clear();
    row_remarks_ = 0;
  }

  /// A row of a timetable grid ("아모잘탄정5/50mg 1정 ○ - - -" under "약품명 1회량 아침식후 …"):
  /// a medication whose fields are the row's cells.
  void grid_row(const OcrLine& line, const MedicineName& name, InstructionFields cells) {
    medicine(line, name, std::move(cells));
    Entry& e = entries.back();
    for (FieldSource* s : {&e.src.dose, &e.src.times, &e.src.days, &e.src.when}) {
      if (*s == FieldSource::kText) {
        *s = FieldSource::kTableCell;
      }
    }
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

  /// A medication named on `line` with its own directions `own` (its bare numbers are table
  /// cells); without directions of its own it takes the shared ones, or waits for some.
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
      rows_.assign_cells(e, own, line.number);
    }
    e.f = std::move(own);
    entries.push_back(std::move(e));
    blank_since_medicine_ = false;
    attach(entries.size() - 1);
  }

  /// A new entry joins the block, and takes the shared directions or waits for directions.
  void attach(size_t index) {
    block_.push_back(index);
    Entry& added = entries[index];
    if (!added.f.has_fields()) {
      if (added.f.bare_numbers.empty()) {
        rows_.expect_cells(index);  // the row's cells may follow one per line
      }
      if (shared_) {
        fill_missing(added.f, added.src, *shared_, FieldSource::kShared);
        shared_members_.push_back(index);
        context_ = shared_members_;
      } else {
        pending_.push_back(index);
        context_ = pending_;
      }
      return;
    }
    if (shared_ && fill_missing(added.f, added.src, *shared_, FieldSource::kShared)) {
      shared_members_.push_back(index);
    }
    context_ = {index};
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
    fill_missing(e.f, e.src, previous, FieldSource::kContinuation);
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
    fill_missing(fields, ignored, parse_instructions(line.text, line.number, head, 0),
                 FieldSource::kText);
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
      fill_missing(fields, ignored, shared, FieldSource::kText);
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

  /// Directions without a name: for the names listed since the last directions; else for the
  /// entries of the block just read that lack some of them; else shared by the names that follow.
  void instruction(InstructionFields f) {
    saw_instructions = true;
    if (!pending_.empty()) {
      for (const size_t p : pending_) {
        fill_missing(entries[p].f, entries[p].src, f, FieldSource::kContinuation);
      }
      context_ = pending_;
      pending_.clear();
      shared_is_last_ = false;
      return;
    }
    // Directions right after entries that lack some of them: a broken line ("7일분 식후"), or
    // a closing line for the whole list ("(퇴원약 14일분)"). Only missing fields are filled.
    const std::vector<size_t> lacking = block_lacking(f);
    if (!lacking.empty()) {
      for (const size_t c : lacking) {
        fill_missing(entries[c].f, entries[c].src, f, FieldSource::kContinuation);
      }
      context_ = lacking;
      shared_is_last_ = false;
      return;
    }
    become_shared(std::move(f));
  }

  /// Right after an entry or directions, the entries of the block that lack a field `f` has.
  std::vector<size_t> block_lacking(const InstructionFields& f) const {
    std::vector<size_t> lacking;
    if (prev_ == LineKind::kMedicine || prev_ == LineKind::kInstruction) {
      std::copy_if(block_.begin(), block_.end(), std::back_inserter(lacking),
                   [&](size_t c) { return lacks_any(entries[c].f, f); });
    }
    return lacking;
  }

  /// Directions for the medications that follow; the line right after shared directions
  /// continues them (directions broken over two lines).
  void become_shared(InstructionFields f) {
    if (prev_ == LineKind::kInstruction && shared_is_last_ && shared_) {
      Sources ignored;
      fill_missing(*shared_, ignored, f, FieldSource::kShared);
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
  /// a notice or a remark ("약사 홍길동" / "모든 약은 식후 30분에 드세요") — are the bag's footer.
  /// Directions under a guidance heading stay general.
  bool shared_is_footer() const {
    return shared_ && shared_members_.empty() && !shared_in_guidance_ && !entries.empty() &&
           shared_after_ == entries.size();
  }

  void note_document_duration(const LineView& l) {
    if (const auto days = document_duration_days(l.line.text, l.compact_lower, l.tokens)) {
      document_days_.push_back({*days, l.line.number, entries.size()});
    } else if (document_duration_in_months(l.compact_lower, l.tokens)) {
      document_days_.push_back({0, l.line.number, entries.size(), true});
    }
  }

  /// A note line: a note of the medications it follows (all those sharing their directions).
  void note(const OcrLine& line, const std::vector<DosageToken>& tokens) {
    if (context_.empty()) {
      return;
    }
    if (const auto n = note_of(line, tokens)) {
      for (const size_t c : context_) {
        entries[c].line_notes.push_back(*n);
      }
    }
  }

  const OcrDocument& doc_;
  int max_medications_;
  LineKind prev_ = LineKind::kBlank;
  bool in_guidance_ = false;
  bool stopped_section_ = false;             // under a heading of medicines not to take
  bool blank_since_medicine_ = false;        // a blank line since the last medication was named
  std::vector<size_t> pending_;              // listed without instructions, waiting for some
  std::optional<InstructionFields> shared_;  // directions for the medications that follow
  bool shared_is_last_ = false;              // the last instruction line became shared_
  std::vector<size_t> shared_members_;
  size_t shared_after_ = 0;  // medications read before shared_ was set
  bool shared_in_guidance_ = false;
  std::vector<size_t> context_;  // the entries a following note line belongs to
  std::vector<size_t> block_;    // entries since the last blank line or heading
  RowTable rows_{doc_, entries};
  ColumnwiseTable columnwise_{entries, pending_};
  std::vector<FooterNote> footer_notes_;
  std::vector<Remark> remarks_;
  std::vector<DocumentDays> document_days_;  // durations on notice lines
  std::vector<size_t> timetable_;            // medications of a timetable by part of the day
  std::optional<Fragment> fragment_;         // the line above may hold the start of a broken name
  int split_header_end_ = 0;                 // the last piece of a header split over lines
  size_t row_remarks_ = 0;                   // remark lines right under a row, in this block
};

}  // namespace

DocumentReading read_document(const OcrDocument& doc, int max_medications) {
  DocumentReader reader(doc, max_medications);
  reader.run();
  return {std::move(reader.entries), std::move(reader.warnings), reader.saw_instructions,
          reader.too_many};
}

}  // namespace dailydrug::app
