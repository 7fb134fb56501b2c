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

namespace dailydrug::app {

/// The languages a bundle's model can write: model_config.json's top-level "languages" array of
/// codes ("en", "ko"; others ignored). Absent or [] (the exporter's "not declared") -> {English};
/// a list of only unknown codes -> {} (the model writes none of ours). Errors: Invalid("languages")
/// when the text is not JSON or the key is not an array of strings.
Result<std::vector<Language>> bundle_languages(std::string_view model_config_json);

/// Topics a question asks about, from Korean and English keywords ("운전", "술", "부작용",
/// "drive", "alcohol", ...), in FactTopic order; empty for a general question.
std::vector<FactTopic> detect_topics(std::string_view question);

/// One curated fact chosen for an answer.
struct GroundedFact {
  const MedicineEntry* entry = nullptr;
  const MedicineFact* fact = nullptr;
  std::string id;  // "acetaminophen.driving"
};

/// Everything an ask/faq/chat answer is grounded in.
struct Grounding {
  std::vector<const MedicineEntry*> medicines;  // in the order they were named
  std::vector<std::string> names;               // as the user wrote/saved them, per medicine
  std::vector<FactTopic> topics;                // asked topics (empty = general)
  std::vector<GroundedFact> facts;              // by medicine, then topic order
  std::vector<std::string> unmatched_names;     // saved medicines the knowledge base lacks
  struct Missing {
    const MedicineEntry* entry = nullptr;
    FactTopic topic = FactTopic::kUse;
  };
  std::vector<Missing> missing;  // asked topics the knowledge base has no fact for
  bool from_saved = false;       // the question named none; the user's saved medicines were used

  /// True when any fact demands a referral, or driving is asked about a sedating medicine.
  bool needs_referral() const;
  std::vector<std::string> fact_ids() const;
};

/// Facts of `medicines` for `topics`; with `all_topics` (faq) every topic, and for an empty
/// `topics` the general pair {use, side_effects}. A driving question about a sedating medicine
/// gets its driving fact even when worded generally ("졸려요").
/// `names` (optional, same length) are the names shown in headings ("타이레놀"). Side effects
/// always bring the serious-symptoms fact along.
Grounding ground(std::vector<const MedicineEntry*> medicines, std::vector<std::string> names,
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

/// The facts as a bulleted block, one "• 주제: text" line per fact, under a heading per medicine
/// ("타이레놀 (아세트아미노펜 · 해열진통제)"), then one "출처: ..." line listing the sources.
std::string facts_block(const Grounding& grounding, const MedicineFacts& kb, Language language);

/// The complete deterministic answer: an opening line, facts_block(), referral_line(). With no
/// medicines: a line saying none was found and how to ask, plus the referral.
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
