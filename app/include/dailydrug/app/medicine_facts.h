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
  kPregnancy,
  kBreastfeeding,
  kChildren,
  kElderly,
  kMissedDose,  // forgot a dose
  kDoubleDose,  // took (or wants to take) two at once
  kStopping,    // stopping early, finishing a course, tapering
  kDoseChange,  // taking more or less than prescribed
  kStorage,
  kKidneyLiver,        // kidney or liver disease
  kDisposal,           // leftover or expired medicines, used pens and needles
  kCrushing,           // crushing, splitting or chewing; extended-release and enteric forms
  kPregnancyExposure,  // already taken in pregnancy, often before it was known
};
inline constexpr size_t kFactTopicCount = 20;
/// "use", "driving", "alcohol", "food", "side_effects", "serious", "interactions", "pregnancy",
/// "breastfeeding", "children", "elderly", "missed_dose", "double_dose", "stopping",
/// "dose_change", "storage", "kidney_liver", "disposal", "crushing", "pregnancy_exposure" (the
/// schema's names).
std::string_view to_string(FactTopic topic);
std::optional<FactTopic> parse_fact_topic(std::string_view text);
/// "효능", "운전", "음주", "복용 시기·음식", "부작용", ... (the heading of a fact line).
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

/// A medicine, a category of medicines users name as such ("혈압약", "항생제"), or the general
/// entry (rules for any medicine). Topic lookup goes from the specific to the general:
/// MedicineFacts::lookup().
struct MedicineEntry {
  enum class Kind { kMedicine, kCategory, kGeneral };
  Kind kind = Kind::kMedicine;
  std::string id;                    // "acetaminophen", "antihypertensive", "general"
  LocalizedText name;                // "아세트아미노펜" / "acetaminophen"; "혈압약"
  LocalizedText category;            // "해열진통제" / "pain reliever..." (medicines only)
  std::vector<std::string> aliases;  // brand and ingredient names; category words
  bool sedating = false;             // may cause drowsiness: driving questions get the referral
  std::vector<MedicineFact> facts;   // at most one per topic, in topic order
  /// Medicines: the categories they belong to, most specific first (entries of the same base).
  std::vector<const MedicineEntry*> classes;
  /// Medicines: the ingredient ids ("acetaminophen", ...); a single-ingredient medicine lists
  /// its own id. Two medicines sharing one is a duplicate the user must be warned about.
  std::vector<std::string> ingredients;

  bool is_category() const { return kind != Kind::kMedicine; }

  const MedicineFact* fact(FactTopic topic) const;
  /// "acetaminophen.driving"
  std::string fact_id(FactTopic topic) const;
};

/// A pair of medicines or categories to warn about when both are in play.
struct InteractionRule {
  std::string a, b;  // medicine or category ids
  LocalizedText text;
  std::string source;
};

/// One matched entry and the alias (as written in the data) that matched.
struct MedicineMatch {
  const MedicineEntry* entry = nullptr;
  std::string alias;
  size_t position = 0;  // in the normalised text; matches are returned in text order
};

class MedicineFacts {
 public:
  MedicineFacts() = default;
  // Entries point at categories of the same base (MedicineEntry::classes): moves keep the
  // vectors' storage, copies would not.
  MedicineFacts(MedicineFacts&&) = default;
  MedicineFacts& operator=(MedicineFacts&&) = default;
  MedicineFacts(const MedicineFacts&) = delete;
  MedicineFacts& operator=(const MedicineFacts&) = delete;

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

  /// The medicines (not the categories or the general entry).
  const std::vector<MedicineEntry>& entries() const { return entries_; }
  const std::vector<MedicineEntry>& categories() const { return categories_; }
  const MedicineEntry& general() const { return general_; }
  const std::vector<InteractionRule>& interactions() const { return interactions_; }
  /// Who has (not) reviewed the content; shown with answers.
  const LocalizedText& review_status() const { return review_status_; }
  /// A medicine or category by id.
  const MedicineEntry* find_id(std::string_view id) const;

  /// The most specific fact on `topic` for `entry`: its own, else its classes' (in order), else
  /// the general entry's. Null when none of them has one. `owner` receives the entry whose fact
  /// it is.
  const MedicineFact* lookup(const MedicineEntry& entry, FactTopic topic,
                             const MedicineEntry** owner = nullptr) const;
  /// The rules that apply to the pair: a side matches an entry by its id, one of its classes'
  /// ids, or one of its ingredients.
  std::vector<const InteractionRule*> interactions_between(const MedicineEntry& a,
                                                           const MedicineEntry& b) const;
  /// The source's display text ("식약처 의약품안전나라 e약은요 요약"); the key if unknown.
  const std::string& source_label(const std::string& key, Language language) const;

  /// Medicines and categories named in `text` (question, OCR'd or saved medicine name), in
  /// order of appearance, each entry once.
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
    bool category = false;
    size_t index = 0;  // into entries_ or categories_
  };
  struct Source {
    std::string key;
    LocalizedText label;
  };
  const MedicineEntry& at(const Alias& a) const {
    return a.category ? categories_[a.index] : entries_[a.index];
  }
  Result<bool> index_aliases();

  std::vector<MedicineEntry> entries_;
  std::vector<MedicineEntry> categories_;
  MedicineEntry general_;
  std::vector<InteractionRule> interactions_;
  LocalizedText review_status_;
  std::vector<Alias> aliases_;  // longest first
  std::vector<Source> sources_;
};

}  // namespace dailydrug::app
