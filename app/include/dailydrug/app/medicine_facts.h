// MedicineFacts: DailyDrug's curated, local, bilingual (ko/en) knowledge base of general medicine
// information, and the matching of questions and saved medicine names to its entries.
//
// The data is app/data/medicine_facts.json (schema app/schemas/medicine_facts.schema.json),
// compiled into the library (MedicineFacts::builtin()); load() reads another file of the same
// format. Every fact is short, general and conservative (package-insert level), names its source
// type, and is shown to the user verbatim: the model never supplies a medical fact of its own.
//
// Matching normalises both sides (NFC-free: lower-case ASCII, drop spaces, punctuation and
// U+3000 etc., so OCR-ish "타 이레놀 정" still matches "타이레놀") and looks for every alias as a
// substring; longer aliases win over shorter ones they contain.
//
// Thread-safety: immutable after load; all const methods may run concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/error.h"

namespace dailydrug::app {

enum class Language { kKorean, kEnglish };
/// "ko", "en".
std::string_view to_string(Language language);
/// "ko"/"kr"/"korean"/"한국어" and "en"/"english" (case-insensitive); nullopt otherwise.
std::optional<Language> parse_language(std::string_view text);

/// The topics a fact can be about, in the order answers list them.
enum class FactTopic : int {
  kUse = 0,  // what it is for
  kDriving,  // drowsiness, driving and operating machines
  kAlcohol,
  kFood,          // timing with meals, foods to avoid
  kSideEffects,   // common side effects
  kSerious,       // serious symptoms that need a doctor now
  kInteractions,  // other medicines to ask a pharmacist about
};
inline constexpr size_t kFactTopicCount = 7;
/// "use", "driving", "alcohol", "food", "side_effects", "serious", "interactions".
std::string_view to_string(FactTopic topic);
std::optional<FactTopic> parse_fact_topic(std::string_view text);
/// "효능", "운전", "음주", "복용 시기·음식", "부작용", "바로 진료가 필요한 증상", "함께 먹는 약".
std::string_view topic_label(FactTopic topic, Language language);

struct LocalizedText {
  std::string ko;
  std::string en;
  const std::string& in(Language language) const { return language == Language::kKorean ? ko : en; }
};

struct MedicineFact {
  FactTopic topic = FactTopic::kUse;
  LocalizedText text;
  std::string source;     // key into MedicineFacts::sources()
  bool referral = false;  // the answer must end with the doctor/pharmacist referral
};

struct MedicineEntry {
  std::string id;                    // "acetaminophen"
  LocalizedText name;                // "아세트아미노펜" / "acetaminophen"
  LocalizedText category;            // "해열진통제" / "pain reliever and fever reducer"
  std::vector<std::string> aliases;  // brand and ingredient names, Korean and English
  bool sedating = false;             // may cause drowsiness: driving questions get the referral
  std::vector<MedicineFact> facts;   // at most one per topic

  const MedicineFact* fact(FactTopic topic) const;
  /// "acetaminophen.driving"
  std::string fact_id(FactTopic topic) const;
};

/// One matched entry and the alias (as written in the data) that matched.
struct MedicineMatch {
  const MedicineEntry* entry = nullptr;
  std::string alias;
  size_t position = 0;  // in the normalised text; matches are returned in text order
};

class MedicineFacts {
 public:
  /// Parse and validate the JSON text against the schema, then the rules the schema cannot say
  /// (unique ids, unique normalised aliases across entries, one fact per topic, known sources,
  /// non-blank text in both languages). Errors: Invalid("medicine_facts") with the JSON pointer
  /// and the reason in `detail` (not JSON, schema violation, duplicate alias, ...).
  static Result<MedicineFacts> parse(std::string_view json_text);
  /// parse() of a file. Errors: NotFound-free: Storage(path) if it cannot be read, else parse's.
  static Result<MedicineFacts> load(const std::string& path);
  /// The knowledge base compiled into the library (parsed once; checked by the unit tests).
  static const MedicineFacts& builtin();
  /// The JSON Schema text the data must satisfy (app/schemas/medicine_facts.schema.json).
  static std::string_view schema_text();

  const std::vector<MedicineEntry>& entries() const { return entries_; }
  const MedicineEntry* find_id(std::string_view id) const;
  /// The source's display text ("식약처 의약품안전나라 e약은요 요약"); the key if unknown.
  const std::string& source_label(const std::string& key, Language language) const;

  /// Entries named in `text` (question, OCR'd or saved medicine name), in order of appearance,
  /// each entry once.
  std::vector<MedicineMatch> match(std::string_view text) const;
  /// The best single entry for a medicine name (faq, a saved medicine): the longest alias found.
  std::optional<MedicineMatch> match_one(std::string_view name) const;

  /// Lower-case ASCII, with whitespace (incl. U+00A0, U+3000), punctuation and middle dots
  /// removed; other code points kept as is.
  static std::string normalize(std::string_view text);

 private:
  struct Alias {
    std::string normalized;
    std::string original;
    size_t entry = 0;
  };
  struct Source {
    std::string key;
    LocalizedText label;
  };
  std::vector<MedicineEntry> entries_;
  std::vector<Alias> aliases_;  // longest first
  std::vector<Source> sources_;
};

}  // namespace dailydrug::app
