// MedicationStore: creating and editing schedules, materialising occurrences up to the end of next
// month without duplicates, inactive schedules, and the history-keeping edit.
#include <gtest/gtest.h>

#include <algorithm>

#include "app_store_fixture.h"
#include "dailydrug/app/sqlite.h"

namespace dd = dailydrug::app;
using namespace dd_test;

namespace {

class AppStoreScheduleTest : public StoreTest {};

int count_status(const std::vector<dd::ScheduledDose>& doses, dd::DoseStatus status) {
  return static_cast<int>(std::count_if(doses.begin(), doses.end(),
                                        [&](const auto& d) { return d.status() == status; }));
}

}  // namespace

TEST_F(AppStoreScheduleTest, CreateStoresMedicineAndSchedule) {
  auto f = schedule_fields("2026-11-24", "2026-11-28", {"20:00", "08:00"});
  f.color_argb = 0xFFFF0000u;
  f.memo = "식후 30분";
  const auto saved = save(f);
  EXPECT_GT(saved.medicine_id, 0);
  EXPECT_GT(saved.schedule_id, 0);

  const auto medicine = store().get_medicine(saved.medicine_id);
  ASSERT_TRUE(medicine.ok());
  EXPECT_EQ(medicine->name, "타이레놀");
  EXPECT_EQ(medicine->dosage, "1정");
  EXPECT_EQ(medicine->color_argb, 0xFFFF0000u);
  EXPECT_EQ(medicine->memo, "식후 30분");
  EXPECT_EQ(medicine->created_at, T("2026-11-24T09:30"));  // from the injected clock

  const auto schedule = store().get_schedule(saved.schedule_id);
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(schedule->medicine_id, saved.medicine_id);
  EXPECT_EQ(schedule->start_date, D("2026-11-24"));
  EXPECT_EQ(schedule->end_date, D("2026-11-28"));
  EXPECT_EQ(schedule->time_slots.size(), 2u);
  EXPECT_EQ(dd::format_time_of_day(schedule->time_slots[0]), "08:00");
  EXPECT_TRUE(schedule->active);
}

TEST_F(AppStoreScheduleTest, ClosedScheduleEndingBeforeHorizon) {
  const auto saved = save(schedule_fields("2026-11-24", "2026-11-28", {"08:00", "20:00"}));
  EXPECT_EQ(saved.records_added, 10);
  const auto doses = all_doses();
  ASSERT_EQ(doses.size(), 10u);
  EXPECT_EQ(dd::format_local_date_time(doses.front().record.scheduled_at), "2026-11-24T08:00");
  EXPECT_EQ(dd::format_local_date_time(doses.back().record.scheduled_at), "2026-11-28T20:00");
  EXPECT_EQ(count_status(doses, dd::DoseStatus::kPending), 10);
}

TEST_F(AppStoreScheduleTest, OpenEndedStopsAtEndOfNextMonth) {
  const auto saved = save(schedule_fields("2026-11-24", std::nullopt, {"08:00"}));
  EXPECT_EQ(saved.records_added, 38);  // Nov 24–30 and all of December
  EXPECT_EQ(dd::format_local_date_time(all_doses().back().record.scheduled_at), "2026-12-31T08:00");
}

TEST_F(AppStoreScheduleTest, PastStartMaterialisesMissedDays) {
  save(schedule_fields("2026-11-20", "2026-11-25", {"08:00"}));
  EXPECT_EQ(times_of(all_doses()),
            (std::vector<std::string>{"2026-11-20T08:00", "2026-11-21T08:00", "2026-11-22T08:00",
                                      "2026-11-23T08:00", "2026-11-24T08:00", "2026-11-25T08:00"}));
}

TEST_F(AppStoreScheduleTest, FollowsTheTakeRestCycle) {
  auto f = schedule_fields("2026-11-24", "2026-12-03", {"09:00"});
  f.pattern = {2, 1};
  save(f);
  EXPECT_EQ(times_of(all_doses()),
            (std::vector<std::string>{"2026-11-24T09:00", "2026-11-25T09:00", "2026-11-27T09:00",
                                      "2026-11-28T09:00", "2026-11-30T09:00", "2026-12-01T09:00",
                                      "2026-12-03T09:00"}));
}

