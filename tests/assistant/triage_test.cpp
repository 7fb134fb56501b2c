// Triage: emergency signs found in questions (Korean and English), negations, and the lines an
// emergency answer opens with.
#include "dailydrug/app/triage.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace dd = dailydrug::app;
using dd::EmergencyKind;

namespace {

void expect_kind(const char* question, EmergencyKind kind) {
  const auto e = dd::triage(question);
  ASSERT_TRUE(e.has_value()) << question;
  EXPECT_EQ(e->kind, kind) << question << " (matched " << e->sign << ")";
}

void expect_no_emergency(std::initializer_list<const char*> questions) {
  for (const char* q : questions) {
    const auto e = dd::triage(q);
    EXPECT_FALSE(e.has_value()) << q << " matched " << (e ? e->sign : "");
  }
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
  expect_no_emergency(
      {"타이레놀 복용 후 운전해도 될까요?", "혈압약을 깜빡했어요", "항생제 남은 거 안 먹어도 되죠?",
       "인슐린 냉장 보관해야 하나요?", "임신 중인데 타이레놀 먹어도 되나요?",
       "감기약이랑 타이레놀 같이 먹어도 돼요?", "약을 두 번 먹었어요", "2알 먹어도 되나요?",
       "Can I drink alcohol with ibuprofen?", "I forgot my blood pressure pill this morning",
       "숨쉬기 힘들지는 않은데 기침이 계속 나요", "I have no trouble breathing, just a cough"});
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
  // The child's own medicine is not a child who swallowed someone else's: no rule fires. A fever
  // that does not come down reads like the emergencies people write, so the second opinion may
  // open the answer with the conditional 119 line; it never names a kind.
  const auto fever = dd::triage("아이가 해열제를 먹었는데 열이 안 떨어져요");
  EXPECT_TRUE(!fever || fever->kind == EmergencyKind::kUnspecified) << fever->sign;
  EXPECT_FALSE(dd::triage("My son took his allergy medicine at night").has_value());
}

TEST(TriageTest, IndirectSignsWorriedPeopleWrite) {
  expect_kind("주사 맞고 온몸에 두드러기가 나더니 목이 좁아지는 느낌이에요",
              EmergencyKind::kBreathing);
  expect_kind("약 먹고 가려운데 숨이 좀 차요", EmergencyKind::kBreathing);
  expect_kind("아빠가 식은땀을 흘리고 불러도 대답을 잘 못하세요", EmergencyKind::kFainting);
  expect_kind("할머니가 말을 이상하게 하시고 횡설수설하세요", EmergencyKind::kFainting);
  expect_kind("아무리 흔들어도 안 일어나요", EmergencyKind::kFainting);
  expect_kind("와파린 먹는데 잇몸에서 피가 계속 나요", EmergencyKind::kBleeding);
  expect_kind("소변이 콜라색으로 나와요", EmergencyKind::kBleeding);
  expect_kind("엄마가 수면제를 평소보다 훨씬 많이 드신 것 같아요", EmergencyKind::kOverdose);
  expect_kind("남편이 약을 한꺼번에 털어넣었어요", EmergencyKind::kOverdose);
  expect_kind("my 2 year old got into grandpa's pill box", EmergencyKind::kChildIngestion);
  expect_kind("his speech is slurred after the new pill", EmergencyKind::kStroke);
  expect_kind("My throat is tight after the antibiotic", EmergencyKind::kBreathing);
}

TEST(TriageTest, TakingItAllAsAPlanIsSelfHarm) {
  expect_kind("모아둔 수면제를 한번에 먹으면 편해질까 생각해요", EmergencyKind::kSelfHarm);
  expect_kind("약을 한 통 다 먹어버릴까 봐요", EmergencyKind::kSelfHarm);
  expect_kind("I'm thinking of taking the whole bottle", EmergencyKind::kSelfHarm);
  // Done by mistake: an overdose (119 and the package, no crisis line needed first).
  expect_kind("실수로 한 통을 다 먹었어요", EmergencyKind::kOverdose);
}

TEST(TriageTest, EmergencyWordsThatDescribeNoEmergency) {
  expect_no_emergency({"혈압약 먹고 일어날 때 어지러운데 쓰러질 정도는 아니에요",
                       "숨쉬기 힘들 때 쓰는 흡입기는 어떻게 보관해요?",
                       "아이가 예전에 열경기를 한 적이 있는데 해열제 먹여도 되나요?",
                       "혈압약 먹고 발목이 부었어요", "손목이 부었는데 파스 붙여도 돼요?",
                       "평소보다 많이 먹어도 되나요?", "My 5 year old took her allergy medicine"});
}

TEST(TriageTest, EmergencyLinesSayWhatTheSignMayBe) {
  const std::string bleeding =
      dd::emergency_lines({EmergencyKind::kBleeding, "혈변"}, dd::Language::kKorean);
  EXPECT_NE(bleeding.find("출혈"), std::string::npos) << bleeding;
  const std::string stroke =
      dd::emergency_lines({EmergencyKind::kStroke, "slurred"}, dd::Language::kEnglish);
  EXPECT_EQ(stroke.rfind("This may be an emergency", 0), 0u) << stroke;
  EXPECT_NE(stroke.find("stroke"), std::string::npos) << stroke;
}

TEST(TriageTest, AChildhoodReactionIsHistoryUnlessSomethingHappensNow) {
  expect_no_emergency({"어릴 때 페니실린 먹고 얼굴이 부었었는데 치과에서 항생제 준대요",
                       "When I was little my lips swelled after penicillin. Is amoxicillin ok?",
                       "어릴 때 경기를 했었는데 해열제 먹어도 돼요?"});
  expect_kind("I had a reaction as a child and now my lips are swelling after the antibiotic",
              EmergencyKind::kBreathing);
  expect_kind("예전부터 먹던 약인데 입술이 부었어요", EmergencyKind::kBreathing);
}

TEST(TriageTest, PillsGoneWhileAChildHadThemAndWishesToBeGone) {
  expect_kind("3살 아들이 할머니 약통을 열어놨는데 알약이 몇 개 사라졌어요",
              EmergencyKind::kChildIngestion);
  expect_kind("my toddler was playing with my pill bottle and some pills are missing",
              EmergencyKind::kChildIngestion);
  expect_kind("sometimes i think everyone would be better off without me",
              EmergencyKind::kSelfHarm);
  expect_kind("I can't go on, I keep thinking about taking all my pills at once",
              EmergencyKind::kSelfHarm);
  expect_kind("요즘 너무 힘들어서 그냥 없어지고 싶어요", EmergencyKind::kSelfHarm);
}

TEST(TriageTest, AnAnswerToABleedOrAReactionSaysToTakeNoMoreOfTheMedicine) {
  for (const EmergencyKind kind : {EmergencyKind::kBleeding, EmergencyKind::kBreathing}) {
    const std::string ko = dd::emergency_lines({kind, ""}, dd::Language::kKorean);
    EXPECT_NE(ko.find("더 드시지 마세요"), std::string::npos) << ko;
    const std::string en = dd::emergency_lines({kind, ""}, dd::Language::kEnglish);
    EXPECT_TRUE(en.find("no more") != std::string::npos || en.find("any more") != std::string::npos)
        << en;
  }
}

TEST(TriageTest, EnglishHivesWithTheChestACountWithAFillerAndWhatIfs) {
  expect_kind("got hives after the shot and now my chest feels tight", EmergencyKind::kBreathing);
  expect_kind("broke out in hives, my throat feels weird", EmergencyKind::kBreathing);
  expect_kind("I think I took like 20 of my anxiety pills", EmergencyKind::kOverdose);
  expect_kind("since the new pill, if I lie down I can't breathe", EmergencyKind::kBreathing);
  expect_no_emergency({"what should I do if someone has a seizure? my son takes seizure meds",
                       "I get short of breath when I run, can I use my inhaler first?"});
}

TEST(TriageTest, SightBellyFeverAndChemicals) {
  expect_kind("갑자기 한쪽 눈이 캄캄해져서 안 보여요", EmergencyKind::kVisionLoss);
  expect_kind("오늘 아침 갑자기 왼쪽 눈이 흐릿해요 혈압약 때문인가요", EmergencyKind::kVisionLoss);
  expect_kind("I suddenly lost vision in my right eye", EmergencyKind::kVisionLoss);
  expect_kind("소염진통제 먹다가 배가 찢어지게 아파요", EmergencyKind::kAbdomen);
  expect_kind("배가 돌처럼 딱딱하고 계속 토해요", EmergencyKind::kAbdomen);
  expect_kind("my belly is rigid and it hurts to breathe", EmergencyKind::kAbdomen);
  expect_kind("열이 39도인데 목이 뻣뻣해요", EmergencyKind::kSevereInfection);
  expect_kind("항암 주사 맞고 왔는데 열이 38.5도예요", EmergencyKind::kSevereInfection);
  expect_kind("fever and a stiff neck, can I take advil", EmergencyKind::kSevereInfection);
  expect_kind("아이가 표백제를 한 모금 마셨어요", EmergencyKind::kPoisoning);
  expect_kind("my toddler swallowed a button battery", EmergencyKind::kPoisoning);
  expect_kind("태어나서 제일 심한 두통이 갑자기 왔어요", EmergencyKind::kStroke);
  expect_kind("엄마가 왼손에 힘이 안 들어가서 컵을 떨어뜨려요", EmergencyKind::kStroke);
  expect_kind("인슐린 맞은 아빠가 사람을 못 알아봐요", EmergencyKind::kFainting);
  expect_kind("혈압약 5일치가 비었어요 할아버지가 한꺼번에 드신 것 같아요",
              EmergencyKind::kOverdose);
  expect_kind("아빠가 수면제를 여섯 알 드셨어요", EmergencyKind::kOverdose);
  expect_kind("기침할 때마다 피가 섞여 나와요", EmergencyKind::kBleeding);
  expect_kind("약 몇 알 먹으면 안 깨어나요?", EmergencyKind::kSelfHarm);
}

TEST(TriageTest, LookAlikesOfTheNewSigns) {
  expect_no_emergency({"눈이 침침해서 글씨가 잘 안 보여요 영양제 먹어도 되나요",
                       "변비약 먹어도 배가 딱딱하고 더부룩해요",
                       "세제 묻은 손으로 약 먹었는데 괜찮나요?",
                       "머리가 깨질 것 같이 아파요 타이레놀 먹어도 돼요?",
                       "프레드니솔론 한 달째인데 얼굴이 붓고 살이 쪄요",
                       "아이가 동전 건전지 장난감을 좋아하는데 어떻게 보관해요?",
                       "3년 전에 경련을 한 번 했고 지금은 약 먹으면서 잘 지내요",
                       "항암 치료 끝난 지 2년 됐는데 감기약 먹어도 돼요?"});
}

TEST(TriageTest, SpeechHandsWayOutsAndBottlesDrunk) {
  expect_kind("아버지가 갑자기 발음이 꼬여요", EmergencyKind::kStroke);
  expect_kind("할머니가 밥 먹다가 젓가락을 자꾸 놓치세요", EmergencyKind::kStroke);
  expect_kind("남은 수면제 전부 먹으면 그냥 잠들 수 있을까", EmergencyKind::kSelfHarm);
  expect_kind("다섯 살 아들이 감기 시럽을 혼자 꺼내서 한 병을 다 마셨어요",
              EmergencyKind::kOverdose);
  expect_no_emergency({"진통제 먹고 어지러운데 쓰러진 적은 없어요",
                       "흡입기 쓰고 목이 쉬었는데 숨쉬기 힘든 건 전혀 없어요",
                       "이 약 먹으면 속이 편해질까요?"});
}

TEST(TriageTest, ReadingsBabiesHeadsAndThroats) {
  expect_kind("어머니 맥박이 1분에 38회예요", EmergencyKind::kPulse);
  expect_kind("혈당 40 나왔는데 말을 잘 못해요", EmergencyKind::kFainting);
  expect_kind("8개월 아기가 장염인데 기저귀가 하루 종일 안 젖어요", EmergencyKind::kDehydration);
  expect_kind("할아버지가 계단에서 이마를 크게 부딪히셨는데 혈전약을 드세요",
              EmergencyKind::kHeadInjury);
  expect_kind("목 안쪽이 부어오르고 침 삼키기가 힘들어요", EmergencyKind::kBreathing);
  expect_kind("가슴에 코끼리가 앉은 것 같아요", EmergencyKind::kChestPain);
  expect_kind("my 2 year old drank some bleach", EmergencyKind::kPoisoning);
  expect_no_emergency({"비소프롤롤 먹는데 평소 맥박이 58 정도예요",
                       "아까 저혈당이 와서 사탕 먹고 15분 뒤에 재니 110이에요",
                       "뒷목이 뻣뻣한데 혈압약 먹어야 하나요",
                       "I have a stiff neck from sleeping wrong, can I take advil?",
                       "철분제 먹고 변이 까맣게 나와요 배는 안 아파요",
                       "지난달에 공황발작이 왔었는데 지금은 괜찮아요",
                       "회사 때문에 숨 막혀 죽겠어요 위염약 추천해 주세요",
                       "어제 운동하고 가슴 근육이 뻐근해요 누르면 아파요"});
}

TEST(TriageTest, PressureSugarOxygenAndDosesReadFromNumbers) {
  expect_kind("혈압이 220/130인데 머리가 깨질 것 같고 앞이 흐려요", EmergencyKind::kBloodPressure);
  expect_kind("혈당 520인데 계속 토하고 졸려해요", EmergencyKind::kHighBloodSugar);
  expect_kind("산소포화도가 86까지 떨어졌어요", EmergencyKind::kBreathing);
  expect_kind("맥박 170에 어지러워서 주저앉았어요", EmergencyKind::kPulse);
  expect_kind("감기약이랑 타이레놀 합쳐서 오늘 5g 넘게 먹은 것 같아요", EmergencyKind::kOverdose);
  expect_kind("해열제를 3ml 대신 30ml 먹였어요", EmergencyKind::kOverdose);
  expect_kind("임신 34주인데 혈압 150/100에 눈앞이 번쩍거려요", EmergencyKind::kPregnancy);
  expect_kind("비아그라 먹고 5시간째 발기가 안 풀려요", EmergencyKind::kPriapism);
  EXPECT_TRUE(dd::triage("갑자기 한쪽 다리가 붓고 숨이 가빠요").has_value());
  expect_no_emergency({"혈압 185/100인데 아무 증상 없어요", "혈압이 130이면 정상인가요?",
                       "산소포화도 97 정상인가요", "시럽 5ml 대신 7ml 먹였어요",
                       "운동 끝나고 심박 160 나왔는데 괜찮죠",
                       "What's the first aid for a seizure? Our office is doing a training.",
                       "철분제 먹고 변이 까매요 어지럽거나 배 아픈 건 없어요",
                       "부장님 때문에 쓰러지겠음ㅋㅋ 혈압약은 언제 먹어요?",
                       "발목이 붓는데 숨차거나 아프진 않아요"});
}

TEST(TriageTest, PillsSavedUpToTakeAtOnce) {
  expect_kind("먹으라는 약을 안 먹고 모아뒀어요 한 번에 다 먹으면 어떻게 돼요",
              EmergencyKind::kSelfHarm);
  expect_kind("남은 약이 많이 모였는데 한꺼번에 먹으면 아프지 않게 갈 수 있을까요",
              EmergencyKind::kSelfHarm);
}

TEST(TriageTest, ChatBoxMessages) {
  expect_kind("아스피린 먹는데 똥이 검고 어지러워요", EmergencyKind::kBleeding);
  expect_kind("수면제 한판 다 먹었음", EmergencyKind::kOverdose);
  expect_kind("치매 있는 아버지가 약 봉투를 한꺼번에 다 드셨어요", EmergencyKind::kOverdose);
  expect_kind("돌 된 아기가 바닥에 떨어진 제 혈압약을 먹었어요", EmergencyKind::kChildIngestion);
  expect_kind("애가 물파스를 조금 마셨어요", EmergencyKind::kPoisoning);
  expect_kind("apple watch says 38 bpm, I take metoprolol", EmergencyKind::kPulse);
  expect_kind("입술이 갑자기 부었어요 ㅋㅋ 아니 웃을 일 아니고 숨이 답답해요",
              EmergencyKind::kBreathing);
  expect_no_emergency({"약을 하루 12알 먹어요 ㅋㅋ 줄일 수 있나요", "어릴 때 건전지 삼킨 적 있대요",
                       "엄마가 김장하느라 쓰러지기 직전이래요 파스 붙여도 되나",
                       "I bumped my head, tiny bump, not on any blood thinners. advil ok?",
                       "입안이 헐었는데 열은 없고 다른 데는 멀쩡해요"});
}
