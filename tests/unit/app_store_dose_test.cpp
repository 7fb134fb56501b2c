// MedicationStore: today's doses, take/skip (idempotent, typed errors), history filters and
// reminders through the injected clock.
#include <gtest/gtest.h>

#include "app_store_fixture.h"
#include "dailydrug/app/dose_grouping.h"

namespace dd = dailydrug::app;
using namespace dd_test;
using namespace std::chrono_literals;

namespace {

class AppStoreDoseTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    auto tylenol = schedule_fields("2026-11-22", "2026-11-26", {"08:00", "20:00"});
    tylenol_ = save(tylenol);
    auto vitamin = schedule_fields("2026-11-24", "2026-11-24", {"12:30", "07:00"});
    vitamin.name = "비타민";
    vitamin.dosage = "1알";
    vitamin_ = save(vitamin);
  }
  dd::SavedSchedule tylenol_, vitamin_;
};

}  // namespace

TEST_F(AppStoreDoseTest, DosesOnADayJoinMedicineAndSchedule) {
  const auto today = store().doses_on(D("2026-11-24"));
  ASSERT_TRUE(today.ok());
  EXPECT_EQ(times_of(*today), (std::vector<std::string>{"2026-11-24T07:00", "2026-11-24T08:00",
                                                        "2026-11-24T12:30", "2026-11-24T20:00"}));
  EXPECT_EQ((*today)[0].medicine.name, "비타민");
  EXPECT_EQ((*today)[0].schedule.id, vitamin_.schedule_id);
  EXPECT_EQ((*today)[1].medicine.dosage, "1정");
  const auto groups = dd::group_by_time_period(*today);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].doses.size(), 2u);
  EXPECT_EQ(groups[0].pending_count(), 2);
  const auto empty = store().doses_on(D("2026-12-25"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(AppStoreDoseTest, TakeRecordsNowAndIsIdempotent) {
  const dd::RecordId id = dose_at("2026-11-24T08:00");
  auto taken = store().take_dose(id);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->status(), dd::DoseStatus::kTaken);
  EXPECT_EQ(taken->record.taken_at, T("2026-11-24T09:30"));

  clock_->advance(2h);
  auto again = store().take_dose(id, T("2026-11-24T11:00"), "두 번째");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->record.taken_at, T("2026-11-24T09:30"));  // the first intake is kept
  EXPECT_EQ(again->record.note, "");
}

TEST_F(AppStoreDoseTest, TakeAtAGivenTimeWithNote) {
  const auto taken = store().take_dose(dose_at("2026-11-24T07:00"), T("2026-11-24T07:10"), "식후");
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->record.taken_at, T("2026-11-24T07:10"));
  EXPECT_EQ(taken->record.note, "식후");
  const auto stored = store().get_dose(taken->record.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->record.note, "식후");
}

TEST_F(AppStoreDoseTest, SkipIsIdempotentAndCanStillBeTaken) {
  const dd::RecordId id = dose_at("2026-11-24T12:30");
  auto skipped = store().skip_dose(id, "속이 안 좋음");
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->status(), dd::DoseStatus::kSkipped);
  EXPECT_FALSE(skipped->record.taken_at.has_value());
  auto again = store().skip_dose(id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status(), dd::DoseStatus::kSkipped);
  EXPECT_EQ(again->record.note, "속이 안 좋음");

  auto taken = store().take_dose(id);  // changed their mind
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->status(), dd::DoseStatus::kTaken);
  EXPECT_FALSE(taken->record.skipped);
}

TEST_F(AppStoreDoseTest, SkippingATakenDoseIsAConflict) {
  const dd::RecordId id = dose_at("2026-11-24T08:00");
  ASSERT_TRUE(store().take_dose(id).ok());
  const auto skipped = store().skip_dose(id);
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.error().kind, dd::ErrorKind::kConflict);
  EXPECT_EQ(skipped.error().id, id);
  const auto stored = store().get_dose(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status(), dd::DoseStatus::kTaken);
}

