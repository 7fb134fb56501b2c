// CreateScheduleParams validation (every rule, in order) and the medicine value helpers.
#include <gtest/gtest.h>

#include "dailydrug/app/medicine.h"
#include "dailydrug/app/schedule_params.h"

namespace dd = dailydrug::app;
using namespace std::chrono_literals;

namespace {

dd::CreateScheduleParams::Fields valid_fields() {
  dd::CreateScheduleParams::Fields f;
  f.name = "타이레놀";
  f.dosage = "1정";
  f.start_date = dd::parse_date("2026-11-24").value();
  f.end_date = dd::parse_date("2026-11-28");
  f.time_slots = {dd::TimeOfDay{20h}, dd::TimeOfDay{8h}, dd::TimeOfDay{20h}};
  f.pattern = {1, 0};
  return f;
}

std::string invalid_field(dd::CreateScheduleParams::Fields f) {
  auto params = dd::CreateScheduleParams::create(std::move(f));
  if (params.ok()) {
    return "<valid>";
  }
  EXPECT_EQ(params.error().kind, dd::ErrorKind::kInvalid);
  return params.error().subject;
}

}  // namespace

TEST(AppScheduleParamsTest, ValidParamsNormaliseSlots) {
  auto params = dd::CreateScheduleParams::create(valid_fields());
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->time_slots(),
            (std::vector<dd::TimeOfDay>{dd::TimeOfDay{8h}, dd::TimeOfDay{20h}}));
  EXPECT_EQ(params->name(), "타이레놀");
  EXPECT_FALSE(params->medicine_id().has_value());  // a new medicine
  EXPECT_FALSE(params->schedule_id().has_value());  // a new schedule
}

TEST(AppScheduleParamsTest, NameAndDosageMustNotBeBlank) {
  for (const char* blank : {"", "   ", "\t\n", "\xE3\x80\x80" /* U+3000 */, "\xC2\xA0"}) {
    auto f = valid_fields();
    f.name = blank;
    EXPECT_EQ(invalid_field(f), "name") << blank;
    f = valid_fields();
    f.dosage = blank;
    EXPECT_EQ(invalid_field(f), "dosage") << blank;
  }
  auto f = valid_fields();
  f.name = " 약 ";
  EXPECT_EQ(invalid_field(f), "<valid>");
}

TEST(AppScheduleParamsTest, NeedsATimeSlot) {
  auto f = valid_fields();
  f.time_slots.clear();
  EXPECT_EQ(invalid_field(f), "time_slots");
}

TEST(AppScheduleParamsTest, TakeAndRestDays) {
  auto f = valid_fields();
  f.pattern = {0, 0};
  EXPECT_EQ(invalid_field(f), "take_days");
  f.pattern = {-3, 0};
  EXPECT_EQ(invalid_field(f), "take_days");
  f.pattern = {1, -1};
  EXPECT_EQ(invalid_field(f), "rest_days");
  f.pattern = {5, 2};
  EXPECT_EQ(invalid_field(f), "<valid>");
}

TEST(AppScheduleParamsTest, EndNotBeforeStart) {
  auto f = valid_fields();
  f.end_date = dd::parse_date("2026-11-23");
  EXPECT_EQ(invalid_field(f), "end_date");
  f.end_date = f.start_date;  // a one-day schedule
  EXPECT_EQ(invalid_field(f), "<valid>");
  f.end_date.reset();  // open-ended
  EXPECT_EQ(invalid_field(f), "<valid>");
}

TEST(AppScheduleParamsTest, DatesMustBeRealAndInRange) {
  auto f = valid_fields();
  f.start_date = dd::Date{std::chrono::year{2026}, std::chrono::February, std::chrono::day{30}};
  EXPECT_EQ(invalid_field(f), "start_date");
  f = valid_fields();
  f.start_date = dd::parse_date("0026-11-24").value();  // a typo, not a real start date
  f.end_date.reset();
  EXPECT_EQ(invalid_field(f), "start_date");
  f = valid_fields();
  f.end_date = dd::Date{std::chrono::year{2026}, std::chrono::month{13}, std::chrono::day{1}};
  EXPECT_EQ(invalid_field(f), "end_date");
}

TEST(AppScheduleParamsTest, IdsMustBePositive) {
  auto f = valid_fields();
  f.schedule_id = 0;
  EXPECT_EQ(invalid_field(f), "schedule_id");
  f = valid_fields();
  f.medicine_id = -4;
  EXPECT_EQ(invalid_field(f), "medicine_id");
}

