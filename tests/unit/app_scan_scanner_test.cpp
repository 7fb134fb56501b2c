// PrescriptionScanner's document rules (shared directions, lists, broken lines, tables, guidance
// sections, notes), the layout rules (scan_layout.h: column-by-column tables, header and footer
// durations, comma lists, both names), the field sources shown to the user, its warnings, the
// draft/finalize seam a model would use, and its limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_schema.h"

namespace dd = dailydrug::app;
using nlohmann::json;

namespace {

dd::ScanResult scan(const std::string& text) {
  auto r = dd::PrescriptionScanner().scan(text);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? std::move(r).value() : dd::ScanResult{};
}

std::vector<std::string> codes(const dd::ScanResult& r, std::optional<int> medication = {}) {
  std::vector<std::string> out;
  for (const auto& w : r.warnings) {
    if (!medication || w.medication == medication) {
      out.push_back(w.code + (w.field ? ":" + *w.field : ""));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> slots(const dd::ScannedMedication& m) {
  std::vector<std::string> out;
  for (const auto& s : m.time_slots) {
    out.push_back(dd::format_time_of_day(s));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(PrescriptionScanner, SharedDirectionsAboveAListApplyToEachMedicine) {
  const auto r = scan("아침 점심 저녁 식후 30분 1정씩 5일분\n타이레놀정\n뮤코펙트정\n");
  ASSERT_EQ(r.medications.size(), 2u);
  for (const auto& m : r.medications) {
    EXPECT_EQ(m.dose, "1정");
    EXPECT_EQ(m.times_per_day, 3);
    EXPECT_EQ(m.duration_days, 5);
    EXPECT_EQ(slots(m), (V{"08:30", "12:30", "18:30"}));
    EXPECT_EQ(m.field_lines.dose, 1);
    EXPECT_EQ(m.field_lines.times_per_day, 1);
  }
  EXPECT_EQ(r.medications[1].source_line, 3);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(PrescriptionScanner, DirectionsAfterAListApplyToTheWholeList) {
  const auto r = scan("가스터정20mg\n무코스타정100mg\n하루 2번 아침 저녁 식후 1정씩 (7일분)\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].duration_days, 7);
  EXPECT_EQ(r.medications[1].times_per_day, 2);
}

TEST(PrescriptionScanner, OwnFieldsWinOverSharedDirections) {
  const auto r = scan("1일 3회 식후 7일분\n타이레놀정 1정 1일 2회\n");
  ASSERT_EQ(r.medications.size(), 1u);
  const auto& m = r.medications[0];
  EXPECT_EQ(m.times_per_day, 2);
  EXPECT_EQ(m.field_lines.times_per_day, 2);
  EXPECT_EQ(m.duration_days, 7);
  EXPECT_EQ(m.field_lines.duration_days, 1);
  EXPECT_EQ(m.timing, dd::Timing::kAfterMeal);
}

TEST(PrescriptionScanner, ABrokenEntryContinuesOnTheNextLine) {
  const auto r = scan("클래리트로마이신정250mg 1정 1일 2회\n7일분 식후\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].duration_days, 7);
  EXPECT_EQ(r.medications[0].field_lines.duration_days, 2);
  EXPECT_EQ(slots(r.medications[0]), (V{"08:30", "18:30"}));
}

TEST(PrescriptionScanner, TableCellsFollowTheHeadersColumnOrder) {
  // Columns in an unusual order: days, dose, times.
  const auto r = scan("약품명 | 총 투약일수 | 1회 투약량 | 1일 투여횟수\n코대원정 | 5 | 2 | 3\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].duration_days, 5);
  EXPECT_EQ(r.medications[0].dose, "2정");
  EXPECT_EQ(r.medications[0].times_per_day, 3);
}

TEST(PrescriptionScanner, NumbersWithoutColumnsAreNotGuessed) {
  const auto r = scan("코대원정 1 3 5\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_FALSE(r.medications[0].dose);
  EXPECT_FALSE(r.medications[0].times_per_day);
  EXPECT_TRUE(r.medications[0].time_slots.empty());
  EXPECT_EQ(codes(r), (V{"missing:dose", "missing:duration_days", "missing:times_per_day",
                         "unassigned_numbers"}));
}

TEST(PrescriptionScanner, ConflictsAreLeftEmptyWithAWarning) {
  const auto r = scan("베아제정 1정 1일 2회 아침 점심 저녁 식후 5일분\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_FALSE(r.medications[0].times_per_day);
  EXPECT_EQ(codes(r), V{"ambiguous:times_per_day"});
}

TEST(PrescriptionScanner, GuidanceSectionsAreGeneralAdvice) {
  const auto r = scan(
      "부루펜시럽 5ml 1일 3회 3일분\n[복약안내]\n시럽은 흔들어서 먹이세요 (졸음 주의)\n"
      "1일 3회 식후 30분\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_TRUE(r.medications[0].notes.empty());
  EXPECT_FALSE(r.medications[0].timing);  // the advice's 식후 does not reach back
}

TEST(PrescriptionScanner, NoteLinesBelongToTheMedicinesAbove) {
  const auto r =
      scan("아침 식후 1포씩 3일분\n타이레놀정\n뮤코펙트정\n※ 운전 주의\n\n※ 보관 주의\n");
  ASSERT_EQ(r.medications.size(), 2u);
  for (const auto& m : r.medications) {
    EXPECT_EQ(m.notes, V{"운전 주의"});  // the note after the blank line has no medicine
  }
}

TEST(PrescriptionScanner, AsNeededMedicinesHaveNoSlots) {
  const auto r = scan("타이레놀정 통증시 1정 (1일 최대 4회)\n");
  ASSERT_EQ(r.medications.size(), 1u);
  const auto& m = r.medications[0];
  EXPECT_EQ(m.timing, dd::Timing::kAsNeeded);
  EXPECT_EQ(m.times_per_day, 4);
  EXPECT_TRUE(m.time_slots.empty());
  EXPECT_EQ(m.notes, (V{"통증시", "1일 최대 4회"}));
  EXPECT_EQ(codes(r), (V{"missing:duration_days", "prn_no_slots"}));
}

TEST(PrescriptionScanner, WarnsWhatItCannotRepresent) {
  const auto r = scan(
      "포사맥스정70mg 주 1회 1정 4주분\n에제티미브정10mg 1정 1일 1회 1개월분\n"
      "히알산점안액 1일 3회 3일분 1회 1\n비타민정 1정 1일 6회 400일분\n");
  ASSERT_EQ(r.medications.size(), 4u);
  EXPECT_EQ(codes(r, 0), V{"non_daily_frequency:times_per_day"});
  EXPECT_EQ(codes(r, 1), V{"duration_in_months:duration_days"});
  EXPECT_EQ(r.medications[2].dose, "1");  // drops or ml: the form does not say
  EXPECT_EQ(codes(r, 2), V{"unit_unknown:dose"});
  EXPECT_EQ(codes(r, 3), (V{"out_of_range:duration_days", "slots_undetermined:time_slots"}));
}

TEST(PrescriptionScanner, BareAmountOfASyrupOrGargleIsInMl) {
  const auto r = scan(
      "부루펜시럽 1일 3회 3일분 1회 5\n헥사메딘액0.12% 1회 15 1일 3회 식후 가글\n"
      "겔포스엠현탁액 1일 3회 3일분 1회 1\n");
  ASSERT_EQ(r.medications.size(), 3u);
  EXPECT_EQ(r.medications[0].dose, "5ml");
  EXPECT_EQ(r.medications[1].dose, "15ml");
  EXPECT_TRUE(codes(r, 0).empty());
  EXPECT_EQ(r.medications[2].dose, "1");  // one packet or 1 ml: not decided
  EXPECT_EQ(codes(r, 2), V{"unit_unknown:dose"});
}

TEST(PrescriptionScanner, DocumentWarnings) {
  EXPECT_EQ(codes(scan("영수증\n약제비 4,500원\n")), V{"no_medications"});
  EXPECT_EQ(codes(scan("1포씩 하루 3번 식후\n")), V{"instructions_without_medicine"});
  dd::ScanOptions options;
  options.normalizer.max_line_bytes = 50;
  auto r = dd::PrescriptionScanner(options).scan("타이레놀정 1정 1일 3회 3일분\n" +
                                                 std::string(60, 'x') + "\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(codes(*r), V{"line_too_long"});
  EXPECT_EQ(r->warnings[0].line, 2);
}

TEST(PrescriptionScanner, CapsTheNumberOfMedications) {
  std::string text;
  for (int i = 0; i < 70; ++i) {  // lines differ: a line repeating the one above is OCR's double
    text += "타이레놀정 1정 1일 3회 " + std::to_string(i + 1) + "일분\n";
  }
  const auto r = scan(text);
  EXPECT_EQ(r.medications.size(), 64u);
  EXPECT_EQ(codes(r), V{"too_many_medications"});
  EXPECT_TRUE(dd::validate_scan_result_json(json(r)).empty());
}

TEST(PrescriptionScanner, RefusesUnreadableInput) {
  const dd::PrescriptionScanner scanner;
  for (const std::string& text : {std::string(""), std::string("\xFF\xFE"), std::string("a\0b", 3),
                                  std::string(5 << 20, 'a')}) {
    auto r = scanner.scan(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, dd::ErrorKind::kInvalid);
    EXPECT_EQ(r.error().subject, "input");
  }
}

TEST(PrescriptionScanner, ScansTheLargestAcceptedInput) {
  // Just under 1 MiB of hostile text: very long words, many numbers and candidate names.
  std::string text;
  const std::string lines[] = {
      std::string(600, 'A') + "\n",
      "가나다라마바사아자차카타파하정 " + std::string(300, '1') + "\n",
      "1 2 3 4 5 6 7 8 9 0 1일 3회 식후 30분 " + std::string(200, '~') + "\n"};
  for (size_t i = 0; text.size() < (1u << 20) - 2000; ++i) {
    text += lines[i % 3];
  }
  auto r = dd::PrescriptionScanner().scan(text);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_LE(r->medications.size(), 64u);
  EXPECT_TRUE(dd::validate_scan_result_json(json(*r)).empty());
}

TEST(PrescriptionScanner, IsDeterministic) {
  const std::string text = "아침 저녁 식후 30분 1정씩 5일분\n타이레놀정\n";
  EXPECT_EQ(json(scan(text)).dump(), json(scan(text)).dump());
}

// Layout: structure recognised before the lines are read.

TEST(PrescriptionScannerLayout, HeaderDurationServesEveryMedicationAndIsMarked) {
  const auto r = scan(
      "조제일자 2025-03-18 / 3일분\n타이레놀정500mg 1정 1일 3회 식후\n"
      "코대원정 1정 1일 3회 식후 5일분\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].duration_days, 3);
  EXPECT_EQ(r.medications[0].field_lines.duration_days, 1);
  EXPECT_EQ(r.medications[0].field_sources.duration_days, dd::FieldOrigin::kDocument);
  EXPECT_EQ(r.medications[0].field_sources.dose, dd::FieldOrigin::kText);
  EXPECT_EQ(r.medications[1].duration_days, 5);  // its own duration wins
  const json j = json(r);
  EXPECT_EQ(j["medications"][0]["field_sources"]["duration_days"], "document");
  EXPECT_TRUE(dd::validate_scan_result_json(j).empty());
}

TEST(PrescriptionScannerLayout, ValidityAndDispensedSupplyAreNotDurations) {
  const auto validity = scan("사용기간 교부일부터 7일간\n타이레놀정500mg 1정 1일 3회\n");
  ASSERT_EQ(validity.medications.size(), 1u);
  EXPECT_FALSE(validity.medications[0].duration_days);
  // Between two medications a dispensing line belongs to one of them, not to the document.
  const auto between = scan(
      "Lisinopril 10 mg tablet\n1 tab daily\nDispense: 30 tablets (30 days)\n"
      "Metformin 500 mg tablet\n1 tab twice daily\n");
  ASSERT_EQ(between.medications.size(), 2u);
  EXPECT_FALSE(between.medications[1].duration_days);
}

TEST(PrescriptionScannerLayout, LabelledDirectionsApplyToACommaSeparatedList) {
  const auto r = scan(
      "[복용 안내]\n1회 복용량: 각 1정씩\n복용 횟수: 1일 2회 (아침, 저녁)\n"
      "복용 기간: 7일\n복용 시점: 식후 30분\n약 목록: 아목시실린캡슐500mg, "
      "뮤코스타정100mg\n");
  ASSERT_EQ(r.medications.size(), 2u);
  for (const auto& m : r.medications) {
    EXPECT_EQ(m.source_line, 6);
    EXPECT_EQ(m.times_per_day, 2);  // not 1 from "1회 복용량"
    EXPECT_EQ(m.duration_days, 7);
    EXPECT_EQ(m.timing, dd::Timing::kAfterMeal);
    EXPECT_EQ(slots(m), (V{"08:30", "18:30"}));
    EXPECT_EQ(m.field_sources.times_per_day, dd::FieldOrigin::kShared);
  }
  EXPECT_EQ(r.medications[0].dose, "1정");  // as printed once for the list
  EXPECT_EQ(r.medications[1].name, "뮤코스타정100mg");
}

TEST(PrescriptionScannerLayout, TableReadColumnByColumn) {
  const auto r = scan(
      "처방 의약품의 명칭\n타이레놀정500mg\n엘도스캡슐300mg\n1회 투약량\n1\n1\n"
      "1일 투여횟수\n3\n2\n총 투약일수\n5\n7\n용법\n식후 30분\n식전\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].dose, "1정");
  EXPECT_EQ(r.medications[1].dose, "1캡슐");
  EXPECT_EQ(r.medications[0].times_per_day, 3);
  EXPECT_EQ(r.medications[1].times_per_day, 2);
  EXPECT_EQ(r.medications[1].duration_days, 7);
  EXPECT_EQ(r.medications[0].timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(r.medications[1].timing, dd::Timing::kBeforeMeal);
  EXPECT_EQ(r.medications[1].field_lines.times_per_day, 9);
  EXPECT_EQ(r.medications[1].field_sources.times_per_day, dd::FieldOrigin::kTableCell);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(PrescriptionScannerLayout, HeaderWithANameColumnSetsBareNumberColumns) {
  const auto r = scan(
      "약품명 1회 일수\n록소닌정60mg 1정 5\n코대원정 1정 5\n"
      "※ 위 약은 1일 3회 식후 30분에 복용하세요.\n");
  ASSERT_EQ(r.medications.size(), 2u);  // the header is not a medicine
  for (const auto& m : r.medications) {
    EXPECT_EQ(m.duration_days, 5);
    EXPECT_EQ(m.times_per_day, 3);  // the footer's count, for rows without their own
    EXPECT_EQ(m.field_sources.times_per_day, dd::FieldOrigin::kContinuation);
  }
  // Cells after a dose written with its unit: the other columns, even when words repeat them.
  const auto coded = scan(
      "No 약품코드 처방약품명 1회투여량 1일횟수 총일수 용법\n"
      "1 A11AKP08 아리셉트정5mg 1정 1 56 1일 1회 취침 전\n");
  ASSERT_EQ(coded.medications.size(), 1u);
  EXPECT_EQ(coded.medications[0].name, "아리셉트정5mg");
  EXPECT_EQ(coded.medications[0].duration_days, 56);
  EXPECT_TRUE(coded.warnings.empty());
}

TEST(PrescriptionScannerLayout, BrandOrIngredientInParenthesesKeepsBothNames) {
  const auto r = scan(
      "레보티록신나트륨정 0.1mg (씬지로이드정) 1정 1일 1회\n"
      "딜라트렌정12.5mg[카르베딜롤] 1정 1일 2회\n"
      "플라빅스정75mg (클로피도그렐황산수소염) 1정 1일 1회\n"
      "슈도에페드린정 (코막힘) 1정 1일 3회\n타이레놀정500mg (해열진통제) 1정 1일 3회\n");
  ASSERT_EQ(r.medications.size(), 5u);
  EXPECT_EQ(r.medications[0].name, "레보티록신나트륨정 0.1mg (씬지로이드정)");
  EXPECT_EQ(r.medications[1].name, "딜라트렌정12.5mg[카르베딜롤]");
  EXPECT_EQ(r.medications[2].name, "플라빅스정75mg (클로피도그렐황산수소염)");
  EXPECT_EQ(r.medications[3].name, "슈도에페드린정");   // a symptom, not a name
  EXPECT_EQ(r.medications[4].name, "타이레놀정500mg");  // a category
}

TEST(PrescriptionScannerLayout, PictureTextAndEfficacyAreNotMedicines) {
  const auto r = scan(
      "흰색 원형 정제 코싹엘정 1정 1일 3회\n노란색 캡슐\n오메프라졸캡슐20mg\n"
      "위산분비억제제 / 1일 1회 아침 식전 1캡슐\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].name, "코싹엘정");
  EXPECT_EQ(r.medications[1].name, "오메프라졸캡슐20mg");
  EXPECT_EQ(r.medications[1].times_per_day, 1);
  EXPECT_EQ(r.medications[1].field_sources.dose, dd::FieldOrigin::kContinuation);
}

TEST(PrescriptionScannerLayout, FooterRemarkConcernsEveryMedicationOfTheBlock) {
  const auto r = scan(
      "코싹엘정 1정 1일 3회\n펠루비정30mg 1정 1일 3회\n"
      "※ 졸음이 올 수 있으니 운전에 주의하세요\n");
  ASSERT_EQ(r.medications.size(), 2u);
  for (const auto& m : r.medications) {
    EXPECT_EQ(m.notes, (V{"졸음이 올 수 있으니 운전에 주의하세요"}));
  }
}

TEST(PrescriptionScannerLayout, NameBrokenOverTwoLinesIsJoinedOnItsFirstLine) {
  const auto r = scan("• 낙센정275mg ㅣ 1정 ㅣ 1일 2회\n• 레바미피\n드정100mg ㅣ 1정 ㅣ 1일 3회\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[1].name, "레바미피드정100mg");
  EXPECT_EQ(r.medications[1].source_line, 2);
  EXPECT_EQ(r.medications[1].times_per_day, 3);
  EXPECT_EQ(codes(r), (V{"missing:duration_days", "missing:duration_days"}));
  // Without a list mark only a short piece continues the line above; a heading does not join.
  const auto unlisted =
      scan("처방내역\n타이레놀정500mg 1정 1일 3회\n레바미피\n드정100mg 1정 1일 3회\n");
  ASSERT_EQ(unlisted.medications.size(), 2u);
  EXPECT_EQ(unlisted.medications[0].name, "타이레놀정500mg");
  EXPECT_EQ(unlisted.medications[1].name, "레바미피드정100mg");
  EXPECT_EQ(unlisted.medications[1].source_line, 3);
}

TEST(PrescriptionScannerLayout, EnglishNumberWordsAndDaily) {
  const auto r = scan(
      "Cetirizine 10 mg tablets\nTake one tablet once a day at bedtime\n"
      "Omeprazole 20mg capsule\nTake 1 capsule daily before breakfast\n"
      "Metformin 500mg tablets\nTake two tablets two times a day with meals\n");
  ASSERT_EQ(r.medications.size(), 3u);
  EXPECT_EQ(r.medications[0].dose, "1정");
  EXPECT_EQ(r.medications[0].timing, dd::Timing::kBedtime);
  EXPECT_EQ(r.medications[1].times_per_day, 1);
  EXPECT_EQ(r.medications[1].timing, dd::Timing::kBeforeMeal);
  // "breakfast" names one part of the day: the count is derived from it, not written.
  EXPECT_EQ(r.medications[1].field_sources.times_per_day, dd::FieldOrigin::kDerived);
  EXPECT_EQ(r.medications[2].dose, "2정");
  EXPECT_EQ(r.medications[2].times_per_day, 2);
  EXPECT_EQ(r.medications[2].timing, dd::Timing::kAfterMeal);
  const auto interval =
      scan("Doxycycline 100 mg capsule\nTake 1 capsule every 12 hours for 2 weeks\n");
  ASSERT_EQ(interval.medications.size(), 1u);
  EXPECT_EQ(interval.medications[0].times_per_day, 2);
  EXPECT_EQ(interval.medications[0].duration_days, 14);
  EXPECT_EQ(slots(interval.medications[0]), (V{"08:00", "20:00"}));
  const auto british = scan(
      "Amoxicillin 500mg capsules\nOne capsule TDS for seven days\n"
      "Zopiclone 7.5mg tablets\n1 tab nocte for two weeks\n");
  ASSERT_EQ(british.medications.size(), 2u);
  EXPECT_EQ(british.medications[0].times_per_day, 3);
  EXPECT_EQ(british.medications[0].duration_days, 7);
  EXPECT_EQ(british.medications[1].timing, dd::Timing::kBedtime);
  EXPECT_EQ(british.medications[1].times_per_day, 1);
  EXPECT_EQ(british.medications[1].duration_days, 14);
  EXPECT_TRUE(codes(british).empty());
}

TEST(PrescriptionScannerLayout, SeveralMedicationsOnOneLineEachWithItsOwnDose) {
  const auto listed = scan("아침 식후: 딜라트렌정6.25mg 1정, 아스피린프로텍트정100mg 1정\n");
  ASSERT_EQ(listed.medications.size(), 2u);
  EXPECT_EQ(listed.medications[1].name, "아스피린프로텍트정100mg");
  EXPECT_EQ(listed.medications[1].dose, "1정");
  EXPECT_EQ(slots(listed.medications[1]), (V{"08:30"}));  // the leading part of the day: both
  // Two table rows OCR merged into one line: each takes the header's columns.
  const auto merged = scan(
      "처방 의약품의 명칭 1회 투약량 1일 투여횟수 총 투약일수\n에어탈정 1 2 7 스티렌정 1 3 5\n");
  ASSERT_EQ(merged.medications.size(), 2u);
  EXPECT_EQ(merged.medications[0].times_per_day, 2);
  EXPECT_EQ(merged.medications[1].times_per_day, 3);
  EXPECT_EQ(merged.medications[1].duration_days, 5);
  EXPECT_EQ(merged.medications[1].source_line, 2);
  // A form word inside a name's directions is not a second row.
  const auto one = scan("타이레놀정500mg 1정 1일 3회 식후 흰색 원형 정제\n");
  EXPECT_EQ(one.medications.size(), 1u);
}

TEST(PrescriptionScannerLayout, LabelledValuesOnOneLineAreNotATableHeader) {
  const auto r =
      scan("약품: 오메프라졸캡슐20mg | 용량: 1캡슐 | 용법: 1일 1회 아침 식전 | 일수: 14일\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].dose, "1캡슐");
  EXPECT_EQ(r.medications[0].duration_days, 14);
  EXPECT_EQ(slots(r.medications[0]), (V{"07:30"}));
}

TEST(PrescriptionScannerLayout, AHeaderWithANameColumnIsNotAMedicine) {
  // Rows led by the time: the header names too few numeric columns to be a table header.
  const auto r =
      scan("투약 관리표 (30일분)\n투약시간 | 약품명 | 1회 용량\n아침 식후 | 아리셉트정5mg | 1정\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].name, "아리셉트정5mg");
  EXPECT_EQ(r.medications[0].duration_days, 30);
}

TEST(PrescriptionScannerLayout, FieldLabelsWithTheirValueOnTheNextLine) {
  // An app screen: each label on its own line under the name, its value below ("1일 투여횟수"
  // is a label, not a duration of one day).
  const auto r = scan(
      "약품명\n자누비아정100mg\n1회 투약량\n1정\n1일 투여횟수\n1회\n총 투약일수\n90일\n용법\n"
      "아침 식후\n약품명\n리바로정2mg\n1회 투약량\n1정\n1일 투여횟수\n1회\n총 투약일수\n90일\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].duration_days, 90);
  EXPECT_EQ(slots(r.medications[0]), (V{"08:30"}));
  EXPECT_EQ(r.medications[1].dose, "1정");
  EXPECT_EQ(r.medications[1].times_per_day, 1);
  EXPECT_EQ(r.medications[1].duration_days, 90);
  EXPECT_EQ(r.medications[1].field_sources.duration_days, dd::FieldOrigin::kTableCell);
}

TEST(PrescriptionScannerLayout, ARowWrappedOntoTheNextLine) {
  const auto r = scan("약품명 / 1회량 / 횟수 / 일수\n타이레놀정500mg / 1 / 3 /\n5\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].dose, "1정");
  EXPECT_EQ(r.medications[0].times_per_day, 3);
  EXPECT_EQ(r.medications[0].duration_days, 5);
  EXPECT_EQ(r.medications[0].field_lines.duration_days, 3);  // traced to its own line
  EXPECT_TRUE(r.warnings.empty());
}

TEST(PrescriptionScannerLayout, HospitalOrderHashCountAfterTheDose) {
  const auto r = scan("Ultracet tab 37.5/325mg 1T #2 prn (통증시) 14D\nDisp: #20\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].times_per_day, 2);  // "#2" after "1T": two doses a day
  EXPECT_EQ(r.medications[0].timing, dd::Timing::kAsNeeded);
}

TEST(PrescriptionScannerLayout, TaperPhasesOnOneLineAreMedicationsOfTheirOwn) {
  // The count and timing written once (after the last phase) serve every phase.
  const auto r = scan("소론도정5mg 1-3일: 1회 2정씩, 4-7일: 1회 1정씩 / 1일 2회 아침저녁 식후\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].dose, "2정");
  EXPECT_EQ(r.medications[0].duration_days, 3);
  EXPECT_EQ(r.medications[0].times_per_day, 2);
  EXPECT_EQ(r.medications[0].notes, (V{"1-3일"}));
  EXPECT_EQ(r.medications[1].dose, "1정");
  EXPECT_EQ(r.medications[1].duration_days, 4);
  EXPECT_EQ(slots(r.medications[1]), (V{"08:30", "18:30"}));
  EXPECT_EQ(r.medications[1].source_line, 1);
  EXPECT_TRUE(codes(r).empty());
  // Ordinal phases on the line under the name.
  const auto ordered = scan(
      "소론도정 5mg\n처음 3일 하루 3번 1정씩 / 다음 3일 하루 2번 1정씩 / 마지막 3일 하루 1번 1정\n"
      "식후 30분에 드세요\n");
  ASSERT_EQ(ordered.medications.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ordered.medications[i].times_per_day, static_cast<int>(3 - i));
    EXPECT_EQ(ordered.medications[i].duration_days, 3);
    EXPECT_EQ(ordered.medications[i].timing, dd::Timing::kAfterMeal);
  }
}

TEST(PrescriptionScannerLayout, TaperPhasesUnderOneNameAreMedicationsOfTheirOwn) {
  const auto r = scan(
      "소론도정5mg\n1~3일: 1회 4정 1일 1회 아침 식후\n4~6일: 1회 2정\n"
      "7~9일: 1회 1정\n");
  ASSERT_EQ(r.medications.size(), 3u);
  const V doses = {"4정", "2정", "1정"};
  for (size_t i = 0; i < 3; ++i) {
    const auto& m = r.medications[i];
    EXPECT_EQ(m.source_line, 1);
    EXPECT_EQ(m.dose, doses[i]);
    EXPECT_EQ(m.duration_days, 3);  // days 4 to 6 are 3 days
    EXPECT_EQ(m.times_per_day, 1);  // a later phase keeps what it does not restate
    EXPECT_EQ(slots(m), (V{"08:30"}));
  }
  EXPECT_EQ(r.medications[1].notes, (V{"4~6일"}));
  EXPECT_EQ(r.medications[1].field_sources.times_per_day, dd::FieldOrigin::kContinuation);
  EXPECT_TRUE(codes(r).empty());
  const auto labelled = scan("소론도정5mg\n1~3일째: 1회 4정 1일 1회\n4~6일째: 1회 2정 1일 1회\n");
  ASSERT_EQ(labelled.medications.size(), 2u);
  EXPECT_EQ(labelled.medications[1].duration_days, 3);
  EXPECT_EQ(labelled.medications[1].notes, (V{"4~6일째"}));
  const auto ordered = scan(
      "프레드니솔론정5mg\n- 처음 3일: 1회 4정, 1일 1회 아침 식후\n"
      "- 다음 3일: 1회 2정, 1일 1회 아침 식후\n");
  ASSERT_EQ(ordered.medications.size(), 2u);  // "처음", "다음" are not names
  EXPECT_EQ(ordered.medications[1].source_line, 1);
  EXPECT_EQ(ordered.medications[1].dose, "2정");
  EXPECT_EQ(ordered.medications[1].notes, (V{"다음 3일"}));
  const auto rows = scan("소론도정5mg 2정 1일 1회 3일 (4일째부터)\n");
  ASSERT_EQ(rows.medications.size(), 1u);
  EXPECT_EQ(rows.medications[0].notes, (V{"4일째부터"}));
}

TEST(PrescriptionScannerLayout, FooterDirectionsBelowANoticeFillEveryMedication) {
  const auto r = scan(
      "펠루비정30mg 1정 1일 3회\n스틸녹스정10mg 1정 1일 1회 취침 전\n"
      "약사 김약사 ☎ 02-123-4567\n모든 약은 식후 30분에 드세요.\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(r.medications[0].field_sources.timing, dd::FieldOrigin::kDocument);
  EXPECT_EQ(r.medications[1].timing, dd::Timing::kBedtime);  // its own timing wins
}

TEST(PrescriptionScannerLayout, TimetableGridRowsAreReadByColumn) {
  // A cell per part of the day: the marked parts give the count and the slots, one amount in
  // them the dose; the header is not shared directions.
  const auto r = scan("약품명 아침 점심 저녁 자기전 일수\n타이레놀정500mg 1 1 1 - 5\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].dose, "1정");
  EXPECT_EQ(r.medications[0].times_per_day, 3);
  EXPECT_EQ(r.medications[0].duration_days, 5);
  EXPECT_FALSE(r.medications[0].timing);
  EXPECT_EQ(slots(r.medications[0]), (V{"08:00", "12:00", "18:00"}));
  EXPECT_TRUE(r.warnings.empty());
  // Marks, a dose column and the header's meal timing; a bedtime column alone is 취침전.
  const auto marks = scan(
      "약품명 1회량 아침식후 점심식후 저녁식후 취침전\n콩코르정2.5mg 1정 ○ - ○ -\n"
      "스틸녹스정10mg 1정 - - - V\n");
  ASSERT_EQ(marks.medications.size(), 2u);
  EXPECT_EQ(slots(marks.medications[0]), (V{"08:30", "18:30"}));
  EXPECT_EQ(marks.medications[0].timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(marks.medications[1].timing, dd::Timing::kBedtime);
  EXPECT_EQ(slots(marks.medications[1]), (V{"22:00"}));
  EXPECT_EQ(codes(marks, 0), (V{"missing:duration_days"}));  // no days column: nothing else
}

TEST(PrescriptionScannerLayout, TimetableGridWithPartsOnlyHeaderOrEmptyRemarks) {
  // A header of parts of the day alone is a grid when rows of cells follow, not directions.
  const auto parts = scan(
      "아침 점심 저녁 취침전\n무코스타정 1 1 1 0\n스틸녹스정 0 0 0 1\n위 약은 식후에 드세요 "
      "7일분\n");
  ASSERT_EQ(parts.medications.size(), 2u);
  EXPECT_EQ(parts.medications[0].times_per_day, 3);
  EXPECT_EQ(slots(parts.medications[1]), (V{"22:00"}));
  EXPECT_EQ(parts.medications[1].duration_days, 7);
  // Directions of parts of the day over an ordinary row stay directions.
  const auto directions = scan("아침 저녁\n타이레놀정 1정 7일\n");
  ASSERT_EQ(directions.medications.size(), 1u);
  EXPECT_EQ(directions.medications[0].times_per_day, 2);
  // A trailing remarks column may be empty.
  const auto remarks = scan("약 이름 | 아침 | 저녁 | 비고\n아토르바정10mg | - | 1 |\n");
  ASSERT_EQ(remarks.medications.size(), 1u);
  EXPECT_EQ(slots(remarks.medications[0]), (V{"18:00"}));
}

TEST(PrescriptionScannerLayout, FooterSentenceEndingOnTheValue) {
  const auto r = scan(
      "록소닌정 1정 1일 3회\n무코스타정 1정 1일 3회\n하루 세 번 식후 30분에 드세요. "
      "5일분입니다.\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[1].duration_days, 5);  // "5일분입니다": 5일분 + a copula
  EXPECT_EQ(r.medications[1].timing, dd::Timing::kAfterMeal);
}

TEST(PrescriptionScannerLayout, NameLabelWithANoticeWordIsNotANotice) {
  // "처방약 :" labels the list; its word 처방 does not make the line a prescription notice.
  const auto r = scan(
      "[ 복 약 안 내 ]\n1회 복용량 : 각 1정씩\n1일 복용횟수 : 3회 (아침, 점심, 저녁)\n복용기간 : "
      "5일\n"
      "처방약 : 아모크라정625mg, 코대원정, 슈다페드정\n");
  ASSERT_EQ(r.medications.size(), 3u);
  EXPECT_EQ(r.medications[1].name, "코대원정");
  EXPECT_EQ(r.medications[1].duration_days, 5);
}

TEST(PrescriptionScannerLayout, ColumnsReadOnePerLineWithTheirCells) {
  // A table read column by column, each column with its cells on the label's line.
  const auto r = scan(
      "처방 의약품의 명칭\n아모크라정625mg\n무코스타정100mg\n1회 투약량 1 1\n1일 투여횟수 2 3\n"
      "총 투약일수 7 7\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].dose, "1정");
  EXPECT_EQ(r.medications[0].times_per_day, 2);
  EXPECT_EQ(r.medications[1].times_per_day, 3);
  EXPECT_EQ(r.medications[1].duration_days, 7);  // not "1일" as one day
  EXPECT_EQ(r.medications[1].field_sources.times_per_day, dd::FieldOrigin::kTableCell);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(PrescriptionScannerLayout, TwoRowsOnOneLineKeepTheirOwnPartsOfTheDay) {
  // The traceability check does not give the second row the first row's "아침,저녁".
  const auto r =
      scan("타이레놀정650mg 1정 1일 2회 아침,저녁 식후 5일 / 뮤코펙트정 1정 1일 3회 식후 5일\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[1].times_per_day, 3);
  EXPECT_EQ(slots(r.medications[1]), (V{"08:30", "12:30", "18:30"}));
  EXPECT_TRUE(r.warnings.empty());
  const auto bullets = scan("§ 오메가3연질캡슐 ¦ 1캡슐 ¦ 1일 1회 ¦ 30일\n");
  ASSERT_EQ(bullets.medications.size(), 1u);
  EXPECT_EQ(bullets.medications[0].name, "오메가3연질캡슐");
}

TEST(PrescriptionScannerLayout, SlashSeparatedNameList) {
  const auto r = scan(
      "모든 약을 아침 저녁 식후 30분에 1정씩 드세요 (7일분)\n"
      "오구멘틴정625mg / 무코스타정100mg / 슈다페드정60mg\n");
  ASSERT_EQ(r.medications.size(), 3u);
  EXPECT_EQ(r.medications[2].name, "슈다페드정60mg");
  EXPECT_EQ(r.medications[2].times_per_day, 2);
}

TEST(PrescriptionScannerLayout, TimetableGridRowWithACellMissingIsNotGuessed) {
  // OCR dropped an empty cell: the marks cannot be placed, so no part of the day is read.
  const auto r = scan("약품명 아침 점심 저녁 자기전 일수\n타이레놀정500mg 1 1 1 5\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_FALSE(r.medications[0].times_per_day);
  EXPECT_TRUE(r.medications[0].time_slots.empty());
}

TEST(PrescriptionScannerLayout, BareNumbersAfterFieldLabels) {
  const auto r = scan("약품명: 아모잘탄정5/50mg\n1회 복용량: 1\n복용 횟수: 1\n복용 일수: 30\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].dose, "1정");
  EXPECT_EQ(r.medications[0].times_per_day, 1);
  EXPECT_EQ(r.medications[0].duration_days, 30);
  EXPECT_EQ(r.medications[0].field_lines.duration_days, 4);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(PrescriptionScannerLayout, ColumnLabelsSplitOverLinesAndRowCellsOnePerLine) {
  const auto columns = scan(
      "처방 의약품의 명칭\n오구멘틴정375mg\n록소닌정60mg\n1회\n투약량\n1\n1\n"
      "1일\n투여\n횟수\n3\n2\n");
  ASSERT_EQ(columns.medications.size(), 2u);
  EXPECT_EQ(columns.medications[0].times_per_day, 3);
  EXPECT_EQ(columns.medications[1].times_per_day, 2);
  EXPECT_EQ(columns.medications[1].field_lines.times_per_day, 12);
  const auto rows = scan(
      "처방 의약품의 명칭 1회 투약량 1일 투여횟수 총 투약일수 용법\n"
      "트윈스타정40/5mg\n1정\n1\n30\n아침 식후\n자누비아정100mg\n1\n2\n30\n");
  ASSERT_EQ(rows.medications.size(), 2u);
  EXPECT_EQ(rows.medications[0].dose, "1정");
  EXPECT_EQ(rows.medications[0].duration_days, 30);
  EXPECT_EQ(rows.medications[0].timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(rows.medications[1].times_per_day, 2);
  EXPECT_EQ(rows.medications[1].field_sources.times_per_day, dd::FieldOrigin::kTableCell);
  // A row with cells of its own does not take the next line's number as a cell.
  const auto own = scan("약품명 1회량 횟수 일수\n타이레놀정 1 3\n5\n");
  ASSERT_EQ(own.medications.size(), 1u);
  EXPECT_FALSE(own.medications[0].dose);
  EXPECT_EQ(codes(own, 0), (V{"missing:dose", "missing:duration_days", "missing:times_per_day",
                              "unassigned_numbers"}));
}

TEST(PrescriptionScannerLayout, GuidanceSheetWithLabelledFields) {
  const auto r = scan(
      "복약지도서\n■ 약 이름: 리리카캡슐75mg\n■ 효능: 신경병증성 통증 완화\n"
      "■ 복용법: 하루 2번, 아침과 저녁 식사 후 1캡슐\n"
      "■ 주의사항: 어지러움, 졸음이 나타날 수 있습니다\n처방일수: 14일\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].name, "리리카캡슐75mg");
  EXPECT_EQ(r.medications[0].times_per_day, 2);
  EXPECT_EQ(r.medications[0].duration_days, 14);
  EXPECT_EQ(r.medications[0].notes, (V{"어지러움, 졸음이 나타날 수 있습니다"}));
}

TEST(PrescriptionScannerLayout, NamesWithoutAFormAfterANameLabelOrAsANumberedItem) {
  const auto labelled = scan(
      "약품명: 게보린\n용법: 1회 1정 1일 3회\nRx: Amoxicillin\n"
      "Sig: 1 cap PO TID x 7 days\n");
  ASSERT_EQ(labelled.medications.size(), 2u);
  EXPECT_EQ(labelled.medications[0].name, "게보린");
  EXPECT_EQ(labelled.medications[0].times_per_day, 3);
  EXPECT_EQ(labelled.medications[1].name, "Amoxicillin");
  EXPECT_EQ(labelled.medications[1].duration_days, 7);
  const auto numbered = scan("② 훼스탈플러스\n1회 2정 1일 3회 식후 / 5일\n");
  ASSERT_EQ(numbered.medications.size(), 1u);
  EXPECT_EQ(numbered.medications[0].name, "훼스탈플러스");
  EXPECT_EQ(numbered.medications[0].dose, "2정");
  // A patient's name after "이름:" is not a medicine.
  EXPECT_EQ(scan("이름: 김하늘 (5세)\n타이레놀정500mg 1정 1일 3회\n").medications.size(), 1u);
  // A numbered heading without directions below is not a medicine.
  EXPECT_TRUE(scan("① 복약 안내\n② 보관 방법\n").medications.empty());
}

TEST(PrescriptionScannerLayout, HeaderReadAfterItsRowsAndDigitsConfusedInAStrength) {
  const auto r = scan(
      "1 타이레놀정500mg 1 3 5\n2 엘도스캡슐300mg 1 3 5\n약품명 1회 횟수 일수\n"
      "|무코스타정l00mg|l정|3회|5일|\n");
  ASSERT_EQ(r.medications.size(), 3u);
  EXPECT_EQ(r.medications[0].dose, "1정");
  EXPECT_EQ(r.medications[1].dose, "1캡슐");
  EXPECT_EQ(r.medications[1].times_per_day, 3);
  EXPECT_EQ(r.medications[1].duration_days, 5);
  EXPECT_EQ(r.medications[1].field_sources.duration_days, dd::FieldOrigin::kTableCell);
  EXPECT_EQ(r.medications[2].name, "무코스타정100mg");
  EXPECT_TRUE(codes(r).empty());
}

TEST(PrescriptionScannerLayout, StaffNamesAndCountRanges) {
  // People's names often end in 정; after 작성/상담/검수/담당 they are not tablets.
  const auto r = scan("후시딘연고 1일 2~3회 환부에 바름\n작성자: 이민정\n상담: 김수정\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_FALSE(r.medications[0].times_per_day);  // 2~3: either, so left to the user
  EXPECT_EQ(codes(r, 0), (V{"ambiguous:times_per_day", "missing:dose", "missing:duration_days"}));
}

// The third layout round (tests/data/scan/layouts3-README.md): the structure of sheets.
TEST(PrescriptionScannerLayout, BillRowsByColumnMeaningAndNameCell) {
  // Price and amount columns are read and not used; a bill's row is read from its name cell;
  // a clinic fee's row is what was given in the clinic.
  const auto bare = scan(
      "명칭 단가 1회투약량 1일투여횟수 총투여일수 금액 본인부담\n"
      "초진진찰료 17,610 1 1 1 17,610 5,200\n세파클러캡슐250mg 132 1 3 5 1,980 590\n");
  ASSERT_EQ(bare.medications.size(), 1u);
  EXPECT_EQ(bare.medications[0].dose, "1캡슐");
  EXPECT_EQ(bare.medications[0].times_per_day, 3);
  EXPECT_EQ(bare.medications[0].duration_days, 5);
  const auto barred = scan(
      "항목 | 코드 | 명칭 | 단가 | 1회투약량 | 1일투여횟수 | 총투여일수 | 금액\n"
      "투약 및 조제료 | 645304690 | 록스펜정 | 68 | 1 | 3 | 3 | 612\n"
      "주사료 | 641900050 | 덱사메타손주사액5mg | 1,021 | 1 | 1 | 1 | 1,021\n");
  ASSERT_EQ(barred.medications.size(), 1u);
  EXPECT_EQ(barred.medications[0].name, "록스펜정");
  EXPECT_EQ(barred.medications[0].times_per_day, 3);
}

TEST(PrescriptionScannerLayout, SectionsAndRowsOfMedicinesNotToTake) {
  const auto r = scan(
      "■ 계속 복용하는 약\n아모디핀정5mg 1일 1회 아침 식후 1정\n"
      "■ 중단된 약 (복용하지 마세요)\n아스피린프로텍트정100mg\n\n"
      "글리메피리드정2mg - 저혈당 위험으로 중단\n");
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].name, "아모디핀정5mg");
  // A caution about stopping is no section of stopped medicines.
  const auto caution = scan("■ 임의로 복용을 중단하지 마세요\n타이레놀정500mg 1정 1일 3회 3일\n");
  EXPECT_EQ(caution.medications.size(), 1u);
}

TEST(PrescriptionScannerLayout, ChangedDirectionsRowsReadTwiceAndExceptions) {
  const auto changed = scan(
      "메트포르민서방정500mg\n변경 전: 1일 1회 1정 → 변경 후: 1일 2회 1정 (아침, 저녁 식후)\n");
  ASSERT_EQ(changed.medications.size(), 1u);
  EXPECT_EQ(changed.medications[0].times_per_day, 2);
  const auto doubled = scan("코대원정 1정 3회 식후 3일\n코대원정 1정 3회 식후 3일\n");
  EXPECT_EQ(doubled.medications.size(), 1u);
  const auto footer = scan(
      "판토록정20mg 1정 1일 1회 식전 7일\n무코스타정100mg 1정 1일 3회 7일\n"
      "식후 30분 복용 (판토록정 제외)\n");
  ASSERT_EQ(footer.medications.size(), 2u);
  EXPECT_EQ(footer.medications[0].timing, dd::Timing::kBeforeMeal);
  EXPECT_EQ(footer.medications[1].timing, dd::Timing::kAfterMeal);
}

TEST(PrescriptionScannerLayout, RemarksForOneMedicineOrTheWholeSheet) {
  const auto r = scan(
      "※ 약은 어린이의 손이 닿지 않는 곳에 보관하세요.\n※ 코대원정: 졸음이 올 수 있으니 운전을 "
      "피하세요.\n약품명 1회 1일 일수\n록소닌정 1정 3회 3일\n코대원정 1정 3회 3일\n"
      "※ 위 약은 모두 식후 30분에 드세요.\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].notes,
            (V{"식후 30분", "약은 어린이의 손이 닿지 않는 곳에 보관하세요"}));
  EXPECT_EQ(r.medications[1].notes, (V{"식후 30분", "약은 어린이의 손이 닿지 않는 곳에 보관하세요",
                                       "졸음이 올 수 있으니 운전을 피하세요"}));
  // A medication flagged with ※ is still a medication.
  EXPECT_EQ(scan("※ 게보린정 1정 (두통이 심할 때만)\n").medications.size(), 1u);
}

TEST(PrescriptionScannerLayout, ChatTimestampsConditionsAndEveryNDays) {
  const auto chat = scan(
      "[행복약국 김약사] [오후 2:15] 💊 레보세티리진정5mg 1정 하루 1번 자기 전 (5일)\n"
      "2025. 11. 28. 오후 6:41, 김약사 : 💊 코슈정 1정 하루 3번 식후 30분 (5일)\n");
  ASSERT_EQ(chat.medications.size(), 2u);
  EXPECT_EQ(slots(chat.medications[0]), V{"22:00"});
  EXPECT_EQ(chat.medications[1].times_per_day, 3);
  const auto fever =
      scan("맥시부펜시럽\n열이 38도 이상일 때 1회 6ml\n4시간 이상 간격, 하루 4번까지\n");
  ASSERT_EQ(fever.medications.size(), 1u);
  EXPECT_EQ(fever.medications[0].timing, dd::Timing::kAsNeeded);
  EXPECT_EQ(fever.medications[0].dose, "6ml");
  const auto patch = scan("듀로제식디트랜스패치12mcg/h\n1매 3일(72시간)마다 교체\n");
  ASSERT_EQ(patch.medications.size(), 1u);
  EXPECT_EQ(patch.medications[0].name, "듀로제식디트랜스패치12mcg/h");
  EXPECT_FALSE(patch.medications[0].duration_days);
  EXPECT_EQ(codes(patch, 0), (V{"missing:duration_days", "non_daily_frequency:times_per_day"}));
}

// Probes of ordinary documents a user photographs (issue 15, fourth round): written before the
// rules they test were read, each a short realistic piece of a 처방전, 약봉투, 복약안내문 or an
// English Rx.
dd::ScannedMedication only(const dd::ScanResult& r) {
  EXPECT_EQ(r.medications.size(), 1u);
  return r.medications.empty() ? dd::ScannedMedication{} : r.medications[0];
}

TEST(PrescriptionScannerProbe, StandardFormBagAndGuideSheet) {
  const auto form = scan(
      "처 방 전\n교부번호 2026년 12월 07일 제 00123 호\n"
      "환자 성명 홍길동 주민등록번호 800101-1******\n"
      "의료기관 명칭 서울내과의원 전화번호 02-123-4567\n"
      "처방 의약품의 명칭 1회 투약량 1일 투여횟수 총 투약일수 용법\n"
      "코대원포르테시럽 10ml 3 5 식후 30분\n슈다페드정 1 3 5 식후 30분\n"
      "사용기간 교부일로부터 ( 7 )일간\n");
  ASSERT_EQ(form.medications.size(), 2u);
  EXPECT_EQ(form.medications[0].dose, "10ml");
  EXPECT_EQ(form.medications[1].dose, "1정");
  EXPECT_EQ(form.medications[1].duration_days, 5);
  EXPECT_EQ(slots(form.medications[1]), (V{"08:30", "12:30", "18:30"}));
  const auto bag = scan(
      "행복약국\n홍길동 님\n조제일자: 2026-12-07\n1일 3회 | 5일분 | 식후 30분\n"
      "아목시실린캡슐500mg 1캡슐\n에페리손정 1정\n※ 졸음이 올 수 있으니 운전에 주의하세요\n");
  ASSERT_EQ(bag.medications.size(), 2u);
  EXPECT_EQ(bag.medications[0].dose, "1캡슐");
  EXPECT_EQ(bag.medications[1].times_per_day, 3);
  EXPECT_EQ(bag.medications[1].notes, (V{"식후 30분", "졸음이 올 수 있으니 운전에 주의하세요"}));
  const auto guide = scan(
      "복약안내문\n1. 오구멘틴정625mg\n - 효능: 항생제\n - 용법: 1일 2회, 1회 1정, 식후 즉시\n"
      " - 투약일수: 7일\n2. 무코스타정100mg\n - 용법: 1일 3회, 1회 1정, 식후 30분\n");
  ASSERT_EQ(guide.medications.size(), 2u);
  EXPECT_EQ(guide.medications[0].duration_days, 7);
  EXPECT_EQ(slots(guide.medications[0]), (V{"08:00", "18:00"}));  // 식후 즉시
  EXPECT_EQ(guide.medications[1].times_per_day, 3);
}

TEST(PrescriptionScannerProbe, EnglishPrescriptions) {
  const auto rx = scan(
      "Family Clinic\nRx\nAmoxicillin 500 mg capsule\nSig: 1 cap PO TID x 10 days\nDisp: #30\n"
      "Lisinopril 10mg tablet\nTake one tablet by mouth every morning for 30 days\n"
      "Zolpidem 5mg tablet\nTake one tablet at bedtime as needed for sleep\n");
  ASSERT_EQ(rx.medications.size(), 3u);
  EXPECT_EQ(rx.medications[0].duration_days, 10);
  EXPECT_EQ(rx.medications[1].times_per_day, 1);
  EXPECT_EQ(slots(rx.medications[1]), V{"08:00"});
  EXPECT_EQ(rx.medications[2].timing, dd::Timing::kAsNeeded);
  const auto until = scan(
      "Rx: Amoxicillin 500mg capsules\nSig: Take 1 capsule three times daily until all taken\n"
      "Fucidin cream: apply a thin layer to affected area twice a day for 5 days\n"
      "Metformin 500mg 1 tab twice daily with meals x 30 days\n");
  ASSERT_EQ(until.medications.size(), 3u);
  EXPECT_FALSE(until.medications[0].duration_days);  // until all taken: no number of days
  EXPECT_EQ(until.medications[0].times_per_day, 3);
  EXPECT_FALSE(until.medications[1].dose);  // a thin layer is no amount
  EXPECT_EQ(until.medications[1].times_per_day, 2);
  EXPECT_EQ(slots(until.medications[2]), (V{"08:30", "18:30"}));
}

TEST(PrescriptionScannerProbe, EnglishTaperWithThen) {
  const auto r = scan(
      "Prednisolone 5mg tablets\nTake 4 tablets daily for 3 days, then 2 tablets daily for "
      "3 days\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].dose, "4정");
  EXPECT_EQ(r.medications[0].duration_days, 3);
  EXPECT_EQ(r.medications[1].dose, "2정");
  EXPECT_EQ(r.medications[1].times_per_day, 1);
  EXPECT_EQ(r.medications[1].duration_days, 3);
}

TEST(PrescriptionScannerProbe, KoreanWordsForCountsPartsAndAmounts) {
  const auto numerals = scan("아침 점심 저녁 하루 세 번 한 알씩 식후에 드세요 (3일분)\n코푸정\n");
  EXPECT_EQ(only(numerals).times_per_day, 3);
  EXPECT_EQ(only(numerals).dose, "1정");
  const auto every_meal = scan("레바미피드정 1정 1일 3회 매식후 5일분\n");
  EXPECT_EQ(only(every_meal).timing, dd::Timing::kAfterMeal);
  const auto parts = scan("아모디핀정5mg 1정 하루 2회 (아침, 저녁) 식후 28일분\n");
  EXPECT_EQ(slots(only(parts)), (V{"08:30", "18:30"}));
  const auto half = scan("디고신정0.25mg 1/2정 1일 1회 아침 식후 30일분\n");
  EXPECT_EQ(only(half).dose, "0.5정");
  const auto fasting = scan("씬지로이드정0.1mg 하루 한 번 아침 공복에 한 알 (90일분)\n");
  EXPECT_EQ(slots(only(fasting)), V{"07:00"});
  const auto times = scan("타이레놀정500mg 1정 × 3회 × 5일\n");
  EXPECT_EQ(only(times).times_per_day, 3);
  EXPECT_EQ(only(times).duration_days, 5);
  const auto bedtime = scan("아토르바스타틴정10mg 1정 1일 2회 아침, 자기 전 28일분\n");
  EXPECT_EQ(slots(only(bedtime)), (V{"08:00", "22:00"}));
  const auto before_meal = scan("넥시움정40mg 1일 1회 아침 식사 30분 전 1정 14일\n");
  EXPECT_EQ(slots(only(before_meal)), V{"07:30"});
}

TEST(PrescriptionScannerProbe, ConditionsAfterANameInBracketsOrWithoutASubjectParticle) {
  const auto after_name = scan("게보린 두통이 심할 때 1정\n");
  EXPECT_EQ(only(after_name).name, "게보린");
  EXPECT_EQ(only(after_name).timing, dd::Timing::kAsNeeded);
  EXPECT_EQ(only(after_name).notes, V{"두통이 심할 때"});
  const auto bracketed = scan("타이레놀정500mg 1정 (두통이 심할 때만)\n");
  EXPECT_EQ(only(bracketed).timing, dd::Timing::kAsNeeded);
  const auto unanchored = scan("게보린 1정 (두통이 심할 때만)\n");
  EXPECT_EQ(only(unanchored).timing, dd::Timing::kAsNeeded);
  const auto fever = scan("챔프시럽 1회 5ml 열 38.5도 이상일 때 복용\n");
  EXPECT_EQ(only(fever).timing, dd::Timing::kAsNeeded);
  EXPECT_EQ(only(fever).notes, V{"열 38.5도 이상일 때"});
  const auto if_clause = scan("부루펜시럽 1회 8ml\n체온이 38.5도 이상이면 복용, 4시간 간격\n");
  EXPECT_EQ(only(if_clause).timing, dd::Timing::kAsNeeded);
  EXPECT_EQ(only(scan("둘코락스좌약 1개 변비가 심하면 사용\n")).timing, dd::Timing::kAsNeeded);
  const auto subject_first = scan("머리가 아플 때 타이레놀정500mg 1정 하루 3회까지\n");
  EXPECT_EQ(only(subject_first).name, "타이레놀정500mg");
  EXPECT_EQ(only(subject_first).timing, dd::Timing::kAsNeeded);
  // A condition to stop or to be careful is a caution, not when to take the medicine.
  const auto caution = scan("세티리진정10mg 1정 1일 1회 자기 전 (졸음이 오면 운전하지 마세요)\n");
  EXPECT_EQ(only(caution).timing, dd::Timing::kBedtime);
  const auto stop = scan("아목시실린캡슐500mg 1캡슐 1일 3회 식후 (발진이 생기면 복용 중지)\n");
  EXPECT_EQ(only(stop).timing, dd::Timing::kAfterMeal);
  // Advice about another medicine, or a remark that is only a condition, is a note.
  for (const std::string advice :
       {"※ 열이 나면 해열제를 드세요\n", "열이 나면 해열제를 드세요\n"}) {
    const auto r = scan("타이레놀정500mg 1정 1일 3회 5일분\n코대원정 1정 1일 3회 5일분\n" + advice);
    ASSERT_EQ(r.medications.size(), 2u);
    EXPECT_FALSE(r.medications[0].timing) << advice;
    EXPECT_FALSE(r.medications[1].timing) << advice;
    EXPECT_EQ(r.medications[1].notes, V{"열이 나면 해열제를 드세요"}) << advice;
  }
}

TEST(PrescriptionScannerProbe, ClockTimesBeforeTheNameAndAtNight) {
  const auto bracketed = scan("[08:00] 노바스크정5mg 1정\n[21:00] 스틸녹스정10mg 1정\n");
  ASSERT_EQ(bracketed.medications.size(), 2u);
  EXPECT_EQ(slots(bracketed.medications[0]), V{"08:00"});
  EXPECT_EQ(slots(bracketed.medications[1]), V{"21:00"});
  const auto plain = scan("08:00 노바스크정5mg 1정\n");
  EXPECT_EQ(slots(only(plain)), V{"08:00"});
  const auto night = scan(
      "스틸녹스정10mg 1정 밤 10시\n레보티록신정 1정 새벽 6시 공복\n"
      "멜라토닌서방정2mg 1정 밤 9시 30분\n리피토정10mg 1정 아침 8시, 저녁 8시 30일분\n");
  ASSERT_EQ(night.medications.size(), 4u);
  EXPECT_EQ(slots(night.medications[0]), V{"22:00"});
  EXPECT_EQ(slots(night.medications[1]), V{"06:00"});
  EXPECT_EQ(slots(night.medications[2]), V{"21:30"});
  EXPECT_EQ(slots(night.medications[3]), (V{"08:00", "20:00"}));
}

TEST(PrescriptionScannerProbe, SpacedDirectionsBeforeAColon) {
  const auto r = scan(
      "자기 전: 스틸녹스정10mg 1정\n잠들기 전: 졸피드정 1정\n취침 전 : 졸피뎀정10mg 1정 14일분\n"
      "아침 식전 : 넥시움정40mg 1정\n");
  ASSERT_EQ(r.medications.size(), 4u);
  EXPECT_EQ(r.medications[0].name, "스틸녹스정10mg");
  EXPECT_EQ(slots(r.medications[0]), V{"22:00"});
  EXPECT_EQ(r.medications[1].name, "졸피드정");
  EXPECT_EQ(r.medications[1].timing, dd::Timing::kBedtime);
  EXPECT_EQ(slots(r.medications[2]), V{"22:00"});
  EXPECT_EQ(slots(r.medications[3]), V{"07:30"});
}

TEST(PrescriptionScannerProbe, RemarksAboutSeveralMedicinesOrTheRest) {
  const auto between = scan(
      "크라비트점안액 1일 4회 양쪽 눈에 1방울 7일\n※ 두 안약 사이에 5분 이상 간격을 두세요\n"
      "플루메토론점안액 1일 4회 양쪽 눈에 1방울 7일\n");
  ASSERT_EQ(between.medications.size(), 2u);
  for (const auto& m : between.medications) {
    EXPECT_EQ(m.notes, V{"두 안약 사이에 5분 이상 간격을 두세요"}) << m.name;
  }
  const auto rest = scan(
      "신지로이드정0.1mg 1정 1일 1회\n가스터정20mg 1정 1일 2회\n무코스타정100mg 1정 1일 2회\n"
      "※ 신지로이드정은 아침 식전, 나머지는 식후\n");
  ASSERT_EQ(rest.medications.size(), 3u);
  EXPECT_EQ(rest.medications[0].timing, dd::Timing::kBeforeMeal);
  EXPECT_EQ(slots(rest.medications[0]), V{"07:30"});
  EXPECT_EQ(rest.medications[1].timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(slots(rest.medications[2]), (V{"08:30", "18:30"}));
}

TEST(PrescriptionScannerProbe, GridRowWhoseEmptyCellsOcrDropped) {
  // Three marks under four part columns: which part is empty is not known, the count is.
  const auto r = scan("약품명 아침 점심 저녁 취침전\n가스모틴정 ○ ○ ○\n타이레놀정 ○ - ○ -\n");
  ASSERT_EQ(r.medications.size(), 2u);
  EXPECT_EQ(r.medications[0].times_per_day, 3);
  EXPECT_EQ(slots(r.medications[0]), (V{"08:00", "12:00", "18:00"}));
  EXPECT_EQ(slots(r.medications[1]), (V{"08:00", "18:00"}));
  // The dose and days cells stay at both ends; the header's meal timing holds without a bedtime
  // column.
  const auto cells =
      scan("약품명 1회량 아침식후 점심식후 저녁식후 일수\n무코스타정100mg 1정 ○ ○ 7\n");
  EXPECT_EQ(only(cells).dose, "1정");
  EXPECT_EQ(only(cells).duration_days, 7);
  EXPECT_EQ(slots(only(cells)), (V{"08:30", "18:30"}));
}

TEST(PrescriptionScannerProbe, IngredientInSpacedParenthesesAfterAProduct) {
  EXPECT_EQ(only(scan("뮤코펙트정 (암브록솔) 1정 1일 3회 식후 5일분\n")).name,
            "뮤코펙트정 (암브록솔)");
  // A category, a symptom or a description is no ingredient.
  EXPECT_EQ(only(scan("록소프로펜정 (소염진통제) 1정 1일 3회\n")).name, "록소프로펜정");
  EXPECT_EQ(only(scan("슈도에페드린정 (코막힘) 1정 1일 3회\n")).name, "슈도에페드린정");
  EXPECT_EQ(only(scan("레바미피드정 (위장보호) 1정 1일 3회\n")).name, "레바미피드정");
  // After a form word alone the name is a description, not a product (blind/b05).
  EXPECT_EQ(only(scan("아토피 연고 (하이드로코티손) 1일 2회 7일\n")).name, "아토피 연고");
}

TEST(PrescriptionScannerProbe, AppScreenWithLabelsAboveTheirValues) {
  const auto m = only(
      scan("약 이름\n타이레놀8시간이알서방정\n복용량\n1정\n복용 횟수\n하루 3번\n복용 기간\n3일\n"));
  EXPECT_EQ(m.name, "타이레놀8시간이알서방정");
  EXPECT_EQ(m.dose, "1정");
  EXPECT_EQ(m.times_per_day, 3);
  EXPECT_EQ(m.duration_days, 3);
  const auto two = scan(
      "약 이름\n타이레놀정500mg\n복용 횟수\n하루 3번\n약 이름\n무코스타정100mg\n복용 횟수\n"
      "하루 2번\n");
  ASSERT_EQ(two.medications.size(), 2u);
  EXPECT_EQ(two.medications[1].times_per_day, 2);
  // A guidance heading alone is still one: the advice under it does not reach back.
  const auto guidance =
      scan("타이레놀정500mg 1정 1일 3회\n주의사항\n식후 30분, 5일 이상 복용 시\n");
  EXPECT_FALSE(only(guidance).duration_days);
  EXPECT_FALSE(only(guidance).timing);
}

TEST(PrescriptionScannerProbe, DigitsSpacedInsideADurationOrAName) {
  // "1 4 일분" is 14 days, not 4 (a wrong number that would still be in the text).
  EXPECT_EQ(only(scan("가스모틴정5mg 1정 1일 3회 식전 30분 1 4 일분\n")).duration_days, 14);
  EXPECT_EQ(only(scan("타이레놀정 1정 1일 3회 식후 1 0 일분\n")).duration_days, 10);
  // A table row's cells stay cells.
  const auto row = scan("약품명 1회 1일 일수\n타이레놀정 1 3 5\n");
  EXPECT_EQ(only(row).duration_days, 5);
  // A name OCR spaced out keeps the space before its strength, as the sets expect of a spaced
  // name (dev/d02 "타이레놀정 500mg", holdout/h06).
  EXPECT_EQ(only(scan("아 모 잘 탄 정 5/50mg 1정 1일 1회 아침 식후 30일분\n")).name,
            "아모잘탄정 5/50mg");
}

TEST(PrescriptionScannerProbe, TablesWithTextColumnsAndEveryDayWords) {
  // One numeric column beside the name and a text column: the row's bare number is its cell.
  const auto table = scan(
      "약품명 | 용법 | 일수\n타이레놀정500mg | 1일 3회 식후 30분 1정 | 3\n"
      "무코스타정100mg | 1일 2회 아침 저녁 식후 1정 | 7\n");
  ASSERT_EQ(table.medications.size(), 2u);
  EXPECT_EQ(table.medications[0].duration_days, 3);
  EXPECT_EQ(table.medications[1].duration_days, 7);
  EXPECT_TRUE(codes(table).empty());
  const auto rows = scan(
      "1) 타이레놀정 500mg - 1정 - 1일 3회 - 5일\n[아침] 아모디핀정5mg 1정, 아스피린정100mg 1정\n"
      "[저녁] 리피토정10mg 1정\n(28일분, 식후 30분)\n");
  ASSERT_EQ(rows.medications.size(), 4u);
  EXPECT_EQ(rows.medications[0].duration_days, 5);
  EXPECT_EQ(slots(rows.medications[2]), V{"08:30"});
  EXPECT_EQ(slots(rows.medications[3]), V{"18:30"});
  const auto words = scan(
      "코대원정 하루에 두 번, 아침 저녁으로 한 알씩 5일\n클래리시드정250mg 1정 매 8시간마다 7일\n"
      "와파린정 2mg 반 알 하루 한 번 저녁 식후\n오구멘틴정625mg 1정 1일 2회 (12시간 간격) 7일분\n");
  ASSERT_EQ(words.medications.size(), 4u);
  EXPECT_EQ(slots(words.medications[0]), (V{"08:00", "18:00"}));
  EXPECT_EQ(slots(words.medications[1]), (V{"06:00", "14:00", "22:00"}));
  EXPECT_EQ(words.medications[2].dose, "0.5정");
  EXPECT_EQ(words.medications[3].notes, V{"12시간 간격"});
  // "석 달분": three months, not converted.
  const auto months = scan("씬지로이드정 0.1mg 1일 1회 아침 공복 1정 (석 달분)\n");
  EXPECT_EQ(codes(months), V{"duration_in_months:duration_days"});
}

TEST(PrescriptionScannerProbe, ColloquialTimingAndACategoryBeforeTheName) {
  // "밥 먹고 30분": the note keeps the words as written (a note the text does not hold would be
  // cleared, and its warning must fit the schema).
  const auto r = scan("소화제 베아제정 1회 1정씩 하루 3번 밥 먹고 30분 후에 드세요 (3일치)\n");
  EXPECT_EQ(only(r).name, "베아제정");
  EXPECT_EQ(only(r).timing, dd::Timing::kAfterMeal);
  EXPECT_EQ(only(r).notes, V{"밥 먹고 30분"});
  EXPECT_TRUE(codes(r).empty());
  EXPECT_TRUE(dd::validate_scan_result_json(json(r)).empty());
}

TEST(PrescriptionScannerProbe, EnglishLabelsInCapitalsAndClockTimes) {
  const auto label = scan(
      "LISINOPRIL 10 MG TABLET\nTAKE 1 TABLET BY MOUTH TWICE DAILY\nQTY: 60  REFILLS: 2\n"
      "Cefuroxime 250mg tablets\nTake 2 tablets by mouth every 12 hours for 10 days\n"
      "Domperidone 10mg 1T TID AC x 5 days\nMelatonin 3mg 1 tablet at 9 pm nightly\n");
  ASSERT_EQ(label.medications.size(), 4u);
  EXPECT_EQ(label.medications[0].times_per_day, 2);
  EXPECT_EQ(slots(label.medications[1]), (V{"08:00", "20:00"}));
  EXPECT_EQ(slots(label.medications[2]), (V{"07:30", "11:30", "17:30"}));
  EXPECT_EQ(label.medications[3].times_per_day, 1);
  EXPECT_EQ(slots(label.medications[3]), V{"21:00"});
}

TEST(PrescriptionScannerProbe, DailyMaximaAreLimitsNotDoses) {
  // "1일 최대 8정" was a second dose (ambiguous) and a 1-day course.
  const auto prn = scan("타이레놀정500mg 1회 1정 필요시 4시간 이상 간격, 1일 최대 8정\n");
  EXPECT_EQ(only(prn).dose, "1정");
  EXPECT_FALSE(only(prn).duration_days);
  EXPECT_EQ(only(prn).notes, (V{"4시간 이상 간격", "1일 최대 8정"}));
  const auto until = scan("타이레놀정500mg 1정 1일 3회 식후 5일분 (하루 최대 8정까지)\n");
  EXPECT_EQ(only(until).dose, "1정");
  EXPECT_EQ(only(until).notes, V{"하루 최대 8정까지"});
  const auto english = scan(
      "Ibuprofen 600mg tablet\nTake 1 tablet by mouth every 8 hours with food as needed for "
      "pain. Do not exceed 3 tablets per day.\n");
  EXPECT_EQ(only(english).dose, "1정");
  EXPECT_EQ(only(english).timing, dd::Timing::kAsNeeded);
}

TEST(PrescriptionScannerProbe, EnglishSitesDaysOfACourseAndEveryOtherDay) {
  const auto r = scan(
      "Triamcinolone 0.1% cream\nApply thin layer to rash BID\n"
      "Ofloxacin 0.3% eye drops\nInstill 1 drop in each eye QID x 7 days\n"
      "Levothyroxine 50mcg tablet\nTake 1 tablet by mouth once daily in the morning on an empty "
      "stomach\nWarfarin 5mg tablet\nTake 1 tablet by mouth every other day\n");
  ASSERT_EQ(r.medications.size(), 4u);
  EXPECT_EQ(r.medications[0].times_per_day, 2);  // "rash" is where, not what
  EXPECT_EQ(r.medications[1].name, "Ofloxacin 0.3% eye drops");
  EXPECT_EQ(slots(r.medications[2]), V{"07:00"});
  EXPECT_EQ(codes(r, 3), (V{"missing:duration_days", "non_daily_frequency:times_per_day"}));
  const auto pack =
      scan("Azithromycin 250mg tablet\nTake 2 tablets on day 1, then 1 tablet daily on days 2-5\n");
  ASSERT_EQ(pack.medications.size(), 2u);
  EXPECT_EQ(pack.medications[0].dose, "2정");
  EXPECT_EQ(pack.medications[0].duration_days, 1);
  EXPECT_EQ(pack.medications[1].duration_days, 4);
  EXPECT_TRUE(codes(pack).empty());
}

TEST(PrescriptionScannerProbe, BagMarksWeeklyCountsAndMealsTakenWith) {
  // Filled marks for the parts taken, a hollow one for the part not taken.
  const auto bag = scan(
      "[조제약 복용안내]\n아침 ● 점심 ● 저녁 ● 취침전 ○\n식후 30분 | 1일 3회 | 3일분\n"
      "약품명 1회량\n코대원정 1정\n");
  EXPECT_EQ(only(bag).times_per_day, 3);
  EXPECT_EQ(slots(only(bag)), (V{"08:30", "12:30", "18:30"}));
  // "1주 1회" is once a week, not a 7-day course.
  const auto weekly = scan("메토트렉세이트정2.5mg 1주 1회 월요일 아침 4정\n");
  EXPECT_FALSE(only(weekly).duration_days);
  EXPECT_EQ(codes(weekly), (V{"missing:duration_days", "non_daily_frequency:times_per_day"}));
  const auto with_meal = scan("리피토정10mg 1정 1일 1회 저녁 식사와 함께 28일\n");
  EXPECT_EQ(slots(only(with_meal)), V{"18:30"});  // as "with meals"
  const auto period =
      scan("복용기간: 2026.12.07 ~ 2026.12.13 (7일)\n세파클러캡슐250mg 1캡슐 1일 3회 식후\n");
  EXPECT_EQ(only(period).duration_days, 7);
  EXPECT_EQ(only(scan("매 식후 30분 / 1회 1봉 / 하루 3번 / 5일분\n아목시실린캡슐500mg\n")).dose,
            "1포");
  EXPECT_EQ(slots(only(scan("메트포르민정500mg 1정 아침/저녁 (2회) 식후 30일\n"))),
            (V{"08:30", "18:30"}));
  EXPECT_EQ(slots(only(scan("스틸녹스정10mg 1정 취침 30분 전 14일\n"))), V{"22:00"});
}

TEST(PrescriptionScannerDraft, MarksHowEachFieldWasRead) {
  auto draft = dd::PrescriptionScanner().draft(
      "처방 의약품의 명칭 1회 투약량 1일 투여횟수 총 투약일수\n코대원정 1 3 3 식후\n"
      "5일분\n타이레놀정 1정 아침 저녁\n부루펜시럽 1일 3회\n");
  ASSERT_TRUE(draft.ok());
  ASSERT_EQ(draft->medications.size(), 3u);
  const auto& table = draft->medications[0];
  EXPECT_EQ(table.dose_field.source, dd::FieldSource::kTableCell);
  EXPECT_EQ(table.timing_field.source, dd::FieldSource::kText);
  const auto& derived = draft->medications[1];
  EXPECT_EQ(derived.times_field.source, dd::FieldSource::kDerived);  // from 아침 저녁
  EXPECT_EQ(derived.duration_field.source, dd::FieldSource::kShared);
  EXPECT_FLOAT_EQ(derived.duration_field.confidence(), 0.85f);
  const auto& unknown = draft->medications[2];
  EXPECT_EQ(unknown.dose_field.source, dd::FieldSource::kNone);
  EXPECT_FALSE(unknown.dose_field.known());
}

TEST(PrescriptionScannerDraft, FinalizeChecksFieldsFilledLater) {
  // What a language model would do: fill the unknown fields, then finalize. Values that are not
  // in the text are cleared with an "unverified" warning; traceable ones are kept.
  const std::string text = "부루펜시럽 1일 3회 식후\n(1회 5ml, 3일분)\n";
  auto draft = dd::PrescriptionScanner().draft(text);
  ASSERT_TRUE(draft.ok());
  ASSERT_EQ(draft->medications.size(), 1u);
  dd::DraftMedication& m = draft->medications[0];
  ASSERT_TRUE(m.dose.has_value());  // the next line continued the entry
  m.duration_days = 3;
  m.duration_field = {dd::FieldSource::kModel, 2};
  dd::ScanResult kept = dd::PrescriptionScanner::finalize(*draft);
  EXPECT_EQ(kept.medications[0].duration_days, 3);
  EXPECT_TRUE(codes(kept).empty());

  m.duration_days = 10;  // invented
  m.dose = dd::parse_dose_text("7ml");
  dd::ScanResult checked = dd::PrescriptionScanner::finalize(*draft);
  EXPECT_FALSE(checked.medications[0].duration_days);
  EXPECT_FALSE(checked.medications[0].dose);
  EXPECT_EQ(codes(checked), (V{"unverified:dose", "unverified:duration_days"}));
  EXPECT_TRUE(dd::validate_scan_result_json(json(checked)).empty());

  m.notes.push_back({"운전 금지", 1, 0});  // a note is checked too, and its warning fits the schema
  dd::ScanResult noted = dd::PrescriptionScanner::finalize(*draft);
  EXPECT_TRUE(noted.medications[0].notes.empty());
  EXPECT_EQ(codes(noted), (V{"unverified:dose", "unverified:duration_days", "unverified:notes"}));
  EXPECT_TRUE(dd::validate_scan_result_json(json(noted)).empty());
}

}  // namespace

// The fourth layout round (docs/SCAN.md "The fourth layout sets"): documents of the same kinds as
// layouts4-dev, written for this test in other words, so that the rules are not one case's.
TEST(PrescriptionScannerProbe, FourthLayoutClasses) {
  const auto split = scan(
      "처방 의약품의 명칭\n1회 투약량\n1일 투여횟수\n총 투약일수\n용법\n"
      "오구멘틴정625mg 1 2 7 아침저녁 식후\n무코스타정100mg 1 3 7 식후\n");
  ASSERT_EQ(split.medications.size(), 2u);
  EXPECT_EQ(split.medications[0].dose, "1정");
  EXPECT_EQ(split.medications[0].times_per_day, 2);
  EXPECT_EQ(split.medications[1].duration_days, 7);
  EXPECT_TRUE(split.warnings.empty());
  const auto codes_first = scan(
      "코드 약품명 1회 횟수 일수\nNX10 넥시움정20mg 1정 1 28 아침식전\n"
      "CRS5 크레스토정5mg 1정 1 28 저녁식후\n");
  ASSERT_EQ(codes_first.medications.size(), 2u);
  EXPECT_EQ(codes_first.medications[0].name, "넥시움정20mg");
  EXPECT_EQ(slots(codes_first.medications[1]), V{"18:30"});
  const auto boxes =
      scan("[복용시간] □아침 ■점심 ■저녁 ■자기전\n1회 1포 14일분\n리보트릴정0.5mg\n");
  ASSERT_EQ(boxes.medications.size(), 1u);
  EXPECT_EQ(boxes.medications[0].times_per_day, 3);
  EXPECT_EQ(slots(boxes.medications[0]), (V{"12:00", "18:00", "22:00"}));
  const auto uk = scan(
      "Prescription\nDoxycycline 100mg capsules Qty: 14 capsules\n"
      "Take ONE capsule TWICE a day for 7 days\nSTOP these medications\nNaproxen 500mg tablets\n");
  ASSERT_EQ(uk.medications.size(), 1u);
  EXPECT_EQ(uk.medications[0].dose, "1캡슐");
  EXPECT_EQ(uk.medications[0].duration_days, 7);
  const auto forms = scan(
      "레바미피드정100mg 1정 1일 3회 식후 7일\n세레타이드디스커스 1회 1흡입 1일 2회 30일\n"
      "※ 흡입기 사용 후 입을 헹구세요\n");
  ASSERT_EQ(forms.medications.size(), 2u);
  EXPECT_TRUE(forms.medications[0].notes.empty());
  EXPECT_EQ(forms.medications[1].notes, V{"흡입기 사용 후 입을 헹구세요"});
  const auto syrup = scan("메디콜시럽 1일 3회 식후 5일 1회 10\n");
  ASSERT_EQ(syrup.medications.size(), 1u);
  EXPECT_EQ(syrup.medications[0].dose, "10ml");
  const auto weeks = scan(
      "프레드니솔론정5mg\n1주째: 1회 3정 1일 1회 아침 식후 (7일)\n"
      "2주째: 1회 2정 1일 1회 아침 식후 (7일)\n");
  ASSERT_EQ(weeks.medications.size(), 2u);
  EXPECT_EQ(weeks.medications[0].dose, "3정");
  EXPECT_EQ(weeks.medications[1].dose, "2정");
  EXPECT_EQ(weeks.medications[1].duration_days, 7);
  EXPECT_EQ(weeks.medications[1].notes, V{"2주째"});
}