TEST_F(AppStoreScheduleTest, StartAfterHorizonWaitsForLaterRuns) {
  const auto saved = save(schedule_fields("2027-02-01", std::nullopt, {"08:00"}));
  EXPECT_EQ(saved.records_added, 0);
  clock_->set(T("2027-01-05T06:00"));  // horizon becomes 2027-02-28
  const auto added = store().ensure_occurrences();
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 28);
  EXPECT_EQ(dd::format_local_date_time(all_doses().front().record.scheduled_at),
            "2027-02-01T08:00");
}

TEST_F(AppStoreScheduleTest, EnsureIsIdempotentAndResumesAfterLatestRecord) {
  save(schedule_fields("2026-11-24", std::nullopt, {"08:00", "20:00"}));
  const auto again = store().ensure_occurrences();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);

  clock_->set(T("2026-12-01T00:05"));  // the 1st: extend to the end of January
  const auto january = store().ensure_occurrences();
  ASSERT_TRUE(january.ok());
  EXPECT_EQ(*january, 62);
  EXPECT_EQ(dd::format_local_date_time(all_doses().back().record.scheduled_at), "2027-01-31T20:00");
}

TEST_F(AppStoreScheduleTest, ResumedCycleStaysAnchoredAtStart) {
  auto f = schedule_fields("2026-11-24", std::nullopt, {"08:00"});
  f.pattern = {1, 1};
  save(f);  // Nov 24, 26, 28, 30, Dec 2, ..., Dec 30
  clock_->set(T("2026-12-15T12:00"));
  ASSERT_TRUE(store().ensure_occurrences().ok());
  const auto doses = all_doses();
  const auto jan = std::find_if(doses.begin(), doses.end(), [](const auto& d) {
    return dd::date_of(d.record.scheduled_at) >= D("2027-01-01");
  });
  ASSERT_NE(jan, doses.end());
  EXPECT_EQ(dd::format_local_date_time(jan->record.scheduled_at), "2027-01-01T08:00");
  EXPECT_EQ(dd::format_local_date_time(doses.back().record.scheduled_at), "2027-01-31T08:00");
}

TEST_F(AppStoreScheduleTest, LeapDayAndShortMonthHorizons) {
  clock_->set(T("2028-01-31T10:00"));  // horizon 2028-02-29
  save(schedule_fields("2028-02-27", std::nullopt, {"08:00"}));
  EXPECT_EQ(times_of(all_doses()),
            (std::vector<std::string>{"2028-02-27T08:00", "2028-02-28T08:00", "2028-02-29T08:00"}));
}

