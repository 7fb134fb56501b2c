// Shared helpers for the MedicationStore tests: a fixed clock at 2026-11-24 09:30 (a Tuesday; the
// default horizon is 2026-12-31), an in-memory store and params builders; temporary folders are
// ScratchDir (tests/scratch_dir.h).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../scratch_dir.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/schedule_params.h"

namespace dd_test {

namespace dd = dailydrug::app;

inline dd::Date D(const char* text) {
  return dd::parse_date(text).value();
}
inline dd::LocalDateTime T(const char* text) {
  return dd::parse_local_date_time(text).value();
}

/// A daily schedule for a new medicine; adjust the fields before create().
inline dd::CreateScheduleParams::Fields schedule_fields(const char* start,
                                                        std::optional<const char*> end,
                                                        std::vector<const char*> times) {
  dd::CreateScheduleParams::Fields f;
  f.name = "타이레놀";
  f.dosage = "1정";
  f.start_date = D(start);
  if (end) {
    f.end_date = D(*end);
  }
  for (const char* t : times) {
    f.time_slots.push_back(dd::parse_time_of_day(t).value());
  }
  return f;
}

inline dd::CreateScheduleParams make_params(dd::CreateScheduleParams::Fields f) {
  auto params = dd::CreateScheduleParams::create(std::move(f));
  EXPECT_TRUE(params.ok()) << (params.ok() ? "" : params.error().message());
  return std::move(params).value();
}

inline std::vector<std::string> times_of(const std::vector<dd::ScheduledDose>& doses) {
  std::vector<std::string> out;
  out.reserve(doses.size());
  for (const auto& d : doses) {
    out.push_back(dd::format_local_date_time(d.record.scheduled_at));
  }
  return out;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = dd::MedicationStore::open_in_memory(clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_.emplace(std::move(opened).value());
  }

  dd::MedicationStore& store() { return *store_; }

  dd::SavedSchedule save(dd::CreateScheduleParams::Fields f) {
    auto saved = store().save_schedule(make_params(std::move(f)));
    EXPECT_TRUE(saved.ok()) << (saved.ok() ? "" : saved.error().message());
    return saved.ok() ? *saved : dd::SavedSchedule{};
  }

  std::vector<dd::ScheduledDose> all_doses() {
    auto doses = store().doses_between(T("1970-01-01T00:00"), T("2999-12-31T23:59"));
    EXPECT_TRUE(doses.ok());
    return doses.ok() ? *doses : std::vector<dd::ScheduledDose>{};
  }

  dd::RecordId dose_at(const char* when) {
    for (const auto& d : all_doses()) {
      if (d.record.scheduled_at == T(when)) {
        return d.record.id;
      }
    }
    ADD_FAILURE() << "no dose at " << when;
    return 0;
  }

  std::shared_ptr<dd::FixedClock> clock_ = std::make_shared<dd::FixedClock>(T("2026-11-24T09:30"));
  std::optional<dd::MedicationStore> store_;
};

}  // namespace dd_test
