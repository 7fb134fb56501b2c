// SafetyFilter: dose-change advice (Korean and English) is replaced by the referral; prohibitions
// and ordinary sentences pass unchanged; streaming gives the same result however the text is split.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dailydrug/app/assistant_prompt.h"
#include "dailydrug/app/medicine_facts.h"
#include "dailydrug/app/safety_filter.h"

namespace dd = dailydrug::app;

namespace {

const std::string kReferral = "복용량 변경은 반드시 의사 또는 약사와 상담하세요.";

std::string filter_all(const std::string& text, size_t piece_size,
                       dd::SafetyFilter** out = nullptr) {
  std::string sunk;
  static std::unique_ptr<dd::SafetyFilter> keep;
  keep = std::make_unique<dd::SafetyFilter>(kReferral, [&](std::string_view s) { sunk += s; });
  for (size_t i = 0; i < text.size(); i += piece_size) keep->feed(text.substr(i, piece_size));
  keep->finish();
  EXPECT_EQ(sunk, keep->output());
  if (out) *out = keep.get();
  return sunk;
}

}  // namespace

// ---- Advice that must be blocked ----------------------------------------------------------------

class BlocksAdvice : public ::testing::TestWithParam<const char*> {};

TEST_P(BlocksAdvice, IsDetected) {
  EXPECT_TRUE(dd::is_dose_change_advice(GetParam())) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Korean, BlocksAdvice,
    ::testing::Values("효과가 없으면 두 배로 드세요.", "약을 두배로 복용하세요.",
                      "아프면 2알 더 드셔도 됩니다.", "한 알 더 드세요.",
                      "두 알 더 먹어도 괜찮아요.", "복용을 중단하세요.", "이 약을 끊으세요.",
                      "속이 쓰리면 약을 끊어도 돼요.", "양을 늘리세요.", "용량을 늘려서 드세요.",
                      "복용량을 줄이세요.", "증상이 나아지면 복용을 중단해도 됩니다.",
                      "오늘은 건너뛰세요.", "한 번은 걸러도 괜찮아요.", "그만 드셔도 됩니다.",
                      "더 이상 복용하지 마세요.", "이제 드시지 마세요.", "내일은 안 드셔도 돼요.",
                      "반 알만 드세요.", "약을 그만 먹어도 돼요.", "추가로 복용하세요.",
                      "임의로 중단하지 말고, 용량을 두 배로 늘리세요.", "복용을 멈추세요.",
                      "하루 횟수를 늘리세요.", "복용하지 않아도 됩니다."));

INSTANTIATE_TEST_SUITE_P(
    English, BlocksAdvice,
    ::testing::Values("Double your dose if the pain continues.", "You can double up tomorrow.",
                      "Stop taking it if you feel sick.", "Take two more tablets.",
                      "Take an extra pill at night.", "Increase your dose to 1000 mg.",
                      "Reduce the dose by half.", "Skip your next dose.", "You can skip it today.",
                      "Just stop taking the medicine.", "Take more if it doesn't help.",
                      "Don't drink alcohol, and stop taking it.", "You should stop now.",
                      "Cut back on the tablets.", "Discontinue the medication.",
                      "Take it twice as often.", "STOP TAKING IT."));

// ---- Safe sentences that must pass -------------------------------------------------------------

class PassesSafe : public ::testing::TestWithParam<const char*> {};

TEST_P(PassesSafe, IsNotDetected) {
  EXPECT_FALSE(dd::is_dose_change_advice(GetParam())) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Korean, PassesSafe,
    ::testing::Values("임의로 중단하지 마세요.", "임의로 복용을 중단하지 마세요.",
                      "두 배로 복용하지 마세요.", "놓친 약을 한 번에 두 배로 드시지 마세요.",
                      "양을 늘리지 마세요.", "중단하기 전에 의사와 상담하세요.",
                      "증상이 나아져도 임의로 중단하지 말고 처방받은 기간 동안 복용하세요.",
                      "기침이 멈추지 않으면 의사의 진료를 받으세요.",
                      "출혈이 멈추지 않으면 바로 병원에 가세요.", "술과 함께 복용하지 마세요.",
                      "위험이 두 배로 높아질 수 있어요.", "식후 30분에 복용하세요.",
                      "하루 최대량을 지키세요.", "아세트아미노펜은 졸음을 일으키지 않아요.",
                      "졸리면 운전하지 마세요.",
                      "복용량 변경은 반드시 의사 또는 약사와 상담하세요.", "용량을 바꾸지 마세요.",
                      "세포가 손상될 수 있어요.", "2시간 정도 간격을 두세요.",
                      "알레르기가 있다면 알려 주세요.", "한정된 정보예요.",
                      "오래 복용했다면 임의로 중단하지 마세요.", "절대 두 배로 먹으면 안 됩니다."));

