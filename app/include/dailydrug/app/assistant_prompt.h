// The model-free half of the Assistant (assistant.h): what a question is about, which curated
// facts ground the answer, today's doses and recent adherence, the prompts the model gets, and
// the deterministic answers composed from facts and schedule data alone. Pure functions on
// values, so all of it is unit-tested without a model.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/dose_record.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/medicine_facts.h"
#include "dailydrug/app/triage.h"

namespace dailydrug::app {

/// The languages a bundle's model can write, from its config's "languages" codes
/// (llm::BundleConfig::languages: "en", "ko"; others ignored). None declared -> {English}; only
/// unknown codes -> {} (the model writes none of ours).
std::vector<Language> model_languages(const std::vector<std::string>& codes);

/// Topics a question asks about, from Korean and English keywords ("깜빡", "임신", "운전",
/// "술", "보관", "forgot", "pregnant", ...), most direct first (a dose about to be doubled before
/// background topics); empty for a general question.
std::vector<FactTopic> detect_topics(std::string_view question);

/// True when the question is about the user's own medicines as a whole ("내가 먹는 약",
/// "오늘 먹는 약 중에", "my medicines").
bool asks_about_saved_medicines(std::string_view question);

/// One curated fact chosen for an answer.
struct GroundedFact {
  const MedicineEntry* entry = nullptr;  // the medicine or category the answer is about (null:
                                         // the question named none)
  const MedicineEntry* owner = nullptr;  // whose fact it is: entry, one of its classes, general
  const MedicineFact* fact = nullptr;
  std::string id;  // "acetaminophen.driving", "antibiotic.stopping", "general.missed_dose"
};

/// A warning about two medicines in play together: an interaction rule, or the same ingredient
/// (or a class that must not be doubled) in both.
struct PairWarning {
  const MedicineEntry* a = nullptr;
  const MedicineEntry* b = nullptr;
  LocalizedText text;
  std::string source;
  std::string id;  // "interaction.warfarin+nsaid", "duplicate.acetaminophen"
};

/// Everything an ask/faq/chat answer is grounded in.
struct Grounding {
  std::optional<Emergency> emergency;           // triage(question)
  std::vector<const MedicineEntry*> medicines;  // medicines and categories, as named
  std::vector<std::string> names;               // as the user wrote/saved them, per medicine
  std::vector<FactTopic> topics;                // asked topics, most direct first (empty = general)
  /// The answer's first statement: the most specific fact on the first asked topic.
  std::optional<GroundedFact> direct;
  std::vector<GroundedFact> facts;           // the rest, by medicine, then topic order
  std::vector<GroundedFact> rules;           // general rules on the asked topics not shown above
  std::vector<PairWarning> warnings;         // among the medicines in play
  std::vector<std::string> unmatched_names;  // saved medicines the knowledge base lacks
  struct Missing {
    const MedicineEntry* entry = nullptr;
    FactTopic topic = FactTopic::kUse;
  };
  std::vector<Missing> missing;  // asked topics nothing in the base covers
  bool from_saved = false;       // the question named none; the user's saved medicines were used
  /// The first warning opens the answer, before the direct fact: the question is about taking
  /// the medicines together (or names two and asks nothing that comes first, such as a missed
  /// dose, a pregnancy, a drink or driving).
  bool warning_first = false;