TEST(AppScheduleParamsTest, ReportsTheFirstProblemInOrder) {
  dd::CreateScheduleParams::Fields f;  // everything wrong
  f.pattern = {0, -1};
  EXPECT_EQ(invalid_field(f), "name");
  f.name = "a";
  EXPECT_EQ(invalid_field(f), "dosage");
  f.dosage = "b";
  EXPECT_EQ(invalid_field(f), "time_slots");
}

TEST(AppMedicineTest, ParsesColours) {
  EXPECT_EQ(dd::parse_color("#FF0000"), 0xFFFF0000u);
  EXPECT_EQ(dd::parse_color("00ff7f"), 0xFF00FF7Fu);
  EXPECT_EQ(dd::parse_color("#80123456"), 0x80123456u);
  for (const char* bad : {"", "#", "#12345", "#1234567", "#GG0000", "red", "#123456789"}) {
    EXPECT_FALSE(dd::parse_color(bad).has_value()) << bad;
  }
  EXPECT_EQ(dd::format_color(0xFFFF0000u), "#FF0000");
  EXPECT_EQ(dd::format_color(0x80123456u), "#80123456");
  EXPECT_EQ(dd::format_color(dd::kDefaultMedicineColor), "#2196F3");
}

TEST(AppMedicineTest, BlankDetection) {
  EXPECT_TRUE(dd::is_blank(""));
  EXPECT_TRUE(dd::is_blank(" \t\r\n"));
  EXPECT_TRUE(dd::is_blank("\xE3\x80\x80 \xE2\x80\x83"));  // U+3000, U+2003
  EXPECT_FALSE(dd::is_blank("정"));
  EXPECT_FALSE(dd::is_blank(" x "));
  EXPECT_FALSE(dd::is_blank("\xFF"));      // invalid UTF-8 is content, not blank
  EXPECT_FALSE(dd::is_blank("\xE3\x80"));  // truncated sequence
}

TEST(AppScheduleParamsTest, WhatAUserWritesIsBounded) {
  const auto with = [](auto change) {
    auto f = valid_fields();
    change(f);
    return invalid_field(f);
  };
  using F = dd::CreateScheduleParams::Fields;
  EXPECT_EQ(with([](F& f) { f.name = std::string(100, 'a'); }), "<valid>");
  EXPECT_EQ(with([](F& f) {
              f.name.clear();
              for (int i = 0; i < 100; ++i) f.name += "가";  // 100 code points, 300 bytes
            }),
            "<valid>");
  EXPECT_EQ(with([](F& f) { f.name = std::string(101, 'a'); }), "name");
  EXPECT_EQ(with([](F& f) { f.name = std::string("a\0b", 3); }), "name");
  EXPECT_EQ(with([](F& f) { f.name = "a\nb"; }), "name");
  EXPECT_EQ(with([](F& f) { f.name = "a\xC2\x85"; }), "name");  // U+0085, a C1 control
  EXPECT_EQ(with([](F& f) { f.name = "a\xFF"; }), "name");      // not UTF-8
  EXPECT_EQ(with([](F& f) { f.dosage = std::string(101, '1'); }), "dosage");
  EXPECT_EQ(with([](F& f) { f.dosage = "1\x1b[31m"; }), "dosage");
  EXPECT_EQ(with([](F& f) { f.memo = "line 1\nline 2\tend"; }), "<valid>");
  EXPECT_EQ(with([](F& f) { f.memo = std::string(1001, 'm'); }), "memo");
  EXPECT_EQ(with([](F& f) { f.memo = "bell\a"; }), "memo");
  EXPECT_EQ(with([](F& f) {
              f.time_slots.clear();
              for (int h = 0; h < 24; ++h) {
                f.time_slots.push_back(dd::TimeOfDay{std::chrono::hours(h)});
              }
            }),
            "<valid>");
  EXPECT_EQ(with([](F& f) {
              f.time_slots.clear();
              for (int m = 0; m < 25; ++m) {
                f.time_slots.push_back(dd::TimeOfDay{std::chrono::minutes(m)});
              }
            }),
            "time_slots");
  EXPECT_EQ(with([](F& f) { f.end_date = dd::add_days(f.start_date, 3649); }), "<valid>");
  EXPECT_EQ(with([](F& f) { f.end_date = dd::add_days(f.start_date, 3650); }), "end_date");
  EXPECT_EQ(with([](F& f) { f.pattern = {3651, 0}; }), "take_days");
  EXPECT_EQ(with([](F& f) { f.pattern = {1, 3651}; }), "rest_days");
}
