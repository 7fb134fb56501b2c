// What one line of a prescription is, from its own text and tokens alone: labels, remarks, notes,
// the first piece of a broken name. Private to the app library; used by the document reader
// (document_reader.h), which decides from these and from the lines around. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dosage_token.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_result.h"

namespace dailydrug::app {

/// A dose or a strength: the line holds values ("약품: A캡슐20mg | 용량: 1캡슐 | 일수: 14일"),
/// so its column words are labels, not a table header.
bool holds_amount(const std::vector<DosageToken>& tokens);

/// The label the line starts with (after bullets and row numbers), if any.
std::optional<LabelKind> leading_label(const std::vector<DosageToken>& tokens);

/// `compact_lower` is nothing but a label of a name or of directions ("약 이름", "복용 횟수",
/// "복용 기간"): on an app screen its value is on the next line. Not a guidance heading or a
/// caution or info label ("주의사항", "보관", "효능"), which head lines of their own.
bool is_field_label_alone(std::string_view compact_lower);

/// The line without a leading name label ("처방약 : A정, B정" → "A정,B정"): the label's own
/// words ("처방", "조제") do not make the line a notice. `compact_lower` is the whole line's.
std::string after_name_label(std::string_view text, const std::vector<DosageToken>& tokens,
                             std::optional<LabelKind> label, const std::string& compact_lower);

/// Words follow the leading label and its colon ("주의사항: 졸음 …", not "주의사항").
bool has_text_after_label(std::string_view text, const std::vector<DosageToken>& tokens);

/// The directions hold a duration and nothing else.
bool only_duration(const InstructionFields& f);

/// The directions hold the condition of an as-needed dose and nothing else ("열이 나면 …").
bool only_condition(const InstructionFields& f);

/// A word names another medicine as the object of the sentence: a category or a form with an
/// object particle ("해열제를 드세요", "시럽을 …") — advice about that one, not directions for
/// the medications around.
bool names_other_medicine(std::string_view text, const std::vector<DosageToken>& tokens);

/// The line starts with ※ (⚠ is read as ※), the mark of a remark, after any bracketed headers
/// of a chat line ("[행복약국 김약사] [오후 2:15] ※ …").
bool starts_with_remark(std::string_view text, const std::vector<DosageToken>& tokens);
/// The index of the token after the remark mark; none if the line is no remark.
std::optional<size_t> remark_start(std::string_view text, const std::vector<DosageToken>& tokens);
/// The first word of a remark without a particle ("※ 레보세티리진은 졸릴 수 …" → "레보세티리진",
/// "※ 코대원정: …" → "코대원정"): the medicine the remark may be about. None when the remark
/// does not start with a word of two or more syllables.
std::optional<std::string> remark_subject(std::string_view text,
                                          const std::vector<DosageToken>& tokens);

/// A remark, a caution, a limit ("1일 최대 3회") or an interval ("간격") — a note for the
/// medication(s) above.
bool is_note_line(std::string_view text, const std::vector<DosageToken>& tokens);

/// The note a note line gives from token `from` on: its text without a remark mark, a leading
/// "[heading]", bullets and labels, or trailing separators ("[보관] 냉장 보관" → "냉장 보관");
/// none if nothing is left.
std::optional<ScanNote> note_of(const OcrLine& line, const std::vector<DosageToken>& tokens,
                                size_t from = 0);

/// A change of directions ("변경 전: 1일 1회 1정 → 변경 후: 1일 2회 1정"): dosing on both sides of
/// an arrow. The index of the first token of the new directions (after the arrow and a label
/// such as "변경 후:"); none for any other line.
std::optional<size_t> changed_directions_start(std::string_view text,
                                               const std::vector<DosageToken>& tokens);

/// A section heading of a sheet: a line in brackets or starting with a box mark ("[중단]", "■ 계속
/// 복용하는 약") that holds no dosing field and no "label:" ("[보관] 냉장 보관", "■ 주의사항: …"
/// are labelled lines, not headings).
bool is_section_heading(std::string_view text, const std::vector<DosageToken>& tokens);

/// `compact_lower` says the medicines it concerns are stopped or on hold (중단, 보류, 중지 as a
/// state — "중단된 약", not "중단하지 마세요" —, D/C, discontinued): they are not to be taken.
bool names_stopped(std::string_view compact_lower);

/// `compact_lower` names a fee of a bill for what was done in the clinic (주사료, 처치료, 검사료,
/// 진찰료, 수술료): a medicine on that row was given there, not taken home.
bool names_clinic_fee(std::string_view compact_lower);

/// A name line saying the medicine is stopped: a stop word ending the line after the name, with
/// no directions ("글리메피리드정2mg - 저혈당 위험으로 중단"), or a D/C mark whatever the row
/// holds ("아티반정 | 1정 | 취침 전 | D/C"); not a caution about stopping ("(발진이 생기면 복용
/// 중지)", "… 중단하지 마세요").
bool is_stopped_row(std::string_view text, const MedicineName& name,
                    const InstructionFields& fields);

/// The name is an exception of the line's directions ("식후 30분 복용 (판토록정 제외)"), not a
/// medication.
bool names_exception(std::string_view text, const std::vector<DosageToken>& tokens,
                     const MedicineName& name);

/// The directions of a line: after its name, or around a name written after a condition or a
/// time ("소화불량시 베아제정 1정", "[08:00] 노바스크정5mg 1정").
InstructionFields directions_of(const OcrLine& line, const std::vector<DosageToken>& tokens,
                                const std::optional<MedicineName>& name);

/// Money, a phone number, or the words of the hospital, pharmacy or patient — but directions
/// with a dose and a count are directions even when a later sentence mentions the doctor or
/// the pharmacy ("… 1정씩 드세요. 근육통이 생기면 의사와 상담하세요.").
bool is_notice(std::string_view text, const std::vector<DosageToken>& tokens,
               const std::string& compact_lower, bool named, const InstructionFields& fields,
               std::optional<LabelKind> label);

/// Advice to consult the pharmacist or the doctor ("… 약사와 상담하세요"): a note, although
/// those words are notice words; any other notice word makes it a notice ("… 처방전은 …
/// 약국에 제출하십시오").
bool advises_consulting(const std::string& compact_lower);

/// The first piece of a name broken over two lines, and its line.
struct Fragment {
  std::string text;
  int line = 0;
  bool listed = false;  // after a bullet or a row number
};

/// The first piece of a name broken over two lines: a line (or a list item: "• 레바미피",
/// "3. 록소프") holding one word of two or more syllables that names nothing yet — no dosage
/// form, no category ("…약", "…제"). The word may end in a number written onto it
/// ("심비코트터부헬러160/4.5": a strength without its unit).
std::optional<Fragment> name_fragment(const OcrLine& line, const std::vector<DosageToken>& tokens);

}  // namespace dailydrug::app