  /// True when any fact demands a referral, or driving is asked about a sedating medicine.
  bool needs_referral() const;
  /// Every fact shown, in order: the leading warning, direct, facts, warnings, rules.
  std::vector<std::string> fact_ids() const;
  /// The facts as (entry, text) in the order shown, for prompts and grounding checks.
  std::vector<const GroundedFact*> all_facts() const;
};

/// The answer's grounding: triage of `question`, then for the medicines (and categories) in play
/// the most specific fact on each asked topic (MedicineFacts::lookup: own, class, general), with
/// the general rule added for the asked topics whose rule is universal (missed and double doses,
/// stopping, changing a dose, pregnancy, breastfeeding, children), and the warnings among the
/// medicines. With `all_topics` (faq) every topic the medicine itself has; for an empty `topics`
/// the general pair {use, side_effects}; side effects bring the serious-symptoms fact along.
/// `names` (optional, same length) are the names shown in headings ("타이레놀"); a category named
/// as the description of a medicine in play ("흡입기(심비코트)", "이지엔6 같은 진통제") is dropped.
Grounding ground(const MedicineFacts& kb, std::string_view question,
                 std::vector<const MedicineEntry*> medicines, std::vector<std::string> names,
                 std::vector<FactTopic> topics, bool all_topics);

/// The referral line every ask/faq/chat/coach answer ends with; its wording follows the topics
/// ("졸리거나 어지러우면 운전하지 말고 ... 의사 또는 약사와 상담하세요." for driving). Always
/// names 의사 and 약사 (doctor and pharmacist).
std::string referral_line(const Grounding& grounding, Language language);

/// The line put before the model's own words, so nobody mistakes them for the checked notes:
/// "AI 답변 (작은 온디바이스 모델이라 틀릴 수 있어요. 아래 확인된 정보를 우선하세요):".
std::string_view model_text_label(Language language);

/// The fixed sentence the safety filter puts in place of dose-change advice.
std::string_view dose_change_referral(Language language);

/// The lines an answer opens with: the emergency instruction (if any), the first warning when it
/// comes first (Grounding::warning_first), then the direct answer.
std::string opening_block(const Grounding& grounding, Language language);

/// The facts as a bulleted block, one "• 주제: text" line per fact, under a heading per medicine
/// ("타이레놀 (아세트아미노펜 · 해열진통제)"), the warnings among the medicines, the general
/// rules, then one "출처: ..." line listing the sources.
std::string facts_block(const Grounding& grounding, const MedicineFacts& kb, Language language);

/// What follows the opening (and the model's words, when it is used): a note on saved or unknown
/// medicines (or that none was found), facts_block(), referral_line().
std::string answer_body(const Grounding& grounding, const MedicineFacts& kb, Language language);

/// The complete deterministic answer: opening_block() + answer_body(). Never empty.
std::string compose_answer(const Grounding& grounding, const MedicineFacts& kb, Language language);

// --- Coaching --------------------------------------------------------------------------------

/// Counts of decided and missed doses over a date range.
struct AdherenceSummary {
  Date from{}, to{};  // inclusive
  int taken = 0;
  int skipped = 0;
  int missed = 0;  // PENDING records in the past
  int total() const { return taken + skipped + missed; }
  /// taken / total in whole percent; nullopt when there were no doses.
  std::optional<int> percent() const;
};

/// Counts over `doses` whose scheduled date lies in [from, to].
AdherenceSummary summarize_adherence(const std::vector<ScheduledDose>& doses, Date from, Date to);

struct CoachData {
  LocalDateTime now{};  // today's pending doses after now are "예정" (upcoming), not missed
  Date today{};
  std::vector<ScheduledDose> today_doses;  // by time
  AdherenceSummary recent;
};

/// Today's doses ("• 오전약 08:00 타이레놀 1정 — 복용 완료") and the adherence line, no advice.
std::string coach_summary(const CoachData& data, Language language);
/// An encouragement chosen by adherence (never a dose change).
std::string coach_encouragement(const CoachData& data, Language language);
/// The closing lines of every coaching message: for missed doses "놓친 약을 한 번에 두 배로
/// 드시지 마세요" and whom to ask, a reminder of upcoming doses, and the referral.
std::string coach_footer(const CoachData& data, Language language);
/// The deterministic coaching message: coach_summary() + coach_encouragement() + coach_footer().
std::string compose_coach(const CoachData& data, Language language);

// --- Prompts ---------------------------------------------------------------------------------

/// The system instructions for every assistant call: general information only, use only the
/// given facts, never change/double/stop a dose, refer to a doctor or pharmacist; reply in
/// `language`; 2–3 short sentences.
std::string assistant_system_prompt(Language language);
/// The user message for ask/chat: the first `max_facts` facts as "- " lines, then the question.
std::string ask_prompt(std::string_view question, const Grounding& grounding, size_t max_facts,
                       Language language);
/// The user message for coach: today's doses and adherence as plain data lines.
std::string coach_prompt(const CoachData& data, size_t max_doses, Language language);

}  // namespace dailydrug::app
