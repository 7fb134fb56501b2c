// The scanner's per-line layers: lexer, medicine name finder, instruction parser, dose texts and
// the time-slot table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/medicine_name.h"
#include "dailydrug/app/time_slot_table.h"

namespace dd = dailydrug::app;

namespace {

std::string lex(const std::string& line) {
  return dd::describe_tokens(line, dd::lex_dosage_line(line));
}

dd::InstructionFields parse(const std::string& line) {
  return dd::parse_instructions(line, 1, dd::lex_dosage_line(line), 0);
}

std::optional<std::string> name_of(const std::string& line) {
  const auto name = dd::find_medicine_name(line, dd::lex_dosage_line(line));
  return name ? std::optional<std::string>(name->text) : std::nullopt;
}

std::vector<std::string> notes(const dd::InstructionFields& f) {
  std::vector<std::string> out;
  for (const auto& n : f.notes) {
    out.push_back(n.text);
  }
  return out;
}

TEST(ScanLexer, SplitsNumbersFromUnitsAndWords) {
  EXPECT_EQ(lex("1일3회"), "days:1일 times:3회");
  EXPECT_EQ(lex("타이레놀정500mg 1T"), "word:타이레놀정 strength:500mg dose:1T");
  EXPECT_EQ(lex("1정씩 5일분"), "dose:1정 filler:씩 days:5일분");
  EXPECT_EQ(lex("x7d x 7 days"), "sep:x days:7d sep:x days:7 days");
  EXPECT_EQ(lex("세토펜현탁액 5 ml"), "word:세토펜현탁액 dose:5 ml");
  EXPECT_EQ(lex("1-2방울 0.5정 1/2정"), "dose:1-2방울 dose:0.5정 dose:1/2정");
}

TEST(ScanLexer, SegmentsRunTogetherKeywordsAndJoinsSpacedOnes) {
  EXPECT_EQ(lex("아침저녁식후30분에"), "slot:아침 slot:저녁 timing:식후 min:30분 filler:에");
  EXPECT_EQ(lex("식 후"), "timing:식 후");
  EXPECT_EQ(lex("자기 전"), "timing:자기 전");
  EXPECT_EQ(lex("하루 세 번 한 알씩"), "perday:하루 times:세 번 dose:한 알 filler:씩");
  EXPECT_EQ(lex("통증 시"), "prn:통증 시");
  // A unit word that is also a keyword does not take a number across a space: "매" = every.
  EXPECT_EQ(lex("28 매 식후"), "num:28 filler:매 timing:식후");
  // Words that merely contain keywords stay words.
  EXPECT_EQ(lex("주의 주사 후시딘연고"), "word:주의 word:주사 word:후시딘연고");
}

TEST(ScanLexer, RecognisesAbbreviationsDatesPhonesAndMoney) {
  EXPECT_EQ(lex("1T tid pc"), "dose:1T freq:tid timing:pc");
  EXPECT_EQ(lex("b.i.d. p.c. q8h hs prn"),
            "freq:b.i.d. timing:p.c. interval:q8h timing:hs timing:prn");
  EXPECT_EQ(lex("2024-05-02 02-555-1234 4,500원 645301230"),
            "date:2024-05-02 phone:02-555-1234 money:4,500원 code:645301230");
  // A thousands comma is part of the number; a list of cells is not one number.
  EXPECT_EQ(lex("132 1 3 5 1,980 590"), "num:132 num:1 num:3 num:5 num:1,980 num:590");
  EXPECT_EQ(lex("1,3,5"), "num:1 sep:, num:3 sep:, num:5");
  EXPECT_EQ(lex("3월 15일"), "date:3월 date:15일");
  EXPECT_EQ(lex("250mg/5ml"), "strength:250mg/5ml");
  EXPECT_EQ(lex("1. 용법: 1일"), "ordinal:1 sep:. label:용법 sep:: days:1일");
}

TEST(ScanLexer, ReadsClockTimes) {
  const std::string line = "08:30 오후 9시";
  const auto tokens = dd::lex_dosage_line(line);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].clock_minutes, 8 * 60 + 30);
  EXPECT_EQ(tokens[2].kind, dd::TokenKind::kClock);
  EXPECT_EQ(tokens[2].clock_minutes, 21 * 60);
  // Hours after a word for the half of the day, and minutes written after the hour.
  EXPECT_EQ(parse("밤 10시 새벽 6시 밤 12시").when.clock_minutes,
            (std::vector<int>{22 * 60, 6 * 60, 0}));
  EXPECT_EQ(parse("밤 9시 30분 저녁 7시 반").when.clock_minutes,
            (std::vector<int>{21 * 60 + 30, 19 * 60 + 30}));
}

