// GroundingCheck: model sentences about the prompt pass; invented ones (seen from SmolLM2-135M
// with these very prompts) are dropped; short sentences always pass.
#include <gtest/gtest.h>

#include <string>

#include "dailydrug/app/assistant_prompt.h"
#include "dailydrug/app/grounding_check.h"
#include "dailydrug/app/safety_filter.h"

namespace dd = dailydrug::app;

namespace {

const std::string kSource =
    dd::assistant_system_prompt(dd::Language::kEnglish) +
    "\nFacts:\n- acetaminophen, Driving: Acetaminophen alone usually does not cause drowsiness, "
    "so it is not known to affect driving much. Combination products such as cold medicines may "
    "contain ingredients that make you drowsy, so check the ingredients.\n\nQuestion: Can I "
    "drive after taking Tylenol?\nAnswer briefly, using only these facts.";

}  // namespace

TEST(GroundingCheckTest, ContentTokensSkipFunctionWordsAndStem) {
  EXPECT_EQ(dd::GroundingCheck::content_tokens("The medicines, with Drowsiness!"),
            (std::vector<std::string>{"medici", "drowsi"}));
  EXPECT_EQ(dd::GroundingCheck::content_tokens("타이레놀 먹어"),
            (std::vector<std::string>{"타이", "이레", "레놀", "먹어"}));
  EXPECT_EQ(dd::GroundingCheck::content_tokens("a 12 ok? 약"), std::vector<std::string>{"12"});
}

TEST(GroundingCheckTest, KeepsParaphrasesOfTheFacts) {
  const dd::GroundingCheck check(kSource);
  for (const char* s :
       // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one sentence over three literals
       {"Acetaminophen alone usually does not affect driving much, but it can cause drowsiness "
        "when combined with other medications like cold medicines that contain ingredients to "
        "make you drowsy.",
        "Check the ingredients of cold medicines before you drive.", "Yes.",
        "Ask a doctor or pharmacist if you feel drowsy.",
        "It's generally safe to drive after taking Tylenol, but be careful if you feel sleepy."}) {
    EXPECT_TRUE(check.is_grounded(s)) << s << " share " << check.grounded_share(s);
  }
}

TEST(GroundingCheckTest, DropsInventions) {
  const dd::GroundingCheck check(kSource);
  for (const char* s :
       {"Tylenol (acetaminophen), 2019-2023: The product is no longer available in the UK.",
        "Today's doses are currently taking 8 and 9 days ahead of schedule to avoid the side "
        "effects of the COVID-19 vaccine that has been approved by the FDA for use in Japan.",
        "Cetirizine is a medication used to treat anxiety disorders and panic attacks.",
        "This is a very important step towards ensuring everyone stays safe from this pandemic."}) {
    EXPECT_FALSE(check.is_grounded(s)) << s << " share " << check.grounded_share(s);
  }
}

TEST(GroundingCheckTest, KoreanUsesSyllablePairs) {
  const dd::GroundingCheck check(
      "아세트아미노펜은 보통 졸음을 일으키지 않아 운전에 큰 영향을 주지 않아요.");
  EXPECT_TRUE(check.is_grounded("아세트아미노펜은 보통 운전에 영향을 주지 않아요."));
  EXPECT_FALSE(check.is_grounded("이 약은 불안 장애를 치료하는 신경안정제로 처방됩니다."));
}

TEST(GroundingCheckTest, FilterDropsUngroundedSentencesAndReportsThem) {
  const dd::GroundingCheck check(kSource);
  std::string out;
  dd::SafetyFilter f("R.", [&](std::string_view s) { out += s; });
  f.set_sentence_check([&](std::string_view s) { return check.is_grounded(s); });
  f.feed(
      "Acetaminophen alone usually does not cause drowsiness. Cetirizine is a medication used "
      "to treat anxiety disorders and panic attacks. Double your dose.");
  f.finish();
  EXPECT_EQ(out, "Acetaminophen alone usually does not cause drowsiness. R.");
  ASSERT_EQ(f.dropped_sentences().size(), 1u);
  EXPECT_EQ(f.replaced_sentences().size(), 1u);
}

TEST(GroundingCheckTest, ModelSentencesMustBeInTheAnswersLanguageAndScript) {
  EXPECT_TRUE(dd::GroundingCheck::written_in("타이레놀은 졸음을 거의 일으키지 않아요.", true));
  EXPECT_TRUE(dd::GroundingCheck::written_in("Tylenol(아세트아미노펜)은 해열진통제예요.", true));
  EXPECT_FALSE(dd::GroundingCheck::written_in("No, it does not work for empty blood.", true));
  EXPECT_FALSE(dd::GroundingCheck::written_in("It is taken with 물 after meals.", false));
  EXPECT_TRUE(dd::GroundingCheck::written_in("Take it after meals.", false));
  EXPECT_FALSE(dd::GroundingCheck::written_in("...", true));  // no Hangul at all
}