INSTANTIATE_TEST_SUITE_P(
    English, PassesSafe,
    ::testing::Values("Do not stop taking it without talking to your doctor.",
                      "Never double a dose to make up for a missed one.", "Don't double up.",
                      "Talk to your doctor before you stop taking it.",
                      "Ask your pharmacist whether to skip a dose.", "Take it with food.",
                      "Do not drive if you feel drowsy.", "Avoid alcohol while taking it.",
                      "It is important not to skip doses.",
                      "Talk to your doctor or pharmacist before changing a dose.",
                      "Acetaminophen does not usually make you drowsy.",
                      "You took 10 of 14 doses this week."));

// ---- Dose amounts and frequencies: only the prescription may state them ------------------------

class BlocksAmount : public ::testing::TestWithParam<const char*> {};

TEST_P(BlocksAmount, IsDetected) {
  EXPECT_TRUE(dd::states_dose_amount(GetParam())) << GetParam();
  dd::SafetyFilter f(kReferral, {});
  f.feed(GetParam());
  f.finish();
  EXPECT_EQ(f.output(), kReferral);
}

INSTANTIATE_TEST_SUITE_P(
    Both, BlocksAmount,
    ::testing::Values("A dose of 20mg of ibuprofen per day is excessive.", "Take 500 mg.",
                      "Take two tablets at night.", "Use it twice a day.", "Take it every 6 hours.",
                      "Take it every 4-6 hours.", "0.5mg 정제를 물과 함께 드세요.",
                      "한 번에 2정씩 드세요.", "두 알 드세요.", "하루 세 번 드세요.",
                      "하루에 2회 복용해요.", "1포를 물에 타서 드세요."));

// ---- Permission verdicts: only the curated facts and a pharmacist may say "it is fine" --------
// Found on the Korean default model (Qwen2.5-Coder-0.5B): "네, 이부프로펜을 먹거나 술 마셔도
// 됩니다." and "아세트아미노펜은 두번 먹어도 됩니다." passed the dose checks and the grounding
// check.

class BlocksVerdict : public ::testing::TestWithParam<const char*> {};

TEST_P(BlocksVerdict, IsDroppedFromTheStream) {
  EXPECT_TRUE(dd::is_permission_verdict(GetParam())) << GetParam();
  dd::SafetyFilter f(kReferral, {});
  f.feed(std::string("타이레놀은 해열진통제예요. ") + GetParam() + " 운전 전에는 확인하세요.");
  f.finish();
  EXPECT_EQ(f.output(), "타이레놀은 해열진통제예요. 운전 전에는 확인하세요.");
  ASSERT_EQ(f.dropped_sentences().size(), 1u);
  EXPECT_EQ(f.dropped_sentences()[0], GetParam());
  EXPECT_FALSE(f.replaced_any());
}

INSTANTIATE_TEST_SUITE_P(Korean, BlocksVerdict,
                         ::testing::Values("네, 이부프로펜을 먹거나 술 마셔도 됩니다.",
                                           "아세트아미노펜은 두번 먹어도 됩니다.",
                                           "술과 함께 드셔도 괜찮아요.",
                                           "같이 복용해도 문제없습니다.", "운전해도 돼요.",
                                           "함께 먹어도 상관없어요.",
                                           "이 약은 임산부에게 안전합니다.", "예, 가능합니다."));

INSTANTIATE_TEST_SUITE_P(English, BlocksVerdict,
                         ::testing::Values("Yes, you can drink alcohol with ibuprofen.",
                                           "You can safely drive after it.",
                                           "It is perfectly safe to take them together.",
                                           "It's fine to have a glass of wine with it.",
                                           "Taking it with alcohol is okay to do.",
                                           "There is no harm in mixing them."));

class PassesVerdict : public ::testing::TestWithParam<const char*> {};

TEST_P(PassesVerdict, IsNotAVerdict) {
  EXPECT_FALSE(dd::is_permission_verdict(GetParam())) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Both, PassesVerdict,
                         ::testing::Values("술과 함께 먹으면 안 됩니다.",
                                           "효과가 나타나기까지 30분 정도 돼요.",
                                           "아세트아미노펜은 보통 졸음을 일으키지 않아요.",
                                           "졸리거나 어지러우면 운전하지 마세요.",
                                           "궁금하면 약사와 상담하세요.",
                                           "Ask your pharmacist whether it is safe to drive.",
                                           "It is not safe to drink alcohol with it.",
                                           "You cannot take it with alcohol.",
                                           "If it is safe for you, your doctor will say so.",
                                           "Acetaminophen does not usually make you drowsy."));

TEST(SafetyFilterTest, AmountsAreNotConfusedWithOrdinaryWords) {
  for (const char* s :
       {"세포가 손상될 수 있어요.", "2시간 정도 간격을 두세요.", "알레르기가 있다면 알려 주세요.",
        "한정된 정보예요.", "한 번에 두 배로 드시지 마세요.", "You took 10 of 14 doses.",
        "See a doctor within 24 hours.", "Drink 2 liters of water."}) {
    EXPECT_FALSE(dd::states_dose_amount(s)) << s;
  }
}

// ---- Streaming
// ------------------------------------------------------------------------------------

