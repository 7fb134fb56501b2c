// The model-free half of the assistant: topics, grounding, referral, deterministic composition,
// adherence, prompts and the bundle's languages.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dailydrug/app/assistant_prompt.h"
#include "dailydrug/app/calendar.h"
#include "dailydrug/app/medicine_facts.h"
#include "dailydrug/app/safety_filter.h"

namespace dd = dailydrug::app;
using dd::FactTopic;
using dd::Language;

namespace {

const dd::MedicineFacts& kb() {
  return dd::MedicineFacts::builtin();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

dd::Grounding ground_question(const std::string& q, bool all = false) {
  std::vector<const dd::MedicineEntry*> meds;
  std::vector<std::string> names;
  for (const auto& m : kb().match(q)) {
    meds.push_back(m.entry);
    names.push_back(m.alias);
  }
  return dd::ground(kb(), q, meds, names, dd::detect_topics(q), all);
}

dd::ScheduledDose dose(const char* when, const char* name, dd::DoseStatus status) {
  dd::ScheduledDose d;
  d.record.scheduled_at = dd::parse_local_date_time(when).value();
  d.record.taken = status == dd::DoseStatus::kTaken;
  d.record.skipped = status == dd::DoseStatus::kSkipped;
  d.medicine.name = name;
  d.medicine.dosage = "1정";
  return d;
}

// Every deterministic text passes the safety filter unchanged. Coaching repeats the user's own
// saved dosage ("1정"), which is an amount but not advice: `allow_amounts` lets those through.
void expect_safe(const std::string& text, bool allow_amounts = false) {
  dd::SafetyFilter f("X", {});
  f.feed(text);
  f.finish();
  for (const auto& sentence : f.replaced_sentences()) {
    EXPECT_TRUE(allow_amounts) << sentence;
    EXPECT_FALSE(dd::is_dose_change_advice(sentence)) << sentence;
  }
}

}  // namespace

TEST(AssistantPromptTest, DetectsTopicsInKoreanAndEnglish) {
  using V = std::vector<FactTopic>;
  EXPECT_EQ(dd::detect_topics("타이레놀 복용 후 운전해도 될까요?"), V{FactTopic::kDriving});
  EXPECT_EQ(dd::detect_topics("Can I drive after taking Tylenol?"), V{FactTopic::kDriving});
  EXPECT_EQ(dd::detect_topics("술 마셔도 돼요?"), V{FactTopic::kAlcohol});
  EXPECT_EQ(dd::detect_topics("수술 전에 먹어도 되나요"), V{});  // 수술 is not 술
  EXPECT_EQ(dd::detect_topics("부작용이 뭐예요"), V{FactTopic::kSideEffects});
  EXPECT_EQ(dd::detect_topics("와파린이랑 같이 먹어도 돼?"), V{FactTopic::kInteractions});
  EXPECT_EQ(dd::detect_topics("식후에 먹어야 하나요?"), V{FactTopic::kFood});
  EXPECT_EQ(dd::detect_topics("Any side effects with alcohol?"),
            (V{FactTopic::kAlcohol, FactTopic::kSideEffects}));
  EXPECT_EQ(dd::detect_topics("Be careful"), V{});  // "car" is a word, not a prefix
  // An age said with a number is the topic a pharmacist adds; "3세대" is a generation.
  EXPECT_EQ(dd::detect_topics("7살 감기약"), V{FactTopic::kChildren});
  EXPECT_EQ(dd::detect_topics("can my 4 year old have advil"), V{FactTopic::kChildren});
  EXPECT_EQ(dd::detect_topics("82세 수면제"), V{FactTopic::kElderly});
  EXPECT_EQ(dd::detect_topics("3세대 항생제"), V{});
  // The asker's own childhood is not a child's medicine.
  EXPECT_EQ(dd::detect_topics("I reacted badly to it as a kid"), V{});
  EXPECT_EQ(dd::detect_topics("can I take advil with my blood pressure meds?"),
            V{FactTopic::kInteractions});
  // A symptom told after taking a medicine is a side effect; alone it is what the medicine is for.
  EXPECT_EQ(dd::detect_topics("항생제 먹고 설사해요"), V{FactTopic::kSideEffects});
  EXPECT_EQ(dd::detect_topics("설사할 때 먹는 약"), V{});
  EXPECT_EQ(dd::detect_topics("와파린 먹는데 녹색 채소 괜찮아요"), V{FactTopic::kFood});
  EXPECT_EQ(dd::detect_topics("my 75 year old father, his sleeping meds"), V{FactTopic::kElderly});
  EXPECT_EQ(dd::detect_topics("my two-year-old has a fever"), V{FactTopic::kChildren});
  EXPECT_EQ(dd::detect_topics("my blood sugar meds make my stomach upset"),
            V{FactTopic::kSideEffects});
  EXPECT_EQ(dd::detect_topics("I accidentally took my husband's pill"), V{FactTopic::kDoubleDose});
}

TEST(AssistantPromptTest, GroundsTheAskedTopicsPerMedicine) {
  auto g = ground_question("타이레놀 복용 후 운전해도 될까요?");
  ASSERT_EQ(g.medicines.size(), 1u);
  EXPECT_EQ(g.fact_ids(), std::vector<std::string>{"acetaminophen.driving"});

  g = ground_question("판콜 부작용");
  // The class's advice on the asked topic follows the medicine's own fact, and a side effect
  // also brings the rule not to stop a prescribed medicine on one's own (with the class's own
  // word on stopping: when to see a doctor instead of carrying on).
  EXPECT_EQ(g.fact_ids(),
            (std::vector<std::string>{"cold_combination.side_effects", "cold_medicine.side_effects",
                                      "cold_medicine.stopping", "cold_combination.serious",
                                      "general.stopping"}));
  EXPECT_TRUE(g.needs_referral());

  g = ground_question("타이레놀");  // no topic: what it is for and its side effects
  EXPECT_EQ(g.fact_ids(),
            (std::vector<std::string>{"acetaminophen.use", "acetaminophen.side_effects",
                                      "acetaminophen.serious"}));

  // No driving fact of its own or of its class: the general rule answers, nothing is missing.
  g = ground_question("로수바스타틴 먹고 운전");
  ASSERT_TRUE(g.direct.has_value());
  EXPECT_EQ(g.direct->owner, &kb().general());
  EXPECT_EQ(g.direct->id, "general.driving");
  EXPECT_TRUE(g.missing.empty());

  g = ground_question("졸피뎀", /*all=*/true);  // faq: every topic of its own or of its class
  EXPECT_GE(g.facts.size(), 7u);
  EXPECT_FALSE(g.direct.has_value());
}

TEST(AssistantPromptTest, TylenolDrivingAnswerMentionsDrivingAndDoctor) {
  const auto g = ground_question("타이레놀 복용 후 운전해도 될까요?");
  const std::string ko = dd::compose_answer(g, kb(), Language::kKorean);
  EXPECT_TRUE(contains(ko, "운전")) << ko;
  EXPECT_TRUE(contains(ko, "의사")) << ko;
  // The first line is the direct answer, naming the medicine as the user did.
  EXPECT_EQ(ko.rfind("타이레놀(아세트아미노펜): ", 0), 0u) << ko;
  EXPECT_TRUE(contains(ko, "출처: 식약처 의약품안전나라 e약은요 요약")) << ko;
  const std::string en = dd::compose_answer(g, kb(), Language::kEnglish);
  EXPECT_TRUE(contains(en, "driv")) << en;
  EXPECT_TRUE(contains(en, "doctor")) << en;
  expect_safe(ko);
  expect_safe(en);
}

TEST(AssistantPromptTest, EveryAnswerEndsWithAReferralToDoctorAndPharmacist) {
  for (const char* q : {"타이레놀 복용 후 운전해도 될까요?", "판콜 먹고 술", "와파린 부작용",
                        "졸피뎀 같이 먹으면 안 되는 약", "메트포르민", "없는약 질문"}) {
    const auto g = ground_question(q);
    const std::string ref = dd::referral_line(g, Language::kKorean);
    EXPECT_TRUE(contains(ref, "의사") && contains(ref, "약사")) << q;
    const std::string ans = dd::compose_answer(g, kb(), Language::kKorean);
    EXPECT_TRUE(ans.size() >= ref.size() &&
                ans.compare(ans.size() - ref.size() - 1, ref.size(), ref) == 0)
        << ans;
    const std::string en = dd::referral_line(g, Language::kEnglish);
    EXPECT_TRUE(contains(en, "doctor") && contains(en, "pharmacist")) << q;
  }
}

TEST(AssistantPromptTest, NoMedicineFoundSaysSoAndStillRefers) {
  const auto g = ground_question("이 약 먹어도 돼요?");
  const std::string ko = dd::compose_answer(g, kb(), Language::kKorean);
  EXPECT_TRUE(contains(ko, "찾지 못했어요")) << ko;
  EXPECT_TRUE(contains(ko, "의사 또는 약사")) << ko;
}

TEST(AssistantPromptTest, SavedMedicinesAreNamedWhenTheQuestionNamesNone) {
  auto g = dd::ground(kb(), "술", {kb().find_id("acetaminophen"), kb().find_id("amlodipine")},
                      {"타이레놀정500mg", "노바스크정5mg"}, {FactTopic::kAlcohol}, false);
  g.from_saved = true;
  g.unmatched_names = {"비타민D"};
  const std::string ko = dd::compose_answer(g, kb(), Language::kKorean);
  // The first line is the direct answer: the first medicine's alcohol fact.
  const std::string first_fact = kb().find_id("acetaminophen")->fact(FactTopic::kAlcohol)->text.ko;
  EXPECT_EQ(ko.rfind("타이레놀정500mg(아세트아미노펜): " + first_fact, 0), 0u) << ko;
  EXPECT_TRUE(contains(ko, "저장된 약을 기준으로")) << ko;
  EXPECT_TRUE(contains(ko, "노바스크정5mg (암로디핀 · ")) << ko;
  EXPECT_TRUE(contains(ko, "'비타민D'")) << ko;
  EXPECT_TRUE(contains(ko, "• 음주:")) << ko;  // the second medicine's
}

TEST(AssistantPromptTest, AdherenceCountsTakenSkippedAndMissedInRange) {
  std::vector<dd::ScheduledDose> doses = {
      dose("2026-11-20T08:00", "a", dd::DoseStatus::kTaken),
      dose("2026-11-21T08:00", "a", dd::DoseStatus::kTaken),
      dose("2026-11-22T08:00", "a", dd::DoseStatus::kSkipped),
      dose("2026-11-23T08:00", "a", dd::DoseStatus::kPending),
      dose("2026-11-24T08:00", "a", dd::DoseStatus::kPending),  // out of range
  };
  const auto s = dd::summarize_adherence(doses, dd::parse_date("2026-11-17").value(),
                                         dd::parse_date("2026-11-23").value());
  EXPECT_EQ(s.taken, 2);
  EXPECT_EQ(s.skipped, 1);
  EXPECT_EQ(s.missed, 1);
  EXPECT_EQ(s.percent(), 50);
  EXPECT_FALSE(dd::AdherenceSummary{}.percent());
}

TEST(AssistantPromptTest, CoachMessageListsTodayAdherenceAndNeverAdvisesDoseChanges) {
  dd::CoachData data;
  data.now = dd::parse_local_date_time("2026-11-24T13:00").value();
  data.today = dd::parse_date("2026-11-24").value();
  data.today_doses = {dose("2026-11-24T08:00", "타이레놀", dd::DoseStatus::kTaken),
                      dose("2026-11-24T12:00", "메트포르민", dd::DoseStatus::kPending),
                      dose("2026-11-24T20:00", "타이레놀", dd::DoseStatus::kPending)};
  data.recent = {dd::parse_date("2026-11-17").value(), dd::parse_date("2026-11-23").value(), 10, 1,
                 3};
  const std::string ko = dd::compose_coach(data, Language::kKorean);
  EXPECT_TRUE(contains(ko, "복용 일정은 3회예요. 1회 복용했고, 2회 남았어요.")) << ko;
  EXPECT_TRUE(contains(ko, "• 오전약 08:00 타이레놀 1정 — 복용 완료")) << ko;
  EXPECT_TRUE(contains(ko, "• 점심약 12:00 메트포르민 1정 — 아직 안 드심")) << ko;
  EXPECT_TRUE(contains(ko, "• 저녁약 20:00 타이레놀 1정 — 예정")) << ko;
  EXPECT_TRUE(contains(ko, "14회 중 10회 복용했어요(71%)")) << ko;
  EXPECT_TRUE(contains(ko, "두 배로 드시지 마세요")) << ko;  // missed doses: never double up
  EXPECT_TRUE(contains(ko, "의사 또는 약사")) << ko;
  expect_safe(ko, /*allow_amounts=*/true);
  const std::string en = dd::compose_coach(data, Language::kEnglish);
  EXPECT_TRUE(contains(en, "you took 10 of 14 scheduled doses (71%)")) << en;
  EXPECT_TRUE(contains(en, "Do not take a double dose")) << en;
  expect_safe(en, /*allow_amounts=*/true);

  dd::CoachData empty;
  empty.today = data.today;
  const std::string none = dd::compose_coach(empty, Language::kKorean);
  EXPECT_TRUE(contains(none, "예정된 약이 없어요")) << none;
  EXPECT_FALSE(contains(none, "두 배로")) << none;
}

TEST(AssistantPromptTest, PromptsCarryTheFactsTheQuestionAndTheRules) {
  const auto g = ground_question("Can I drink alcohol with Tylenol?");
  const std::string p =
      dd::ask_prompt("Can I drink alcohol with Tylenol?", g, 5, Language::kEnglish);
  EXPECT_TRUE(contains(p, "Facts:\n- acetaminophen, Alcohol: Taking it for a hangover")) << p;
  EXPECT_TRUE(contains(p, "Question: Can I drink alcohol with Tylenol?")) << p;
  EXPECT_FALSE(contains(dd::ask_prompt("q", g, 0, Language::kEnglish), "Facts:"));
  const std::string sys = dd::assistant_system_prompt(Language::kKorean);
  EXPECT_TRUE(contains(sys, "Never tell the user to change, double, skip or stop a dose")) << sys;
  EXPECT_TRUE(contains(sys, "Korean")) << sys;

  dd::CoachData data;
  data.today = dd::parse_date("2026-11-24").value();
  data.now = dd::parse_local_date_time("2026-11-24T09:00").value();
  data.today_doses = {dose("2026-11-24T08:00", "Tylenol", dd::DoseStatus::kTaken),
                      dose("2026-11-24T20:00", "Tylenol", dd::DoseStatus::kPending)};
  const std::string c = dd::coach_prompt(data, 1, Language::kEnglish);
  EXPECT_TRUE(contains(c, "- 08:00 Tylenol: taken")) << c;
  EXPECT_FALSE(contains(c, "20:00")) << c;  // limited to one dose
}

TEST(AssistantPromptTest, ModelLanguagesDefaultToEnglishAndIgnoreUnknownCodes) {
  EXPECT_EQ(dd::model_languages({}), std::vector<Language>{Language::kEnglish});  // none declared
  EXPECT_EQ(dd::model_languages({"en", "ko", "ja", "ko"}),
            (std::vector<Language>{Language::kEnglish, Language::kKorean}));
  EXPECT_TRUE(dd::model_languages({"ja"}).empty());
}

TEST(AssistantPromptTest, AnEmergencyAnswerKeepsToTheEmergency) {
  const auto g = ground_question("아목시실린 먹고 입술이 붓고 숨쉬기가 힘들어요");
  ASSERT_TRUE(g.emergency.has_value());
  EXPECT_EQ(g.topics, std::vector<FactTopic>{FactTopic::kSerious});
  const std::string ko = dd::compose_answer(g, kb(), Language::kKorean);
  EXPECT_EQ(ko.rfind("응급 상황일 수 있어요. 지금 바로 119", 0), 0u) << ko;
  // Nothing that tells someone with an allergic reaction to keep taking the medicine.
  EXPECT_FALSE(contains(ko, "끝까지")) << ko;
  EXPECT_FALSE(contains(ko, "임의로 중단하지")) << ko;
}
