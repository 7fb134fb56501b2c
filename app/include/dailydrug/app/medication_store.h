// MedicationStore: DailyDrug's medicines, schedules and dose records in one SQLite file.
//
// - Schema: a `schema_version` table plus ordered migrations, applied in a transaction each when
//   the file is opened. Foreign keys are ON (deleting a medicine deletes its schedules and
//   records), the journal is WAL, and every multi-row write runs in one transaction.
// - Occurrences: each active schedule's doses are materialised as PENDING records up to a horizon
//   (by default the end of next month). A UNIQUE (schedule_id, scheduled_at) key makes duplicates
//   impossible, whatever the caller does.
// - Editing a schedule replaces only PENDING records scheduled at or after "now"; taken and
//   skipped records (and past pending ones, i.e. missed doses) are history and stay. (The Android
//   app deletes from min(today, start date), which erased history; this is the fix.)
// - "Now" comes from the injected Clock, so tests are deterministic.
//
// Thread-safety: one store per thread; the object is movable, not copyable. Several processes may
// use the same file (SQLite locking, WAL, 5 s busy timeout).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/dose_record.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/medicine.h"
#include "dailydrug/app/reminder.h"
#include "dailydrug/app/schedule.h"
#include "dailydrug/app/schedule_params.h"
#include "dailydrug/app/sqlite.h"

namespace dailydrug::app {

/// The schema version this build writes; opening a newer file is refused.
inline constexpr int kSchemaVersion = 1;

/// Where the database lives when no path is given: $XDG_DATA_HOME/dailydrug/dailydrug.db if
/// XDG_DATA_HOME is set to an absolute path, else $HOME/.local/share/dailydrug/dailydrug.db.
/// `getenv` is injectable for tests. Errors: Storage("HOME") if neither variable is usable.
Result<std::filesystem::path> default_database_path(
    const std::function<const char*(const char*)>& getenv = nullptr);

/// What save_schedule did.
struct SavedSchedule {
  MedicineId medicine_id = 0;
  ScheduleId schedule_id = 0;
  int records_added = 0;    // PENDING records materialised
  int records_removed = 0;  // future PENDING records replaced (updates only)
};

/// Filter for history(); every field is optional.
struct HistoryQuery {
  std::optional<MedicineId> medicine_id;
  std::optional<Date> from;  // inclusive, by scheduled date
  std::optional<Date> to;    // inclusive, by scheduled date
  std::optional<DoseStatus> status;
  /// false: leave out PENDING records scheduled after now (they have not happened yet).
  bool include_upcoming = false;
};

class MedicationStore {
 public:
  /// Opens or creates the database at `path` and migrates it to kSchemaVersion. The parent folder
  /// must exist. Refuses, without modifying the file, a file that is not SQLite, a corrupt one, an
  /// SQLite file holding other tables (not a DailyDrug database) and a newer schema.
  /// `clock` defaults to the SystemClock. Errors: Storage(path) with the reason.
  static Result<MedicationStore> open(const std::filesystem::path& path,
                                      std::shared_ptr<const Clock> clock = nullptr);
  /// A private in-memory database (tests). Errors: Storage.
  static Result<MedicationStore> open_in_memory(std::shared_ptr<const Clock> clock = nullptr);

  MedicationStore(MedicationStore&&) noexcept = default;
  MedicationStore& operator=(MedicationStore&&) noexcept = default;

  /// The applied schema version (kSchemaVersion after open).
  Result<int> schema_version();
  const Clock& clock() const { return *clock_; }

  // --- Medicines --------------------------------------------------------------------------------

  /// All medicines by id. Errors: Storage.
  Result<std::vector<Medicine>> list_medicines();
  /// Errors: NotFound("medicine"), Storage.
  Result<Medicine> get_medicine(MedicineId id);
  /// Deletes the medicine with its schedules and all their records. Errors: NotFound, Storage.
  Status delete_medicine(MedicineId id);

  // --- Schedules --------------------------------------------------------------------------------