TEST(ScanParser, LimitsRhythmsAndConditionsKeepTheirBounds) {
  // A maximum is no dose, "within" is no maximum.
  EXPECT_FALSE(parse("1일 최대 8정").dose.present());
  EXPECT_FALSE(parse("1일 최대 8정").days.present());
  EXPECT_EQ(parse("식후 30분 이내 1정").dose.value->amount, 1);
  // A count per week is a rhythm; a supply in weeks before a count is a course.
  EXPECT_TRUE(parse("1주 1회").non_daily);
  EXPECT_EQ(parse("2주분 1일 3회").days.value, 14);
  EXPECT_FALSE(parse("2주분 3회").non_daily);
  EXPECT_EQ(parse("2주 1회 1캡슐 1일 3회").days.value, 14);  // "1회 1캡슐": one dose
  EXPECT_EQ(lex("석회"), "word:석회");                       // 석 counts months only
  // A condition of the timing is no as-needed condition.
  EXPECT_EQ(parse("속이 쓰리면 식후에 복용").when.timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(parse("두통이 심할 때 1정").when.timing, dd::Timing::kAsNeeded);
}

TEST(ScanLexer, DigitsSpacedInsideADuration) {
  EXPECT_EQ(lex("1일 3회 1 4 일분"), "days:1일 times:3회 days:1 4 일분");
  EXPECT_EQ(parse("1일 3회 1 4 일분").days.value, 14);
  EXPECT_EQ(parse("1정 1 0 일분").days.value, 10);  // no 0-day course
  // Without a written count the digits before may be a row's cells.
  EXPECT_EQ(lex("1 3 5 일분"), "num:1 num:3 days:5 일분");
}

TEST(ScanMedicineName, CutsAfterTheDosageFormStrengthAndIngredient) {
  EXPECT_EQ(name_of("1. 타이레놀정500밀리그람(아세트아미노펜) 1 3 3"),
            "타이레놀정500밀리그람(아세트아미노펜)");
  EXPECT_EQ(name_of("| 2 | 671803660 | 에소메졸캡슐20mg | 1.00 |"), "에소메졸캡슐20mg");
  EXPECT_EQ(name_of("타이레놀정500mg 해열진통제 흰색 원형"), "타이레놀정500mg");
  EXPECT_EQ(name_of("록소프로펜정 (소염진통제)"), "록소프로펜정");  // spaced: a descriptor
  EXPECT_EQ(name_of("Rx: Augmentin 625mg tab 1T q8h"), "Augmentin 625mg tab");
  EXPECT_EQ(name_of("약품명: 아모잘탄정5/50mg"), "아모잘탄정5/50mg");
  EXPECT_EQ(name_of("- 에리스로마이신 과립"), "에리스로마이신 과립");
  EXPECT_EQ(name_of("타이레놀8시간이알서방정 1 3 5"), "타이레놀8시간이알서방정");
  EXPECT_EQ(name_of("레보세티리진정5mg 1 1 7"), "레보세티리진정5mg");
}

TEST(ScanMedicineName, AcceptsUnanchoredNamesOnlyWithInstructions) {
  EXPECT_EQ(name_of("심비코트터부헬러 1회 2흡입 1일 2회"), "심비코트터부헬러");
  EXPECT_EQ(name_of("Augmentin 1T tid"), "Augmentin");
  EXPECT_EQ(name_of("홍길동 님 (만 35세)"), std::nullopt);
  EXPECT_EQ(name_of("Rx"), std::nullopt);
  // Category headings are not products.
  EXPECT_EQ(name_of("진통제 (필요시 복용)"), std::nullopt);
  EXPECT_EQ(name_of("[물약] 하루 3번 식후 30분"), std::nullopt);
  // Instruction, caution and info lines hold no name.
  EXPECT_EQ(name_of("아침 점심 저녁 식후 30분 1정씩 5일분"), std::nullopt);
  EXPECT_EQ(name_of("복용법: 1회 1정"), std::nullopt);
  EXPECT_EQ(name_of("주의: 졸음이 올 수 있으니 운전 주의"), std::nullopt);
  EXPECT_EQ(name_of("※ 졸음이 올 수 있음"), std::nullopt);
}

TEST(ScanMedicineName, FindsANameAfterALeadingCondition) {
  const std::string line = "소화불량시 베아제정 1정";
  const auto name = dd::find_medicine_name(line, dd::lex_dosage_line(line));
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->text, "베아제정");
  EXPECT_TRUE(name->after_instructions);
  ASSERT_TRUE(name->form.has_value());
  EXPECT_EQ(name->form->unit, dd::DoseUnit::kTablet);
}

