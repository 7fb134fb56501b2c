// Triage's second opinion (app/src/triage_model.h): the C++ decision values equal the ones
// scikit-learn recorded when it wrote the table, and what it may and may not add to the rules.
#include "triage_model.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "dailydrug/app/triage.h"
#include "dailydrug/app/utf8_text.h"

namespace dd = dailydrug::app;
using dd::EmergencyKind;

namespace {

void expect_no_emergency(std::initializer_list<const char*> questions) {
  for (const char* question : questions) {
    const auto e = dd::triage(question);
    EXPECT_FALSE(e.has_value()) << question << " matched " << (e ? e->sign : "");
  }
}

}  // namespace

TEST(TriageModelTest, DecisionValuesEqualTheOnesScikitLearnRecorded) {
  const auto& checks = dd::triage_model::recorded_checks();
  ASSERT_GE(checks.size(), 5U);
  for (const auto& check : checks) {
    const std::string k = dd::ascii_lower_without_spaces(check.message);
    EXPECT_NEAR(dd::triage_model::decision_value(k), check.value, 1e-4) << check.message;
  }
  EXPECT_GT(dd::triage_model::threshold(), 0.0);
  // Text the model never saw falls back to its intercept, well below the threshold.
  EXPECT_LT(dd::triage_model::decision_value(""), dd::triage_model::threshold());
}

// Messages no word rule reads as an emergency, but that read like the ones people write.
TEST(TriageModelTest, AnEmergencyNoRuleNamesOpensWithAConditional119) {
  const auto ko = dd::triage("우리 애가 세탁세제 캡슐을 물어뜯었는데 입 주변이 빨개요");
  ASSERT_TRUE(ko.has_value());
  EXPECT_EQ(ko->kind, EmergencyKind::kUnspecified) << ko->sign;
  const std::string ko_lines = dd::emergency_lines(*ko, dd::Language::kKorean);
  EXPECT_EQ(ko_lines.rfind("지금 이런 증상이 있다면 응급 상황일 수 있어요. 바로 119에", 0), 0U)
      << ko_lines;
  const auto en = dd::triage(
      "she is really drowsy after the methadone and her breathing is slow "
      "and snory");
  ASSERT_TRUE(en.has_value());
  EXPECT_EQ(en->kind, EmergencyKind::kUnspecified) << en->sign;
  const std::string en_lines = dd::emergency_lines(*en, dd::Language::kEnglish);
  EXPECT_EQ(en_lines.rfind("If this is happening now, it may be an emergency", 0), 0U) << en_lines;
  EXPECT_NE(en_lines.find("119"), std::string::npos);
  // A sign a rule names keeps the plain instruction.
  const auto named = dd::triage("숨을 못 쉬겠어요");
  ASSERT_TRUE(named.has_value());
  EXPECT_NE(named->kind, EmergencyKind::kUnspecified);
  EXPECT_EQ(dd::emergency_lines(*named, dd::Language::kKorean).rfind("응급 상황일 수 있어요", 0),
            0U);
}

TEST(TriageModelTest, WhatIfQuestionsAndSignsTheRulesSetAsideStayOrdinary) {
  expect_no_emergency({
      "만약 아이가 세탁세제 캡슐을 물어뜯으면 어떻게 해야 하나요?",
      "what would happen if she took her methadone twice and got drowsy?",
      // The rules read the sign and its negation; the model does not read the sign again.
      "I have no trouble breathing, just wondering if I can take my inhaler before running",
      "숨쉬기 힘들지는 않은데 흡입기를 하루에 몇 번까지 써도 되나요?",
  });
}

// Everyday questions, short and long, that share words with emergencies.
TEST(TriageModelTest, EverydayQuestionsAreNotEmergencies) {
  expect_no_emergency({
      "타이레놀",
      "술",
      "약을 두 번 먹었어요",
      "시럽 5ml 대신 7ml 먹였어요",
      "임신인 줄 모르고 혈압약을 먹었어요",
      "혈압약을 깜빡했어요",
      "아이가 감기약을 먹고 계속 자요",
      "I missed my blood pressure pill this morning",
  });
}
