// WordCheck: a model sentence's words must be in the prompt or a dictionary. The garbled words are
// the ones issue 14 quotes from the default Korean model ("탐이레놀", "자몬주스"). First with a
// small fake lexicon (the rules), then with the hunspell dictionaries the app uses (Debian
// hunspell-ko, hunspell-en-us; scripts/lib.sh installs them).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "dailydrug/app/hunspell_lexicon.h"
#include "dailydrug/app/word_check.h"

namespace dd = dailydrug::app;

namespace {

// Words as a dictionary lists them; inflected forms are words but not entries.
class FakeLexicon : public dd::Lexicon {
 public:
  FakeLexicon(std::set<std::string> entries, std::set<std::string> forms)
      : entries_(std::move(entries)), forms_(std::move(forms)) {}
  bool is_word(std::string_view w) const override {
    return entries_.count(std::string(w)) || forms_.count(std::string(w));
  }
  bool is_entry(std::string_view w) const override { return entries_.count(std::string(w)); }

 private:
  std::set<std::string> entries_, forms_;
};

const FakeLexicon& fake_korean() {
  static const FakeLexicon k(
      {"자몽", "주스", "혈압", "약", "탐", "자모", "술", "간"},
      {"주스를", "약을", "자몬", "탐이", "드세요", "먹는", "마시지", "마세요", "피하세요", "손상",
       "위험이", "커질", "수", "있어요", "복용", "중에는"});
  return k;
}

const FakeLexicon& fake_english() {
  static const FakeLexicon e({"do", "not", "drink", "with", "it", "alcohol", "the", "liver"}, {});
  return e;
}

}  // namespace

TEST(WordCheckTest, WordsAreRunsOfOneScript) {
  EXPECT_EQ(dd::WordCheck::words("타이레놀(acetaminophen)은, don't 20mg 2정 약."),
            (std::vector<std::string>{"타이레놀", "acetaminophen", "은", "don't", "약"}));
  EXPECT_EQ(dd::WordCheck::words("아세트아미노펜은 肝 손상"),
            (std::vector<std::string>{"아세트아미노펜은", "肝", "손상"}));
}

TEST(WordCheckTest, SourceWordsWithParticlesPass) {
  const dd::WordCheck check(
      "타이레놀은 아세트아미노펜 성분이에요. 질문: 타이레놀 먹고 술 마셔도 돼요?", &fake_korean(),
      nullptr);
  EXPECT_TRUE(check.passes("타이레놀을 먹는 중에는 술을 피하세요."));
  EXPECT_TRUE(check.passes("아세트아미노펜은 간 손상 위험이 커질 수 있어요."));
  EXPECT_EQ(check.unknown_words("탐이레놀 복용 중에는 술을 마시지 마세요."),
            std::vector<std::string>{"탐이레놀"});
}

TEST(WordCheckTest, CompoundsNeedABareHeadAndAPartFromTheSource) {
  const dd::WordCheck check("자몽주스와 함께 먹어도 되나요? 약을 드세요.", &fake_korean(), nullptr);
  EXPECT_TRUE(check.passes("자몽 주스를 피하세요."));
  EXPECT_TRUE(check.passes("자몽주스를 피하세요."));
  EXPECT_TRUE(check.passes("혈압약을 드세요."));  // 혈압 + 약을, the source's
  // 자몬 is in the dictionary only as a contraction (자모는), so it heads no compound.
  EXPECT_EQ(check.unknown_words("자몬주스를 마시지 마세요."),
            std::vector<std::string>{"자몬주스를"});
  // Two dictionary words, neither the source's: "간술" is not a word of this answer.
  EXPECT_EQ(check.unknown_words("간술을 피하세요."), std::vector<std::string>{"간술을"});
}

TEST(WordCheckTest, OtherScriptsAreNeverWords) {
  const dd::WordCheck check("간", &fake_korean(), &fake_english());
  EXPECT_EQ(check.unknown_words("간 损伤 위험이 있어요."), std::vector<std::string>{"损伤"});
}

TEST(WordCheckTest, EnglishWordsFromTheSourceOrTheDictionary) {
  const dd::WordCheck check("Acetaminophen can harm the liver.", nullptr, &fake_english());
  EXPECT_TRUE(check.passes("Do not drink alcohol with acetaminophen."));
  EXPECT_TRUE(check.passes("Alcohol can harm the liver's."));
  EXPECT_EQ(check.unknown_words("Do not drink with empty blood-ish acetaminofen."),
            (std::vector<std::string>{"empty", "blood", "ish", "acetaminofen"}));
}

TEST(WordCheckTest, WithoutADictionaryOnlySourceWordsPass) {
  const dd::WordCheck check("술을 피하세요", nullptr, nullptr);
  EXPECT_TRUE(check.passes("술을 피하세요."));
  EXPECT_FALSE(check.passes("술은 위험해요."));
  EXPECT_TRUE(check.passes("20mg 2정"));  // numbers are the dose check's business
}

TEST(HunspellLexiconTest, KoreanAndEnglishDictionariesCatchGarbledWords) {
  const std::string dir(dd::HunspellLexicon::kDefaultDirectory);
  auto ko = dd::HunspellLexicon::shared(dir, dd::Language::kKorean);
  auto en = dd::HunspellLexicon::shared(dir, dd::Language::kEnglish);
  ASSERT_TRUE(ko.ok()) << ko.error().message() << " (Debian hunspell-ko; scripts/setup.sh)";
  ASSERT_TRUE(en.ok()) << en.error().message() << " (Debian hunspell-en-us; scripts/setup.sh)";
  const dd::WordCheck check(
      "- 타이레놀(아세트아미노펜, 해열진통제): 자몽주스와 함께 먹어도 되는지 약사에게 "
      "확인하세요.\n질문: 타이레놀 "
      "먹고 자몽주스 마셔도 돼요?",
      *ko, *en);
  EXPECT_TRUE(check.passes("타이레놀은 아세트아미노펜 성분의 해열진통제예요."));
  EXPECT_TRUE(check.passes("자몽주스를 마시기 전에 약사에게 확인하세요."));
  EXPECT_TRUE(check.passes("복용 중에는 음주를 피하고, 어지러우면 운전하지 마세요."));
  EXPECT_EQ(check.unknown_words("탐이레놀은 자몬주스와 함께 드시지 마세요."),
            (std::vector<std::string>{"탐이레놀은", "자몬주스와"}));
  // Garbled words the default model wrote (docs/ASSISTANT.md, "The model's part").
  const dd::WordCheck expiry("유통기한이 지난 약은 먹지 마세요. 어린이용 제품을 쓰세요.", *ko, *en);
  EXPECT_EQ(expiry.unknown_words("음료기한이 지난 약은 아름이용 제품에 넣지 마세요."),
            (std::vector<std::string>{"음료기한이", "아름이용"}));
  EXPECT_EQ(expiry.unknown_words("할머니가 듦시는데 홴장실에 가다 넘어질 수 있어요."),
            (std::vector<std::string>{"듦시는데", "홴장실에"}));
  const dd::WordCheck english("Question: Can I take Tylenol on an empty stomach?", *ko, *en);
  EXPECT_TRUE(english.passes("Tylenol can be taken with or without food."));
  EXPECT_EQ(english.unknown_words("Tylenol is not recomended for empti stomachs."),
            (std::vector<std::string>{"recomended", "empti"}));
}

TEST(HunspellLexiconTest, AMissingDictionaryIsAStorageError) {
  auto missing = dd::HunspellLexicon::load("/nonexistent", "ko");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, dd::ErrorKind::kStorage);
}