TEST(ScanParser, ReadsAFullInstruction) {
  const auto f = parse("1회 1정 1일 3회 식후 30분 5일분");
  ASSERT_TRUE(f.dose.value.has_value());
  EXPECT_EQ(f.dose.value->text(), "1정");
  EXPECT_EQ(f.times.value, 3);
  EXPECT_EQ(f.days.value, 5);
  EXPECT_EQ(f.when.timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(f.when.offset_minutes, 30);
  EXPECT_EQ(notes(f), std::vector<std::string>{"식후 30분"});
  EXPECT_EQ(f.dose.line, 1);
}

TEST(ScanParser, ConflictingValuesAreAmbiguousNotGuessed) {
  const auto dose = parse("1정 2정 1일 3회");
  EXPECT_TRUE(dose.dose.ambiguous);
  EXPECT_FALSE(dose.dose.value.has_value());
  EXPECT_EQ(dose.times.value, 3);
  const auto timing = parse("식전 식후 1일 1회");
  EXPECT_TRUE(timing.when.timing_ambiguous);
  EXPECT_FALSE(timing.when.timing.has_value());
  const auto same = parse("1정씩 각 1정");
  EXPECT_EQ(same.dose.value->text(), "1정");
}

TEST(ScanParser, CountsPerDayVersusPerDoseAndPacketNumbers) {
  EXPECT_EQ(parse("1일 2회 1회 1정").times.value, 2);
  EXPECT_EQ(parse("[1번 봉투] 1일 2회").times.value, 2);  // "1번" numbers a packet
  EXPECT_EQ(parse("하루 3번").times.value, 3);
  EXPECT_EQ(parse("3회/일").times.value, 3);
  const auto inhaler = parse("1회 2흡입 1일 2회");  // a unit the scanner does not know
  EXPECT_EQ(inhaler.times.value, 2);
  EXPECT_FALSE(inhaler.dose.present());
  const auto bare = parse("1회 2");
  EXPECT_EQ(bare.dose.value->amount, 2);
  EXPECT_TRUE(bare.dose_unit_from_form);
}

TEST(ScanParser, AsNeededLimitsAndNotes) {
  const auto f = parse("통증시 1정씩 복용 (1일 최대 3회, 4시간 이상 간격)");
  EXPECT_EQ(f.when.timing, dd::Timing::kAsNeeded);
  EXPECT_EQ(f.times.value, 3);
  EXPECT_TRUE(f.times_is_max);
  EXPECT_EQ(notes(f), (std::vector<std::string>{"통증시", "1일 최대 3회", "4시간 이상 간격"}));
  EXPECT_EQ(notes(parse("두통시 1정, 하루 최대 3번까지")),
            (std::vector<std::string>{"두통시", "하루 최대 3번까지"}));
  // An interval limits an as-needed medicine; it is not a daily count.
  EXPECT_FALSE(parse("1T q6h prn").times.present());
  EXPECT_EQ(parse("1T q8h").times.value, 3);
}

TEST(ScanParser, DurationsInWeeksMonthsAndWords) {
  EXPECT_EQ(parse("2주분").days.value, 14);
  EXPECT_EQ(parse("일주일간").days.value, 7);
  EXPECT_EQ(parse("x14d").days.value, 14);
  const auto months = parse("1개월분");
  EXPECT_FALSE(months.days.present());
  EXPECT_TRUE(months.days_in_months);
  const auto weekly = parse("주 1회 아침 공복");
  EXPECT_TRUE(weekly.non_daily);
  EXPECT_FALSE(weekly.times.present());
  EXPECT_EQ(notes(weekly), std::vector<std::string>{"주 1회"});
}

TEST(ScanParser, TimingPhrases) {
  const auto meal = parse("식사 30분 후");
  EXPECT_EQ(meal.when.timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(meal.when.offset_minutes, 30);
  EXPECT_EQ(notes(meal), std::vector<std::string>{"식사 30분 후"});
  const auto breakfast = parse("1일 1회 조식 전 30분");
  EXPECT_EQ(breakfast.when.timing, dd::Timing::kBeforeMeal);
  EXPECT_EQ(breakfast.when.slots, std::vector<dd::DaySlot>{dd::DaySlot::kMorning});
  EXPECT_EQ(notes(breakfast), std::vector<std::string>{"식전 30분"});
  const auto hs = parse("1T hs");
  EXPECT_EQ(hs.when.timing, dd::Timing::kBedtime);
  EXPECT_TRUE(hs.when.implies_once);
  // A bedtime word next to a meal timing is one more part of the day.
  const auto both = parse("아침 저녁 식후, 자기 전");
  EXPECT_EQ(both.when.timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(both.when.slots.size(), 3u);
  EXPECT_EQ(parse("필요시 식후").when.timing, dd::Timing::kAsNeeded);
  EXPECT_EQ(notes(parse("식후 즉시")), std::vector<std::string>{"식후 즉시"});
  EXPECT_EQ(notes(parse("1정 (졸음 주의)")), std::vector<std::string>{"졸음 주의"});
}

TEST(ScanDoseText, FormatsAndParsesBack) {
  for (const std::string text :
       {"1정", "0.5정", "1-2방울", "5ml", "적당량", "5", "2.5ml", "1캡슐"}) {
    const auto dose = dd::parse_dose_text(text);
    ASSERT_TRUE(dose.has_value()) << text;
    EXPECT_EQ(dose->text(), text);
  }
  for (const std::string text : {"1알", "-1정", "2-1정", "abc", "", "0정", "1..5정"}) {
    EXPECT_FALSE(dd::parse_dose_text(text).has_value()) << text;
  }
  EXPECT_EQ(dd::format_amount(1.0), "1");
  EXPECT_EQ(dd::format_amount(0.25), "0.25");
}

struct SlotCase {
  const char* label;
  dd::SlotRequest request;
  std::vector<std::string> slots;
  dd::SlotOutcome outcome = dd::SlotOutcome::kOk;
};

std::vector<std::string> format(const std::vector<dd::TimeOfDay>& slots) {
  std::vector<std::string> out;
  out.reserve(slots.size());
  for (const auto& s : slots) {
    out.push_back(dd::format_time_of_day(s));
  }
  return out;
}

TEST(ScanTimeSlotTable, FollowsTheDocumentedTable) {
  using T = dd::Timing;
  using S = dd::DaySlot;
  const std::vector<SlotCase> cases = {
      {"식후 1회", {1, T::kAfterMeal}, {"08:30"}},
      {"식후 2회", {2, T::kAfterMeal}, {"08:30", "18:30"}},
      {"식후 3회", {3, T::kAfterMeal}, {"08:30", "12:30", "18:30"}},
      {"식후 4회", {4, T::kAfterMeal}, {"08:30", "12:30", "18:30", "22:00"}},
      {"식전 3회", {3, T::kBeforeMeal}, {"07:30", "11:30", "17:30"}},
      {"식간 3회", {3, T::kBetweenMeals}, {"10:00", "14:00", "20:00"}},
      {"공복 1회", {1, T::kEmptyStomach}, {"07:00"}},
      {"3회", {3, std::nullopt}, {"08:00", "12:00", "18:00"}},
      {"취침전", {1, T::kBedtime}, {"22:00"}},
      {"식후 1시간", {2, T::kAfterMeal, 60}, {"09:00", "19:00"}},
      {"식후 즉시", {2, T::kAfterMeal, 0}, {"08:00", "18:00"}},
      {"아침 저녁 식후",
       {2, T::kAfterMeal, std::nullopt, {S::kMorning, S::kEvening}},
       {"08:30", "18:30"}},
      {"아침 저녁 식후, 자기 전",
       {3, T::kAfterMeal, std::nullopt, {S::kMorning, S::kEvening, S::kBedtime}},
       {"08:30", "18:30", "22:00"}},
      {"저녁", {1, std::nullopt, std::nullopt, {S::kEvening}}, {"18:00"}},
      {"08:00 20:00", {2, std::nullopt, std::nullopt, {}, {8 * 60, 20 * 60}}, {"08:00", "20:00"}},
      {"q8h", {3, std::nullopt, std::nullopt, {}, {}, 8}, {"06:00", "14:00", "22:00"}},
      {"q12h", {2, std::nullopt, std::nullopt, {}, {}, 12}, {"08:00", "20:00"}},
      {"q6h", {4, std::nullopt, std::nullopt, {}, {}, 6}, {"04:00", "10:00", "16:00", "22:00"}},
      {"q12h pc", {2, T::kAfterMeal, std::nullopt, {}, {}, 12}, {"08:30", "18:30"}},
      {"필요시", {3, T::kAsNeeded}, {}, dd::SlotOutcome::kAsNeeded},
      {"횟수 없음", {std::nullopt, T::kAfterMeal}, {}, dd::SlotOutcome::kNoFrequency},
      {"5회", {5, std::nullopt}, {}, dd::SlotOutcome::kUndetermined},
      {"취침전 2회", {2, T::kBedtime}, {}, dd::SlotOutcome::kUndetermined},
      {"2회 아침 점심 저녁",
       {2, std::nullopt, std::nullopt, {S::kMorning, S::kNoon, S::kEvening}},
       {},
       dd::SlotOutcome::kMismatch},
  };
  for (const SlotCase& c : cases) {
    const dd::SlotPlan plan = dd::plan_time_slots(c.request);
    EXPECT_EQ(format(plan.slots), c.slots) << c.label;
    EXPECT_EQ(plan.outcome, c.outcome) << c.label;
  }
}

}  // namespace