TEST(SafetyFilterTest, ReplacesOnlyTheAdvisingSentenceAndKeepsTheRest) {
  const std::string text =
      "타이레놀은 보통 졸음을 일으키지 않아요. 아프면 두 배로 드세요. 졸리면 운전하지 마세요.";
  dd::SafetyFilter* f = nullptr;
  const std::string out = filter_all(text, 1000, &f);
  EXPECT_EQ(out,
            "타이레놀은 보통 졸음을 일으키지 않아요. " + kReferral + " 졸리면 운전하지 마세요.");
  ASSERT_EQ(f->replaced_sentences().size(), 1u);
  EXPECT_EQ(f->replaced_sentences()[0], "아프면 두 배로 드세요.");
  EXPECT_TRUE(f->replaced_any());
}

TEST(SafetyFilterTest, SameOutputForEverySplitIncludingInsideUtf8) {
  const std::string text =
      "It helps with pain. Double your dose if it does not.\nDo not stop taking it on your own. "
      "복용을 중단하세요! 임의로 중단하지 마세요.";
  const std::string whole = filter_all(text, text.size());
  for (size_t piece : {1u, 2u, 3u, 5u, 7u, 13u}) {
    EXPECT_EQ(filter_all(text, piece), whole) << "piece size " << piece;
  }
  EXPECT_EQ(whole.find("Double your dose"), std::string::npos);
  EXPECT_EQ(whole.find("복용을 중단하세요"), std::string::npos);
  EXPECT_NE(whole.find("Do not stop taking it on your own."), std::string::npos);
  EXPECT_NE(whole.find("임의로 중단하지 마세요."), std::string::npos);
}

TEST(SafetyFilterTest, HoldsTextUntilTheSentenceEnds) {
  std::vector<std::string> released;
  dd::SafetyFilter f(kReferral, [&](std::string_view s) { released.emplace_back(s); });
  f.feed("두 배로");
  EXPECT_TRUE(released.empty());  // could still become "두 배로 복용하지 마세요"
  f.feed(" 드세요");
  EXPECT_TRUE(released.empty());
  f.feed(". 다음");
  std::string joined;
  for (const auto& r : released) joined += r;
  EXPECT_EQ(joined, kReferral + " ");
  f.finish();
  EXPECT_EQ(f.output(), kReferral + " 다음");
}

TEST(SafetyFilterTest, DecimalPointsAreNotSentenceEnds) {
  std::vector<std::string> released;
  dd::SafetyFilter f(kReferral, [&](std::string_view s) { released.emplace_back(s); });
  f.feed("Drink 0.5");
  f.feed(" liters of water. ");
  f.feed("Next");
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0], "Drink 0.5 liters of water. ");
}

TEST(SafetyFilterTest, AdviceWithoutTerminatorIsCaughtAtFinish) {
  EXPECT_EQ(filter_all("알겠어요.\n약을 끊으세요", 4), "알겠어요.\n" + kReferral);
}

TEST(SafetyFilterTest, ConsecutiveReplacementsGiveOneReferral) {
  dd::SafetyFilter* f = nullptr;
  const std::string out = filter_all("Double your dose. Stop taking it. Drink water.", 6, &f);
  EXPECT_EQ(out, kReferral + " Drink water.");
  EXPECT_EQ(f->replaced_sentences().size(), 2u);
}

TEST(SafetyFilterTest, NewlinesAndBulletsAreKept) {
  const std::string text = "요약:\n- 식후에 드세요.\n- 양을 늘리세요.\n- 물과 함께 드세요.\n";
  EXPECT_EQ(filter_all(text, 3),
            "요약:\n- 식후에 드세요.\n" + kReferral + "\n- 물과 함께 드세요.\n");
}

TEST(SafetyFilterTest, EmptyInputGivesEmptyOutput) {
  dd::SafetyFilter* f = nullptr;
  EXPECT_EQ(filter_all("", 1, &f), "");
  EXPECT_FALSE(f->replaced_any());
}

// Every curated text the assistant prints itself must pass its own filter.
TEST(SafetyFilterTest, NoCuratedFactOrFixedLineIsDoseAdvice) {
  const auto& kb = dd::MedicineFacts::builtin();
  ASSERT_FALSE(kb.entries().empty());
  auto check = [](const std::string& id, const dd::LocalizedText& text) {
    for (auto lang : {dd::Language::kKorean, dd::Language::kEnglish}) {
      dd::SafetyFilter filter(kReferral, {});
      filter.feed(text.in(lang));
      filter.finish();
      EXPECT_FALSE(filter.replaced_any()) << id << ": " << text.in(lang);
    }
  };
  // Medicines, categories and the rules for any medicine; then the interaction warnings.
  std::vector<const dd::MedicineEntry*> entries{&kb.general()};
  for (const auto* list : {&kb.entries(), &kb.categories()}) {
    for (const auto& e : *list) entries.push_back(&e);
  }
  for (const auto* e : entries) {
    for (const auto& f : e->facts) check(e->fact_id(f.topic), f.text);
  }
  for (const auto& r : kb.interactions()) check(r.a + "+" + r.b, r.text);
  for (auto lang : {dd::Language::kKorean, dd::Language::kEnglish}) {
    EXPECT_FALSE(dd::is_dose_change_advice(dd::dose_change_referral(lang)));
  }
}