TEST_F(AppStoreDoseTest, UnknownRecordIsNotFound) {
  for (const auto& error : {store().take_dose(4242).error(), store().skip_dose(4242).error(),
                            store().get_dose(4242).error()}) {
    EXPECT_EQ(error.kind, dd::ErrorKind::kNotFound);
    EXPECT_EQ(error.subject, "record");
    EXPECT_EQ(error.id, 4242);
    EXPECT_EQ(error.message(), "record 4242 not found");
  }
}

TEST_F(AppStoreDoseTest, HistoryIsPastOrDecidedNewestFirst) {
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-22T08:00")).ok());
  ASSERT_TRUE(store().skip_dose(dose_at("2026-11-26T20:00")).ok());  // decided ahead
  const auto history = store().history({});
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(times_of(*history),
            (std::vector<std::string>{"2026-11-26T20:00", "2026-11-24T08:00", "2026-11-24T07:00",
                                      "2026-11-23T20:00", "2026-11-23T08:00", "2026-11-22T20:00",
                                      "2026-11-22T08:00"}));
  dd::HistoryQuery everything;
  everything.include_upcoming = true;
  EXPECT_EQ(store().history(everything)->size(), 12u);
}

TEST_F(AppStoreDoseTest, HistoryFilters) {
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-22T08:00")).ok());
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-24T07:00")).ok());
  ASSERT_TRUE(store().skip_dose(dose_at("2026-11-23T20:00")).ok());

  dd::HistoryQuery by_medicine;
  by_medicine.medicine_id = vitamin_.medicine_id;
  EXPECT_EQ(times_of(*store().history(by_medicine)),
            (std::vector<std::string>{"2026-11-24T07:00"}));

  dd::HistoryQuery range;
  range.from = D("2026-11-23");
  range.to = D("2026-11-23");
  EXPECT_EQ(times_of(*store().history(range)),
            (std::vector<std::string>{"2026-11-23T20:00", "2026-11-23T08:00"}));

  dd::HistoryQuery taken;
  taken.status = dd::DoseStatus::kTaken;
  EXPECT_EQ(store().history(taken)->size(), 2u);
  dd::HistoryQuery skipped;
  skipped.status = dd::DoseStatus::kSkipped;
  EXPECT_EQ(store().history(skipped)->size(), 1u);
  dd::HistoryQuery missed;
  missed.status = dd::DoseStatus::kPending;
  EXPECT_EQ(times_of(*store().history(missed)),
            (std::vector<std::string>{"2026-11-24T08:00", "2026-11-23T08:00", "2026-11-22T20:00"}));

  dd::HistoryQuery unknown;
  unknown.medicine_id = 999;
  EXPECT_EQ(store().history(unknown).error().kind, dd::ErrorKind::kNotFound);
}

TEST_F(AppStoreDoseTest, RemindersFollowTheClock) {
  // 09:30: vitamin 07:00 re-alerts (2nd), tylenol 08:00 re-alerts (1st); 12:30 not yet due.
  auto reminders = store().reminders();
  ASSERT_TRUE(reminders.ok());
  ASSERT_EQ(reminders->size(), 2u);
  EXPECT_EQ((*reminders)[0].dose.medicine.name, "비타민");
  EXPECT_EQ((*reminders)[0].alert_number, 2);
  EXPECT_EQ((*reminders)[1].alert_number, 1);

  ASSERT_TRUE(store().take_dose(dose_at("2026-11-24T07:00")).ok());
  ASSERT_TRUE(store().skip_dose(dose_at("2026-11-24T08:00")).ok());
  EXPECT_TRUE(store().reminders()->empty());

  clock_->set(T("2026-11-24T12:30"));
  reminders = store().reminders();
  ASSERT_EQ(reminders->size(), 1u);
  EXPECT_EQ((*reminders)[0].kind, dd::ReminderKind::kDue);

  clock_->set(T("2026-11-25T00:30"));  // yesterday's unanswered doses went quiet at midnight
  EXPECT_TRUE(store().reminders()->empty());
  dd::ReminderPolicy forever;
  forever.stop_at_midnight = false;
  EXPECT_EQ(store().reminders(forever)->size(), 2u + 4u);  // Nov 24 12:30, 20:00 + earlier days
}
