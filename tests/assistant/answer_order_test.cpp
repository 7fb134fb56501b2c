// What an answer opens with: the topics a question asks about in the order of its main intent
// (detect_topics), the topics that had no home (disposal, crushing, a pregnancy found out after a
// medicine), the words people use for them, and the first line of the composed answer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dailydrug/app/assistant_prompt.h"
#include "dailydrug/app/medicine_facts.h"

namespace dd = dailydrug::app;
using dd::FactTopic;
using dd::Language;
using V = std::vector<FactTopic>;

namespace {

const dd::MedicineFacts& kb() {
  return dd::MedicineFacts::builtin();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

dd::Grounding ground_question(const std::string& q) {
  std::vector<const dd::MedicineEntry*> meds;
  std::vector<std::string> names;
  for (const auto& m : kb().match(q)) {
    meds.push_back(m.entry);
    names.push_back(m.alias);
  }
  return dd::ground(kb(), q, meds, names, dd::detect_topics(q), false);
}

std::string first_line(const std::string& q, Language l = Language::kKorean) {
  const std::string a = dd::compose_answer(ground_question(q), kb(), l);
  return a.substr(0, a.find('\n'));
}

FactTopic first_topic(const std::string& q) {
  const auto t = dd::detect_topics(q);
  return t.empty() ? FactTopic::kUse : t.front();
}

}  // namespace

TEST(AssistantAnswerOrderTest, DisposalCrushingAndAPregnancyFoundOutLaterAreTopics) {
  EXPECT_EQ(first_topic("먹다 남은 약 그냥 종량제봉투에 버려도 돼?"), FactTopic::kDisposal);
  EXPECT_EQ(first_topic("how do I dispose of old pills?"), FactTopic::kDisposal);
  EXPECT_EQ(dd::detect_topics("다 먹어버리면 안 돼요?"), V{});  // done with, not thrown away
  EXPECT_EQ(first_topic("할머니가 알약을 못 삼키셔서 빻아서 드려요"), FactTopic::kCrushing);
  EXPECT_EQ(first_topic("can I crush my metformin?"), FactTopic::kCrushing);
  EXPECT_EQ(dd::detect_topics("임신인 줄 모르고 감기약을 먹었어요"),
            (V{FactTopic::kPregnancyExposure, FactTopic::kPregnancy}));
  EXPECT_EQ(first_topic("took ibuprofen before i knew i was pregnant"),
            FactTopic::kPregnancyExposure);
  // Not knowing is about a pregnancy only when the question says one.
  EXPECT_EQ(dd::detect_topics("모르고 두 번 먹었어요"), V{FactTopic::kDoubleDose});
}

TEST(AssistantAnswerOrderTest, TheWordsPeopleUseForATopic) {
  EXPECT_EQ(first_topic("어제 소맥 마시고 숙취가 심한데 타이레놀"), FactTopic::kAlcohol);
  EXPECT_EQ(first_topic("hungover, can i take advil"), FactTopic::kAlcohol);
  EXPECT_EQ(first_topic("저녁에 또 드셨대요"), FactTopic::kDoubleDose);
  EXPECT_EQ(first_topic("thinking of quitting my lexapro"), FactTopic::kStopping);
  EXPECT_EQ(first_topic("latte and a yogurt for breakfast, does it matter"), FactTopic::kFood);
  // Words that hold a keyword without meaning its topic.
  EXPECT_EQ(dd::detect_topics("인슐린 펜을 여름에 차에 두고 깜빡했는데 써도 되나"),
            V{FactTopic::kStorage});
  EXPECT_EQ(dd::detect_topics("콧물이 줄줄이라 코감기약 먹고 운전"), V{FactTopic::kDriving});
  EXPECT_EQ(dd::detect_topics("he licked the cream before i could stop him"),
            V{FactTopic::kDoubleDose});
  EXPECT_EQ(dd::detect_topics("유산균이랑 항생제 몇 시간 띄워야 돼요"),
            V{FactTopic::kInteractions});
  EXPECT_EQ(dd::detect_topics("하루 두 번 먹는 약인데 술"), V{FactTopic::kAlcohol});
}

TEST(AssistantAnswerOrderTest, TopicsFollowTheMainIntent) {
  // A double dose asked about, not taken: the missed dose, the child or the dose comes first.
  EXPECT_EQ(dd::detect_topics("혈압약 깜빡했는데 내일 아침에 두 개 먹을까"),
            (V{FactTopic::kMissedDose, FactTopic::kDoubleDose}));
  EXPECT_EQ(dd::detect_topics("두 알 먹어도 돼요?"),
            (V{FactTopic::kDoseChange, FactTopic::kDoubleDose}));
  EXPECT_EQ(first_topic("애기 해열제 한 번 더 먹여도 돼요?"), FactTopic::kChildren);
  // Taken: the double dose is the question, whatever else was forgotten.
  EXPECT_EQ(dd::detect_topics("아침에 드셨는데 까먹고 저녁에 또 드셨대요"),
            (V{FactTopic::kDoubleDose, FactTopic::kMissedDose}));
  EXPECT_EQ(first_topic("아침에 먹었는지 기억이 안 나요. 한 번 더 먹어도 되나요?"),
            FactTopic::kDoubleDose);
  // A child's dose is the children's fact; a symptom before whether to go on; a danger sign first.
  EXPECT_EQ(first_topic("7살 딸한테 어른 감기약 반 쪼개서 먹여도 될까요"), FactTopic::kChildren);
  EXPECT_EQ(first_topic("먹고 어지러운데 계속 먹어도 되나요"), FactTopic::kSideEffects);
  EXPECT_EQ(first_topic("얼굴도 붓고 해서 오늘부터 끊을려구요"), FactTopic::kStopping);
  EXPECT_EQ(first_topic("두드러기가 번지고 핑핑 돌아요"), FactTopic::kSerious);
}

TEST(AssistantAnswerOrderTest, TheFirstLineAnswersTheQuestionAsked) {
  EXPECT_TRUE(contains(first_line("내일 운전해야 되는데 콧물이 줄줄이라 코감기약 먹고 가도 될까?"),
                       "운전 전에는 먹지 말고"));
  EXPECT_TRUE(contains(first_line("쓰던 인슐린 펜을 여름에 차에 두고 깜빡했는데 계속 써도 되나?"),
                       "새 펜으로 바꾸세요"));
  EXPECT_TRUE(contains(first_line("아빠가 고지혈증약을 아침에 드셨는데 저녁에 또 드셨대요"),
                       "대개 큰 문제가 되지 않아요"));
  EXPECT_TRUE(contains(first_line("혈압약 깜빡했는데 내일 아침에 두 개 먹을까"), "생각난 즉시"));
  EXPECT_TRUE(contains(first_line("먹다 남은 약 그냥 종량제봉투에 버려도 돼?"), "폐의약품 수거함"));
  EXPECT_TRUE(contains(first_line("할머니 약을 빻아서 죽에 섞어 드리는데 서방정도 괜찮나요?"),
                       "빻거나 쪼개거나 씹지 마세요"));
  EXPECT_TRUE(contains(first_line("임신 6주인걸 어제 알았는데 그전에 판콜을 며칠 먹었어요"),
                       "대부분은 아기에게 미치는 위험이 크지 않다"));
  EXPECT_TRUE(
      contains(first_line("어제 소맥 엄청 마셨는데 숙취에 타이레놀 먹어도 되냐"), "간 손상"));
  EXPECT_TRUE(contains(first_line("혈압이 잘 나와서 혈압약 한 달만 끊어 보려고요"), "약 덕분"));
  EXPECT_TRUE(contains(
      first_line("been on lexapro 8 months, thinking of quitting this week", Language::kEnglish),
      "taper"));
  EXPECT_TRUE(contains(first_line("ciprofloxacin with my latte and yogurt at breakfast, does it "
                                  "matter when i take it?",
                                  Language::kEnglish),
                       "2 hours before or 6 hours after"));
  EXPECT_TRUE(contains(first_line("my 2yo licked some of my hydrocortisone cream, does he need the "
                                  "ER?",
                                  Language::kEnglish),
                       "unlikely to harm"));
}

TEST(AssistantAnswerOrderTest, TheFirstLineOfADangerousMedicineNeverReassures) {
  // Taken before the pregnancy was known: the general reassurance is for common medicines.
  const std::string iso = first_line("임신인 줄 모르고 이소트레티노인을 먹었어요");
  EXPECT_TRUE(contains(iso, "바로 처방한 의사에게 알리세요")) << iso;
  EXPECT_FALSE(contains(iso, "대부분")) << iso;
  const std::string arb = first_line("임신인 줄 모르고 혈압약을 먹었어요");
  EXPECT_TRUE(contains(arb, "임의로 끊지 말고")) << arb;
}

TEST(AssistantAnswerOrderTest, AWarningAboutTheMedicinesInPlayOpensWhenItIsTheAnswer) {
  const auto g = ground_question("와파린 드시는 70대 엄마가 부루펜 사다 달래요 사드려도 돼요?");
  ASSERT_TRUE(g.warning_first);
  const std::string ko = dd::compose_answer(g, kb(), Language::kKorean);
  const std::string warning = g.warnings.front().text.ko;
  EXPECT_EQ(ko.rfind(warning + "\n", 0), 0u) << ko;
  EXPECT_EQ(ko.find(warning, 1), std::string::npos) << ko;  // said once
  EXPECT_EQ(g.fact_ids().front(), g.warnings.front().id);
  // A missed dose, a pregnancy, a drink or driving comes before a warning.
  EXPECT_FALSE(ground_question("타이레놀이랑 판콜 먹고 술 마셔도 돼요?").warning_first);
  EXPECT_FALSE(ground_question("임신 중인데 타이레놀이랑 부루펜 같이 먹어도 돼요?").warning_first);
}

TEST(AssistantAnswerOrderTest, ACategoryNamedAsAMedicinesDescriptionIsNotASecondMedicine) {
  auto g = ground_question("신장 수치 안 좋은데 이지엔6 같은 진통제 먹어도 되나요?");
  EXPECT_EQ(g.medicines.size(), 1u);
  EXPECT_TRUE(g.warnings.empty());
  g = ground_question("흡입기(심비코트) 쓰는데 목소리가 갈라져요");
  ASSERT_EQ(g.medicines.size(), 1u);
  EXPECT_EQ(g.medicines.front()->id, "budesonide_formoterol");
  // Two medicines, one of them named by its category.
  EXPECT_EQ(ground_question("아스피린이랑 진통제 같이 먹어도 돼요?").medicines.size(), 2u);
}
