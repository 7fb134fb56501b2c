// A ※ remark line (⚠ is read as ※) of a prescription: whether it is a remark at all, which
// medicine it is about, whether it concerns several, and the directions it gives them. Private
// to the app library; the document reader (document_reader.h) decides where a remark stands and
// apply_remarks (document_footer.h) which medications it reaches. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/dosage_token.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/ocr_normalizer.h"
#include "reading_entry.h"

namespace dailydrug::app {

/// What a remark line says, and about which medicine.
struct RemarkLine {
  std::optional<ScanNote> note;        // its text (none if nothing is left of it)
  std::optional<std::string> subject;  // the medicine its first word may name
  bool named = false;    // about the medicine(s) its subject names, wherever it stands
  bool several = false;  // about several medicines ("두 안약 사이에 …", "모든 약은 …")
  std::optional<Timing> section;      // about the medicines of one timing ("자기 전 약은 …")
  InstructionFields directions;       // named: what it says of its subject ("…은 아침 식전")
  InstructionFields rest_directions;  // and of the others ("…, 나머지는 식후")
};

/// The remark on `line` (`name`: the medicine found on it, `fields`: its directions; `entries`:
/// the medications read so far). None when the line is no remark, is the form's fine print ("※
/// 이 처방전은 … 약국에 제출하십시오"; advice to consult the pharmacist is a remark), or is a
/// medication line or directions that name no medicine read above ("※ 게보린정 1정 …", "※ 식후
/// 30분에 드세요").
///
/// A remark is about one medicine when it is labelled ("※ 코대원정: …", the label left out of the
/// note), when its subject takes a particle and has a dosage form or begins a name read above
/// ("※ 판토록정은 …", "※ 레보세티리진은 …"), or when, naming no product of its own, it begins
/// with a name read above ("※ 심비코트 흡입 후에는 …"). Its directions are that medicine's, up to a
/// clause about the others ("※ 신지로이드정은 아침 식전, 나머지는 식후"), whose directions are
/// theirs.
std::optional<RemarkLine> read_remark_line(const OcrLine& line,
                                           const std::vector<DosageToken>& tokens,
                                           const std::optional<MedicineName>& name,
                                           const InstructionFields& fields,
                                           const std::vector<Entry>& entries);

}  // namespace dailydrug::app