  /// Creates or updates, in one transaction:
  /// - no medicine_id: inserts a medicine (created_at = now); else updates that medicine's name,
  ///   dosage, colour and memo.
  /// - no schedule_id: inserts an active schedule and materialises its records from the start
  ///   date (past days included, as PENDING = missed) up to min(end, end of next month).
  /// - schedule_id: updates the schedule (keeping `active`) and replaces its PENDING records at or
  ///   after now by the new schedule's occurrences from now up to min(end, end of next month)
  ///   (none if inactive). Occurrences present before and after keep their record id. Taken,
  ///   skipped and past records are never touched.
  /// Errors: NotFound("medicine" | "schedule"), Invalid("schedule_id") if the schedule belongs to
  /// another medicine than medicine_id, Storage.
  Result<SavedSchedule> save_schedule(const CreateScheduleParams& params);
  /// Errors: NotFound("schedule"), Storage.
  Result<MedicationSchedule> get_schedule(ScheduleId id);
  /// The medicine's schedules by id. Errors: NotFound("medicine"), Storage.
  Result<std::vector<MedicationSchedule>> schedules_for_medicine(MedicineId id);
  /// Deactivating removes PENDING records at or after now; reactivating materialises from now to
  /// the default horizon. Same value again is a no-op. Errors: NotFound("schedule"), Storage.
  Status set_schedule_active(ScheduleId id, bool active);
  /// Deletes the schedule and its records. Errors: NotFound("schedule"), Storage.
  Status delete_schedule(ScheduleId id);

  // --- Occurrences ------------------------------------------------------------------------------

  /// For every active schedule, materialises records from the day after its latest record (or
  /// its start date) through min(end date, `horizon`). Returns how many were added; running it
  /// twice adds nothing. Errors: Storage.
  Result<int> ensure_occurrences_up_to(Date horizon);
  /// ensure_occurrences_up_to(end_of_next_month(today)).
  Result<int> ensure_occurrences();

  // --- Doses ------------------------------------------------------------------------------------

  /// Doses scheduled on `date`, by time then record id. Errors: Storage.
  Result<std::vector<ScheduledDose>> doses_on(Date date);
  /// Doses with from <= scheduled_at < to, by time then record id. Errors: Storage.
  Result<std::vector<ScheduledDose>> doses_between(LocalDateTime from, LocalDateTime to);
  /// Errors: NotFound("record"), Storage.
  Result<ScheduledDose> get_dose(RecordId id);
  /// Marks the dose TAKEN at `taken_at` (default now); a SKIPPED dose becomes TAKEN. Idempotent:
  /// an already TAKEN dose is returned unchanged (its first taken time is kept). `note`, if given,
  /// replaces the note. Errors: NotFound("record"), Storage.
  Result<ScheduledDose> take_dose(RecordId id, std::optional<LocalDateTime> taken_at = std::nullopt,
                                  const std::optional<std::string>& note = std::nullopt);
  /// Marks the dose SKIPPED. Idempotent for a SKIPPED dose. Errors: NotFound("record"),
  /// Conflict("record") if it was already TAKEN (skipping would erase the intake), Storage.
  Result<ScheduledDose> skip_dose(RecordId id,
                                  const std::optional<std::string>& note = std::nullopt);
  /// Past and decided doses matching `query`, newest first.
  /// Errors: NotFound("medicine") for an unknown medicine_id, Storage.
  Result<std::vector<ScheduledDose>> history(const HistoryQuery& query);
  /// The alerts active now (see reminders_at) among today's doses. Errors: Storage.
  Result<std::vector<Reminder>> reminders(const ReminderPolicy& policy = {});

 private:
  MedicationStore(sqlite::Database db, std::shared_ptr<const Clock> clock)
      : db_(std::move(db)), clock_(std::move(clock)) {}
  static Result<MedicationStore> open_database(const std::string& path, const std::string& label,
                                               std::shared_ptr<const Clock> clock);

  Result<MedicationSchedule> load_schedule(ScheduleId id);
  Result<std::vector<MedicationSchedule>> load_active_schedules();
  Result<int> insert_occurrences(const MedicationSchedule& schedule,
                                 const std::vector<LocalDateTime>& occurrences);
  Result<int> delete_pending_from(ScheduleId id, LocalDateTime from);
  /// The schedule's occurrences in [now, horizon] (none if inactive), in order.
  std::vector<LocalDateTime> occurrences_from_now(const MedicationSchedule& schedule,
                                                  Date horizon) const;
  /// Makes the future PENDING records match occurrences_from_now(); returns added/removed counts.
  Result<SavedSchedule> replace_future_pending(const MedicationSchedule& schedule, Date horizon);
  // A value bound to a `?` of fixed SQL text.
  using SqlArg = std::variant<int64_t, std::string>;
  /// Runs the dose SELECT followed by `tail_sql` (fixed WHERE/ORDER text with `?` placeholders).
  Result<std::vector<ScheduledDose>> query_doses(const std::string& tail_sql,
                                                 const std::vector<SqlArg>& args);
  Status require_medicine(MedicineId id);

  sqlite::Database db_;
  std::shared_ptr<const Clock> clock_;
};

}  // namespace dailydrug::app