TEST_F(AppStoreScheduleTest, UniqueKeyRejectsDuplicateOccurrences) {
  ScratchDir dir("dd_app_test");
  const auto path = dir.path() / "unique.db";
  {
    auto store = dd::MedicationStore::open(path, clock_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(
        store->save_schedule(make_params(schedule_fields("2026-11-24", "2026-11-24", {"08:00"})))
            .ok());
  }
  auto db = dd::sqlite::Database::open(path.string());
  ASSERT_TRUE(db.ok());
  const auto insert =
      db->exec("INSERT INTO records (schedule_id, scheduled_at) VALUES (1, '2026-11-24T08:00')");
  ASSERT_FALSE(insert.ok());
  EXPECT_NE(insert.error().detail.find("UNIQUE"), std::string::npos) << insert.error().detail;
}

TEST_F(AppStoreScheduleTest, DuplicateSlotsNeverDuplicateRecords) {
  save(schedule_fields("2026-11-24", "2026-11-24", {"08:00", "08:00", "8:00"}));
  EXPECT_EQ(all_doses().size(), 1u);
}

TEST_F(AppStoreScheduleTest, EditKeepsTakenSkippedAndPastRecords) {
  const auto saved = save(schedule_fields("2026-11-20", std::nullopt, {"08:00", "20:00"}));
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-20T08:00")).ok());
  ASSERT_TRUE(store().skip_dose(dose_at("2026-11-21T20:00")).ok());
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-24T08:00")).ok());

  // Edit at 09:30 on Nov 24: one 09:00 slot, start moved back to Nov 1 (the Android app deleted
  // everything from min(today, start) = Nov 1, taken history included).
  auto f = schedule_fields("2026-11-01", std::nullopt, {"09:00"});
  f.schedule_id = saved.schedule_id;
  const auto edited = save(f);
  EXPECT_EQ(edited.schedule_id, saved.schedule_id);
  EXPECT_EQ(edited.medicine_id, saved.medicine_id);

  auto history = store().doses_between(T("2026-11-01T00:00"), T("2026-11-24T23:59"));
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(times_of(*history),
            (std::vector<std::string>{"2026-11-20T08:00", "2026-11-20T20:00", "2026-11-21T08:00",
                                      "2026-11-21T20:00", "2026-11-22T08:00", "2026-11-22T20:00",
                                      "2026-11-23T08:00", "2026-11-23T20:00",
                                      "2026-11-24T08:00"}));  // today's 20:00 was replaced
  EXPECT_EQ(count_status(*history, dd::DoseStatus::kTaken), 2);
  EXPECT_EQ(count_status(*history, dd::DoseStatus::kSkipped), 1);
  // Today 09:00 is already past at 09:30: not created. From tomorrow on, only 09:00.
  auto future = store().doses_between(T("2026-11-24T09:30"), T("2027-01-01T00:00"));
  ASSERT_TRUE(future.ok());
  ASSERT_EQ(future->size(), 37u);  // Nov 25 – Dec 31
  EXPECT_EQ(dd::format_local_date_time(future->front().record.scheduled_at), "2026-11-25T09:00");
  EXPECT_EQ(edited.records_added, 37);
  EXPECT_EQ(edited.records_removed, 38 * 2 - 1);  // all future 08:00/20:00 from 20:00 today
}

TEST_F(AppStoreScheduleTest, EditKeepsFutureDecisions) {
  const auto saved = save(schedule_fields("2026-11-24", std::nullopt, {"08:00", "20:00"}));
  // Decided ahead of time: a skip tomorrow evening and a dose taken early for the day after
  // survive an edit that drops 20:00.
  ASSERT_TRUE(store().skip_dose(dose_at("2026-11-25T20:00")).ok());
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-26T20:00")).ok());
  auto f = schedule_fields("2026-11-24", std::nullopt, {"08:00"});
  f.schedule_id = saved.schedule_id;
  save(f);
  auto decided = store().doses_between(T("2026-11-25T00:00"), T("2026-11-27T00:00"));
  ASSERT_TRUE(decided.ok());
  EXPECT_EQ(times_of(*decided), (std::vector<std::string>{"2026-11-25T08:00", "2026-11-25T20:00",
                                                          "2026-11-26T08:00", "2026-11-26T20:00"}));
  EXPECT_EQ((*decided)[1].status(), dd::DoseStatus::kSkipped);
  EXPECT_EQ((*decided)[3].status(), dd::DoseStatus::kTaken);
}

TEST_F(AppStoreScheduleTest, EditWithoutTimingChangeKeepsRecordIds) {
  const auto saved = save(schedule_fields("2026-11-24", "2026-12-10", {"08:00", "20:00"}));
  const auto before = all_doses();
  auto f = schedule_fields("2026-11-24", "2026-12-10", {"08:00", "20:00"});
  f.schedule_id = saved.schedule_id;
  f.name = "타이레놀 500";
  f.memo = "새 메모";
  const auto edited = save(f);
  EXPECT_EQ(edited.records_added, 0);
  EXPECT_EQ(edited.records_removed, 0);
  const auto after = all_doses();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].record.id, before[i].record.id);
  }
  EXPECT_EQ(after.front().medicine.name, "타이레놀 500");
}

TEST_F(AppStoreScheduleTest, ShorteningTheEndDateRemovesOnlyFuturePending) {
  const auto saved = save(schedule_fields("2026-11-20", std::nullopt, {"08:00"}));
  auto f = schedule_fields("2026-11-20", "2026-11-26", {"08:00"});
  f.schedule_id = saved.schedule_id;
  save(f);
  EXPECT_EQ(all_doses().size(), 7u);  // Nov 20–26
}

TEST_F(AppStoreScheduleTest, EditErrors) {
  const auto a = save(schedule_fields("2026-11-24", "2026-11-25", {"08:00"}));
  const auto b = save(schedule_fields("2026-11-24", "2026-11-25", {"09:00"}));

  auto f = schedule_fields("2026-11-24", "2026-11-25", {"08:00"});
  f.schedule_id = 999;
  auto r = store().save_schedule(make_params(f));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, dd::ErrorKind::kNotFound);
  EXPECT_EQ(r.error().subject, "schedule");

  f = schedule_fields("2026-11-24", "2026-11-25", {"08:00"});
  f.medicine_id = 999;
  r = store().save_schedule(make_params(f));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, dd::ErrorKind::kNotFound);
  EXPECT_EQ(r.error().subject, "medicine");

  f.medicine_id = a.medicine_id;
  f.schedule_id = b.schedule_id;  // b's schedule under a's medicine
  r = store().save_schedule(make_params(f));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, dd::ErrorKind::kInvalid);
  EXPECT_EQ(r.error().subject, "schedule_id");

  // Nothing of the failed saves was written.
  EXPECT_EQ(all_doses().size(), 4u);
  const auto medicines = store().list_medicines();
  ASSERT_TRUE(medicines.ok());
  EXPECT_EQ(medicines->size(), 2u);
}

