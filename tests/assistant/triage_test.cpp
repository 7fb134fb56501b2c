// Triage: emergency signs found in questions (Korean and English), negations, and the lines an
// emergency answer opens with.
#include "dailydrug/app/triage.h"

#include <gtest/gtest.h>

#include <string>

namespace dd = dailydrug::app;
using dd::EmergencyKind;

namespace {

void expect_kind(const char* question, EmergencyKind kind) {
  const auto e = dd::triage(question);
  ASSERT_TRUE(e.has_value()) << question;
  EXPECT_EQ(e->kind, kind) << question << " (matched " << e->sign << ")";
}

}  // namespace

TEST(TriageTest, FindsEmergencySignsInKorean) {
  expect_kind("항생제 먹고 나서 입술이 붓고 숨쉬기가 힘들어요", EmergencyKind::kBreathing);
  expect_kind("아목시실린 먹었는데 얼굴이 퉁퉁 붓고 목이 조여요", EmergencyKind::kBreathing);
  expect_kind("새로 받은 약 먹고 가슴이 답답하고 아파요", EmergencyKind::kChestPain);
  expect_kind("할머니가 약 드시고 쓰러지셨어요", EmergencyKind::kFainting);
  expect_kind("아이가 열나서 해열제 먹였는데 경기를 해요", EmergencyKind::kSeizure);
  expect_kind("와파린 먹는데 변이 까맣게 나와요", EmergencyKind::kBleeding);
  expect_kind("아스피린 먹고 피를 토했어요", EmergencyKind::kBleeding);
  expect_kind("타이레놀 한 통을 다 먹었어요", EmergencyKind::kOverdose);
  expect_kind("수면제를 10알 먹었어요", EmergencyKind::kOverdose);
  expect_kind("세 살 아이가 할머니 혈압약을 주워 먹었어요", EmergencyKind::kChildIngestion);
  expect_kind("약 다 먹고 죽고 싶어요", EmergencyKind::kSelfHarm);
  expect_kind("약 먹고 온몸에 발진이랑 물집이 생겼어요", EmergencyKind::kSevereSkin);
  expect_kind("갑자기 한쪽 팔에 힘이 없고 말이 어눌해요", EmergencyKind::kStroke);
}

TEST(TriageTest, FindsEmergencySignsInEnglish) {
  expect_kind("My lips are swelling and I have trouble breathing after penicillin",
              EmergencyKind::kBreathing);
  expect_kind("I have chest pain since starting a new pill", EmergencyKind::kChestPain);
  expect_kind("My toddler swallowed some of my blood pressure pills",
              EmergencyKind::kChildIngestion);
  expect_kind("I took the whole bottle of Tylenol", EmergencyKind::kOverdose);
  expect_kind("I took 12 tablets of ibuprofen at once", EmergencyKind::kOverdose);
  expect_kind("I want to kill myself with my pills", EmergencyKind::kSelfHarm);
  expect_kind("There is blood in my stool since I started aspirin", EmergencyKind::kBleeding);
}

TEST(TriageTest, OrdinaryQuestionsAreNotEmergencies) {
  for (const char* q :
       {"타이레놀 복용 후 운전해도 될까요?", "혈압약을 깜빡했어요",
        "항생제 남은 거 안 먹어도 되죠?", "인슐린 냉장 보관해야 하나요?",
        "임신 중인데 타이레놀 먹어도 되나요?", "감기약이랑 타이레놀 같이 먹어도 돼요?",
        "약을 두 번 먹었어요", "2알 먹어도 되나요?", "Can I drink alcohol with ibuprofen?",
        "I forgot my blood pressure pill this morning", "숨쉬기 힘들지는 않은데 기침이 계속 나요",
        "I have no trouble breathing, just a cough"}) {
    const auto e = dd::triage(q);
    EXPECT_FALSE(e.has_value()) << q << " matched " << (e ? e->sign : "");
  }
}

TEST(TriageTest, EmergencyLinesOpenWith119InBothLanguages) {
  const dd::Emergency e{EmergencyKind::kOverdose, "한통을다"};
  const std::string ko = dd::emergency_lines(e, dd::Language::kKorean);
  EXPECT_EQ(ko.rfind("응급 상황일 수 있어요. 지금 바로 119에", 0), 0u) << ko;
  EXPECT_NE(ko.find("토하게 하지 마세요"), std::string::npos) << ko;
  const std::string en = dd::emergency_lines(e, dd::Language::kEnglish);
  EXPECT_NE(en.substr(0, en.find('\n')).find("emergency"), std::string::npos) << en;
  const std::string crisis =
      dd::emergency_lines({EmergencyKind::kSelfHarm, "죽고싶"}, dd::Language::kKorean);
  EXPECT_NE(crisis.find("109"), std::string::npos) << crisis;
}

TEST(TriageTest, SignsSaidInOtherWordsAreFoundByProximity) {
  expect_kind("가슴이 뻐근하게 조여 와요", EmergencyKind::kChestPain);
  expect_kind("구토를 했는데 피가 섞여 있었어요", EmergencyKind::kBleeding);
  expect_kind("대변이 빨갛게 피가 묻어 나와요", EmergencyKind::kBleeding);
  expect_kind("갑자기 숨이 가빠지고 목이 간지러워요", EmergencyKind::kBreathing);
  // Ages in months are not tablet counts; a sign that is denied is not a sign.
  EXPECT_FALSE(dd::triage("18개월 아기 해열제 얼마나 먹여요?").has_value());
  EXPECT_FALSE(dd::triage("임신 7개월인데 진통제 먹어도 되나요").has_value());
  EXPECT_FALSE(dd::triage("가슴이 아프지는 않은데 속이 쓰려요").has_value());
}

TEST(TriageTest, ChildrenHeadInjuriesSkinAndTakingItAll) {
  expect_kind("다섯 살 아이가 할아버지 혈압약을 먹은 것 같아요", EmergencyKind::kChildIngestion);
  expect_kind("My son ate some of his grandma's heart pills", EmergencyKind::kChildIngestion);
  expect_kind("아스피린 먹는 중인데 넘어져서 머리를 부딪혔어요", EmergencyKind::kHeadInjury);
  expect_kind("새 약 먹고 입안이 헐고 눈이 빨개졌어요", EmergencyKind::kSevereSkin);
  expect_kind("I took all my sleeping pills", EmergencyKind::kOverdose);
  expect_kind("I just took 15 of my ibuprofen", EmergencyKind::kOverdose);
  expect_kind("약 먹고 어지러워서 쓰러질 것 같아요", EmergencyKind::kFainting);
  // The child's own medicine, a head bump without warning signs: not emergencies by themselves.
  EXPECT_FALSE(dd::triage("아이가 해열제를 먹었는데 열이 안 떨어져요").has_value());
  EXPECT_FALSE(dd::triage("My son took his allergy medicine at night").has_value());
}