TEST_F(AppStoreScheduleTest, SecondScheduleForExistingMedicine) {
  const auto first = save(schedule_fields("2026-11-24", "2026-11-25", {"08:00"}));
  auto f = schedule_fields("2026-11-26", "2026-11-27", {"21:00"});
  f.medicine_id = first.medicine_id;
  const auto second = save(f);
  EXPECT_EQ(second.medicine_id, first.medicine_id);
  EXPECT_NE(second.schedule_id, first.schedule_id);
  const auto schedules = store().schedules_for_medicine(first.medicine_id);
  ASSERT_TRUE(schedules.ok());
  EXPECT_EQ(schedules->size(), 2u);
  EXPECT_EQ(all_doses().size(), 4u);
}

TEST_F(AppStoreScheduleTest, InactiveSchedulesAreNotMaterialised) {
  const auto saved = save(schedule_fields("2026-11-20", std::nullopt, {"08:00", "20:00"}));
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-21T08:00")).ok());
  ASSERT_TRUE(store().set_schedule_active(saved.schedule_id, false).ok());
  // Past records stay (history and missed doses), future pending ones go: today's 20:00 included.
  auto doses = all_doses();
  EXPECT_EQ(dd::format_local_date_time(doses.back().record.scheduled_at), "2026-11-24T08:00");
  EXPECT_EQ(doses.size(), 9u);

  clock_->set(T("2026-12-01T00:01"));
  const auto added = store().ensure_occurrences();
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 0);

  // An edit of a paused schedule keeps it paused and adds nothing.
  auto f = schedule_fields("2026-11-20", std::nullopt, {"07:00"});
  f.schedule_id = saved.schedule_id;
  EXPECT_EQ(save(f).records_added, 0);
  const auto schedule = store().get_schedule(saved.schedule_id);
  ASSERT_TRUE(schedule.ok());
  EXPECT_FALSE(schedule->active);

  // Resuming materialises from now on only: no missed doses for the paused week.
  ASSERT_TRUE(store().set_schedule_active(saved.schedule_id, true).ok());
  doses = all_doses();
  EXPECT_EQ(doses.size(), 9u + 62u);  // Dec 1 07:00 is after 00:01, through Jan 31
  ASSERT_TRUE(store().set_schedule_active(saved.schedule_id, true).ok());  // no-op
  EXPECT_EQ(all_doses().size(), 71u);
  EXPECT_EQ(store().set_schedule_active(999, true).error().kind, dd::ErrorKind::kNotFound);
}

TEST_F(AppStoreScheduleTest, DeleteMedicineCascades) {
  const auto saved = save(schedule_fields("2026-11-24", "2026-11-30", {"08:00"}));
  ASSERT_TRUE(store().take_dose(dose_at("2026-11-24T08:00")).ok());
  ASSERT_TRUE(store().delete_medicine(saved.medicine_id).ok());
  EXPECT_TRUE(all_doses().empty());
  EXPECT_EQ(store().get_schedule(saved.schedule_id).error().kind, dd::ErrorKind::kNotFound);
  EXPECT_EQ(store().get_medicine(saved.medicine_id).error().kind, dd::ErrorKind::kNotFound);
  EXPECT_EQ(store().delete_medicine(saved.medicine_id).error().kind, dd::ErrorKind::kNotFound);
}

TEST_F(AppStoreScheduleTest, DeleteScheduleCascades) {
  const auto saved = save(schedule_fields("2026-11-24", "2026-11-30", {"08:00"}));
  ASSERT_TRUE(store().delete_schedule(saved.schedule_id).ok());
  EXPECT_TRUE(all_doses().empty());
  EXPECT_TRUE(store().get_medicine(saved.medicine_id).ok());  // the medicine stays
  EXPECT_EQ(store().delete_schedule(saved.schedule_id).error().kind, dd::ErrorKind::kNotFound);
  const auto schedules = store().schedules_for_medicine(saved.medicine_id);
  ASSERT_TRUE(schedules.ok());
  EXPECT_TRUE(schedules->empty());
  EXPECT_EQ(store().schedules_for_medicine(999).error().kind, dd::ErrorKind::kNotFound);
}
