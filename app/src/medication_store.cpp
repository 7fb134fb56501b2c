#include "dailydrug/app/medication_store.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "dailydrug/app/store_schema.h"

namespace dailydrug::app {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

constexpr const char* kMedicineColumns = "id, name, dosage, color_argb, memo, created_at";
constexpr const char* kScheduleColumns =
    "id, medicine_id, start_date, end_date, time_slots, take_days, rest_days, active";
// Record (0–6), schedule (7–14) and medicine (15–20) columns of one dose.
constexpr const char* kDoseSelect =
    "SELECT r.id, r.schedule_id, r.scheduled_at, r.taken_at, r.taken, r.skipped, r.note,"
    " s.id, s.medicine_id, s.start_date, s.end_date, s.time_slots, s.take_days, s.rest_days,"
    " s.active, m.id, m.name, m.dosage, m.color_argb, m.memo, m.created_at"
    " FROM records r JOIN schedules s ON s.id = r.schedule_id"
    " JOIN medicines m ON m.id = s.medicine_id ";
constexpr int kRecordColumn = 0;
constexpr int kScheduleColumn = 7;
constexpr int kMedicineColumn = 15;

Error malformed(const char* column, const std::string& value) {
  return Error::storage(column, "malformed stored value '" + value + "'");
}

Result<Date> read_date(const Statement& stmt, int column, const char* name) {
  const std::string text = stmt.column_text(column);
  const auto date = parse_date(text);
  if (!date) {
    return malformed(name, text);
  }
  return *date;
}

Result<LocalDateTime> read_date_time(const Statement& stmt, int column, const char* name) {
  const std::string text = stmt.column_text(column);
  const auto when = parse_local_date_time(text);
  if (!when) {
    return malformed(name, text);
  }
  return *when;
}

std::string slots_to_json(const std::vector<TimeOfDay>& slots) {
  nlohmann::json array = nlohmann::json::array();
  for (const TimeOfDay& slot : slots) {
    array.push_back(format_time_of_day(slot));
  }
  return array.dump();
}

Result<std::vector<TimeOfDay>> slots_from_json(const std::string& text) {
  const nlohmann::json array = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array() || array.empty()) {
    return malformed("schedules.time_slots", text);
  }
  std::vector<TimeOfDay> slots;
  for (const nlohmann::json& item : array) {
    const auto slot =
        item.is_string() ? parse_time_of_day(item.get_ref<const std::string&>()) : std::nullopt;
    if (!slot) {
      return malformed("schedules.time_slots", text);
    }
    slots.push_back(*slot);
  }
  return normalize_time_slots(std::move(slots));
}

Result<Medicine> read_medicine(const Statement& stmt, int first) {
  Medicine medicine;
  medicine.id = stmt.column_int64(first);
  medicine.name = stmt.column_text(first + 1);
  medicine.dosage = stmt.column_text(first + 2);
  medicine.color_argb = static_cast<uint32_t>(stmt.column_int64(first + 3));
  medicine.memo = stmt.column_text(first + 4);
  DD_APP_ASSIGN_OR_RETURN(medicine.created_at,
                          read_date_time(stmt, first + 5, "medicines.created_at"));
  return medicine;
}

Result<MedicationSchedule> read_schedule(const Statement& stmt, int first) {
  MedicationSchedule schedule;
  schedule.id = stmt.column_int64(first);
  schedule.medicine_id = stmt.column_int64(first + 1);
  DD_APP_ASSIGN_OR_RETURN(schedule.start_date, read_date(stmt, first + 2, "schedules.start_date"));
  if (!stmt.column_is_null(first + 3)) {
    DD_APP_ASSIGN_OR_RETURN(schedule.end_date, read_date(stmt, first + 3, "schedules.end_date"));
  }
  DD_APP_ASSIGN_OR_RETURN(schedule.time_slots, slots_from_json(stmt.column_text(first + 4)));
  schedule.pattern.take_days = static_cast<int>(stmt.column_int64(first + 5));
  schedule.pattern.rest_days = static_cast<int>(stmt.column_int64(first + 6));
  schedule.active = stmt.column_bool(first + 7);
  return schedule;
}

Result<MedicationRecord> read_record(const Statement& stmt, int first) {
  MedicationRecord record;
  record.id = stmt.column_int64(first);
  record.schedule_id = stmt.column_int64(first + 1);
  DD_APP_ASSIGN_OR_RETURN(record.scheduled_at,
                          read_date_time(stmt, first + 2, "records.scheduled_at"));
  if (!stmt.column_is_null(first + 3)) {
    DD_APP_ASSIGN_OR_RETURN(record.taken_at, read_date_time(stmt, first + 3, "records.taken_at"));
  }
  record.taken = stmt.column_bool(first + 4);
  record.skipped = stmt.column_bool(first + 5);
  record.note = stmt.column_text(first + 6);
  return record;
}

Result<ScheduledDose> read_dose(const Statement& stmt) {
  ScheduledDose dose;
  DD_APP_ASSIGN_OR_RETURN(dose.record, read_record(stmt, kRecordColumn));
  DD_APP_ASSIGN_OR_RETURN(dose.schedule, read_schedule(stmt, kScheduleColumn));
  DD_APP_ASSIGN_OR_RETURN(dose.medicine, read_medicine(stmt, kMedicineColumn));
  return dose;
}

std::optional<std::string> optional_date_text(std::optional<Date> date) {
  if (!date) {
    return std::nullopt;
  }
  return format_date(*date);
}

/// Steps `stmt` to its end, reading every row with `read_row` (Result<T>(const Statement&)).
template <typename T, typename ReadRow>
Result<std::vector<T>> read_rows(Statement& stmt, ReadRow read_row) {
  std::vector<T> rows;
  for (;;) {
    DD_APP_ASSIGN_OR_RETURN(const bool row, stmt.step());
    if (!row) {
      break;
    }
    DD_APP_ASSIGN_OR_RETURN(T value, read_row(stmt));
    rows.push_back(std::move(value));
  }
  return rows;
}

/// Prepares `sql` (whose one parameter is an id), binds `id` and steps to the first row: the
/// statement standing on that row, or NotFound(entity, id) when there is none.
Result<Statement> select_by_id(sqlite::Database& db, const std::string& sql, const char* entity,
                               int64_t id) {
  DD_APP_ASSIGN_OR_RETURN(auto stmt, db.prepare(sql));
  DD_APP_RETURN_IF_ERROR(stmt.bind(1, id));
  DD_APP_ASSIGN_OR_RETURN(const bool row, stmt.step());
  if (!row) {
    return Error::not_found(entity, id);
  }
  return stmt;
}

/// Run a one-row DELETE by id; NotFound(entity, id) when no row matched.
Status delete_row(sqlite::Database& db, const char* sql, const char* entity, int64_t id) {
  DD_APP_ASSIGN_OR_RETURN(auto stmt, db.prepare(sql));
  DD_APP_RETURN_IF_ERROR(stmt.bind(1, id));
  DD_APP_RETURN_IF_ERROR(stmt.run());
  if (db.changes() == 0) {
    return Error::not_found(entity, id);
  }
  return Status::Ok();
}

}  // namespace

Result<std::filesystem::path> default_database_path(
    const std::function<const char*(const char*)>& getenv) {
  const auto get = [&](const char* name) -> const char* {
    return getenv ? getenv(name) : std::getenv(name);
  };
  const char* xdg = get("XDG_DATA_HOME");
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg != nullptr && *xdg != '\0' && std::filesystem::path{xdg}.is_absolute()) {
    return std::filesystem::path{xdg} / "dailydrug" / "dailydrug.db";
  }
  const char* home = get("HOME");
  if (home != nullptr && *home != '\0') {
    return std::filesystem::path{home} / ".local" / "share" / "dailydrug" / "dailydrug.db";
  }
  return Error::storage("HOME", "neither XDG_DATA_HOME nor HOME is set; pass a database path");
}

// --- Opening ------------------------------------------------------------------------------------

Result<MedicationStore> MedicationStore::open(const std::filesystem::path& path,
                                              std::shared_ptr<const Clock> clock) {
  DD_APP_RETURN_IF_ERROR(check_database_file(path));
  return open_database(path.string(), path.string(), std::move(clock));
}

Result<MedicationStore> MedicationStore::open_in_memory(std::shared_ptr<const Clock> clock) {
  return open_database(":memory:", "in-memory database", std::move(clock));
}

Result<MedicationStore> MedicationStore::open_database(const std::string& path,
                                                       const std::string& label,
                                                       std::shared_ptr<const Clock> clock) {
  if (!clock) {
    clock = std::make_shared<SystemClock>();
  }
  auto opened = sqlite::Database::open(path);
  if (!opened.ok()) {
    return Error::storage(label, opened.error().detail);
  }
  sqlite::Database db = std::move(opened).value();
  const auto relabel = [&](const Error& e) { return Error::storage(label, e.detail); };
  // Neither PRAGMA touches the file; foreign keys must be on before any write.
  if (Status s = db.exec("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000"); !s.ok()) {
    return relabel(s.error());
  }
  DD_APP_RETURN_IF_ERROR(migrate_schema(db, label));
  // Only now that the file is known to be ours may we switch its journal mode.
  auto wal = db.prepare("PRAGMA journal_mode = WAL");
  if (!wal.ok()) {
    return relabel(wal.error());
  }
  if (auto row = wal->step(); !row.ok()) {
    return relabel(row.error());
  }
  return MedicationStore{std::move(db), std::move(clock)};
}

Result<int> MedicationStore::schema_version() {
  return applied_schema_version(db_);
}

// --- Medicines ----------------------------------------------------------------------------------

Result<std::vector<Medicine>> MedicationStore::list_medicines() {
  DD_APP_ASSIGN_OR_RETURN(auto stmt, db_.prepare(std::string{"SELECT "} + kMedicineColumns +
                                                 " FROM medicines ORDER BY id"));
  return read_rows<Medicine>(stmt, [](const Statement& row) { return read_medicine(row, 0); });
}

Result<Medicine> MedicationStore::get_medicine(MedicineId id) {
  DD_APP_ASSIGN_OR_RETURN(
      const auto stmt,
      select_by_id(db_, std::string{"SELECT "} + kMedicineColumns + " FROM medicines WHERE id = ?",
                   "medicine", id));
  return read_medicine(stmt, 0);
}

Status MedicationStore::require_medicine(MedicineId id) {
  DD_APP_RETURN_IF_ERROR(select_by_id(db_, "SELECT 1 FROM medicines WHERE id = ?", "medicine", id));
  return Status::Ok();
}

Status MedicationStore::delete_medicine(MedicineId id) {
  // One statement; the foreign keys cascade to schedules and records atomically.
  return delete_row(db_, "DELETE FROM medicines WHERE id = ?", "medicine", id);
}

// --- Schedules ----------------------------------------------------------------------------------

Result<MedicationSchedule> MedicationStore::load_schedule(ScheduleId id) {
  DD_APP_ASSIGN_OR_RETURN(
      const auto stmt,
      select_by_id(db_, std::string{"SELECT "} + kScheduleColumns + " FROM schedules WHERE id = ?",
                   "schedule", id));
  return read_schedule(stmt, 0);
}

Result<MedicationSchedule> MedicationStore::get_schedule(ScheduleId id) {
  return load_schedule(id);
}

Result<std::vector<MedicationSchedule>> MedicationStore::schedules_for_medicine(MedicineId id) {
  DD_APP_RETURN_IF_ERROR(require_medicine(id));
  DD_APP_ASSIGN_OR_RETURN(auto stmt, db_.prepare(std::string{"SELECT "} + kScheduleColumns +
                                                 " FROM schedules WHERE medicine_id = ?"
                                                 " ORDER BY id"));
  DD_APP_RETURN_IF_ERROR(stmt.bind(1, id));
  return read_rows<MedicationSchedule>(stmt,
                                       [](const Statement& row) { return read_schedule(row, 0); });
}

Result<std::vector<MedicationSchedule>> MedicationStore::load_active_schedules() {
  DD_APP_ASSIGN_OR_RETURN(auto stmt, db_.prepare(std::string{"SELECT "} + kScheduleColumns +
                                                 " FROM schedules WHERE active = 1 ORDER BY id"));
  return read_rows<MedicationSchedule>(stmt,
                                       [](const Statement& row) { return read_schedule(row, 0); });
}

Result<int> MedicationStore::insert_occurrences(const MedicationSchedule& schedule,
                                                const std::vector<LocalDateTime>& occurrences) {
  // The UNIQUE (schedule_id, scheduled_at) key is what rules out duplicates; an occurrence that
  // already exists (taken, skipped or pending) is kept as it is.
  DD_APP_ASSIGN_OR_RETURN(
      auto stmt, db_.prepare("INSERT INTO records (schedule_id, scheduled_at) VALUES (?, ?)"
                             " ON CONFLICT (schedule_id, scheduled_at) DO NOTHING"));
  int added = 0;
  for (const LocalDateTime& when : occurrences) {
    stmt.reset();
    DD_APP_RETURN_IF_ERROR(stmt.bind_all(schedule.id, format_local_date_time(when)));
    DD_APP_RETURN_IF_ERROR(stmt.run());
    added += db_.changes();
  }
  return added;
}

Result<int> MedicationStore::delete_pending_from(ScheduleId id, LocalDateTime from) {
  DD_APP_ASSIGN_OR_RETURN(auto stmt, db_.prepare("DELETE FROM records WHERE schedule_id = ?"
                                                 " AND taken = 0 AND skipped = 0"
                                                 " AND scheduled_at >= ?"));
  DD_APP_RETURN_IF_ERROR(stmt.bind_all(id, format_local_date_time(from)));
  DD_APP_RETURN_IF_ERROR(stmt.run());
  return db_.changes();
}

std::vector<LocalDateTime> MedicationStore::occurrences_from_now(const MedicationSchedule& schedule,
                                                                 Date horizon) const {
  const LocalDateTime now = clock_->now();
  std::vector<LocalDateTime> occurrences;
  if (!schedule.active) {
    return occurrences;
  }
  for (const LocalDateTime& when : schedule.occurrences_between(date_of(now), horizon)) {
    if (when >= now) {
      occurrences.push_back(when);
    }
  }
  return occurrences;
}

Result<SavedSchedule> MedicationStore::replace_future_pending(const MedicationSchedule& schedule,
                                                              Date horizon) {
  const LocalDateTime now = clock_->now();
  const std::vector<LocalDateTime> wanted = occurrences_from_now(schedule, horizon);
  // Future PENDING rows that the new schedule no longer produces are removed; the ones it still
  // produces stay (same id, so a dose number shown to the user a minute ago remains valid).
  DD_APP_ASSIGN_OR_RETURN(auto select, db_.prepare("SELECT id, scheduled_at FROM records"
                                                   " WHERE schedule_id = ? AND taken = 0"
                                                   " AND skipped = 0 AND scheduled_at >= ?"));
  DD_APP_RETURN_IF_ERROR(select.bind_all(schedule.id, format_local_date_time(now)));
  std::vector<RecordId> stale;
  for (;;) {
    DD_APP_ASSIGN_OR_RETURN(const bool row, select.step());
    if (!row) {
      break;
    }
    DD_APP_ASSIGN_OR_RETURN(const LocalDateTime when,
                            read_date_time(select, 1, "records.scheduled_at"));
    if (!std::binary_search(wanted.begin(), wanted.end(), when)) {
      stale.push_back(select.column_int64(0));
    }
  }
  DD_APP_ASSIGN_OR_RETURN(auto remove, db_.prepare("DELETE FROM records WHERE id = ?"));
  for (const RecordId id : stale) {
    remove.reset();
    DD_APP_RETURN_IF_ERROR(remove.bind(1, id));
    DD_APP_RETURN_IF_ERROR(remove.run());
  }
  SavedSchedule result;
  result.records_removed = static_cast<int>(stale.size());
  DD_APP_ASSIGN_OR_RETURN(result.records_added, insert_occurrences(schedule, wanted));
  return result;
}

Result<SavedSchedule> MedicationStore::save_schedule(const CreateScheduleParams& params) {
  const LocalDateTime now = clock_->now();
  const Date horizon = end_of_next_month(date_of(now));
  DD_APP_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db_));

  std::optional<MedicationSchedule> existing;
  if (params.schedule_id()) {
    DD_APP_ASSIGN_OR_RETURN(existing, load_schedule(*params.schedule_id()));
    if (params.medicine_id() && *params.medicine_id() != existing->medicine_id) {
      return Error::invalid("schedule_id", "schedule " + std::to_string(existing->id) +
                                               " belongs to medicine " +
                                               std::to_string(existing->medicine_id));
    }
  }

  SavedSchedule saved;
  const std::optional<MedicineId> medicine_id =
      params.medicine_id()
          ? params.medicine_id()
          : (existing ? std::optional<MedicineId>{existing->medicine_id} : std::nullopt);
  const auto color = static_cast<int64_t>(params.color_argb());
  if (medicine_id) {
    DD_APP_ASSIGN_OR_RETURN(auto update, db_.prepare("UPDATE medicines SET name = ?, dosage = ?,"
                                                     " color_argb = ?, memo = ? WHERE id = ?"));
    DD_APP_RETURN_IF_ERROR(
        update.bind_all(params.name(), params.dosage(), color, params.memo(), *medicine_id));
    DD_APP_RETURN_IF_ERROR(update.run());
    if (db_.changes() == 0) {
      return Error::not_found("medicine", *medicine_id);
    }
    saved.medicine_id = *medicine_id;
  } else {
    DD_APP_ASSIGN_OR_RETURN(auto insert,
                            db_.prepare("INSERT INTO medicines (name, dosage, color_argb, memo,"
                                        " created_at) VALUES (?, ?, ?, ?, ?)"));
    DD_APP_RETURN_IF_ERROR(insert.bind_all(params.name(), params.dosage(), color, params.memo(),
                                           format_local_date_time(now)));
    DD_APP_RETURN_IF_ERROR(insert.run());
    saved.medicine_id = db_.last_insert_rowid();
  }

  MedicationSchedule schedule;
  schedule.medicine_id = saved.medicine_id;
  schedule.start_date = params.start_date();
  schedule.end_date = params.end_date();
  schedule.time_slots = params.time_slots();
  schedule.pattern = params.pattern();
  schedule.active = existing ? existing->active : true;
  const std::string slots = slots_to_json(schedule.time_slots);
  const std::string start = format_date(schedule.start_date);
  const std::optional<std::string> end = optional_date_text(schedule.end_date);

  if (existing) {
    schedule.id = existing->id;
    DD_APP_ASSIGN_OR_RETURN(auto update,
                            db_.prepare("UPDATE schedules SET medicine_id = ?, start_date = ?,"
                                        " end_date = ?, time_slots = ?, take_days = ?,"
                                        " rest_days = ? WHERE id = ?"));
    DD_APP_RETURN_IF_ERROR(update.bind_all(schedule.medicine_id, start, end, slots,
                                           schedule.pattern.take_days, schedule.pattern.rest_days,
                                           schedule.id));
    DD_APP_RETURN_IF_ERROR(update.run());
    // History stays: only what has not happened yet and was not answered is replaced.
    DD_APP_ASSIGN_OR_RETURN(const SavedSchedule replaced,
                            replace_future_pending(schedule, horizon));
    saved.records_added = replaced.records_added;
    saved.records_removed = replaced.records_removed;
  } else {
    DD_APP_ASSIGN_OR_RETURN(auto insert,
                            db_.prepare("INSERT INTO schedules (medicine_id, start_date, end_date,"
                                        " time_slots, take_days, rest_days, active)"
                                        " VALUES (?, ?, ?, ?, ?, ?, 1)"));
    DD_APP_RETURN_IF_ERROR(insert.bind_all(schedule.medicine_id, start, end, slots,
                                           schedule.pattern.take_days, schedule.pattern.rest_days));
    DD_APP_RETURN_IF_ERROR(insert.run());
    schedule.id = db_.last_insert_rowid();
    DD_APP_ASSIGN_OR_RETURN(
        saved.records_added,
        insert_occurrences(schedule, schedule.occurrences_between(schedule.start_date, horizon)));
  }
  saved.schedule_id = schedule.id;
  DD_APP_RETURN_IF_ERROR(tx.commit());
  return saved;
}

Status MedicationStore::set_schedule_active(ScheduleId id, bool active) {
  DD_APP_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db_));
  DD_APP_ASSIGN_OR_RETURN(MedicationSchedule schedule, load_schedule(id));
  if (schedule.active == active) {
    return tx.commit();
  }
  DD_APP_ASSIGN_OR_RETURN(auto update, db_.prepare("UPDATE schedules SET active = ? WHERE id = ?"));
  DD_APP_RETURN_IF_ERROR(update.bind_all(active, id));
  DD_APP_RETURN_IF_ERROR(update.run());
  schedule.active = active;
  if (active) {
    DD_APP_RETURN_IF_ERROR(insert_occurrences(
        schedule, occurrences_from_now(schedule, end_of_next_month(clock_->today()))));
  } else {
    DD_APP_RETURN_IF_ERROR(delete_pending_from(id, clock_->now()));
  }
  return tx.commit();
}

Status MedicationStore::delete_schedule(ScheduleId id) {
  return delete_row(db_, "DELETE FROM schedules WHERE id = ?", "schedule", id);
}

// --- Occurrences --------------------------------------------------------------------------------

Result<int> MedicationStore::ensure_occurrences_up_to(Date horizon) {
  DD_APP_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db_));
  DD_APP_ASSIGN_OR_RETURN(const std::vector<MedicationSchedule> schedules, load_active_schedules());
  DD_APP_ASSIGN_OR_RETURN(
      auto latest, db_.prepare("SELECT MAX(scheduled_at) FROM records WHERE schedule_id = ?"));
  int added = 0;
  for (const MedicationSchedule& schedule : schedules) {
    latest.reset();
    DD_APP_RETURN_IF_ERROR(latest.bind(1, schedule.id));
    DD_APP_RETURN_IF_ERROR(latest.step());
    Date from = schedule.start_date;
    if (!latest.column_is_null(0)) {
      DD_APP_ASSIGN_OR_RETURN(const LocalDateTime last,
                              read_date_time(latest, 0, "records.scheduled_at"));
      from = add_days(date_of(last), 1);
    }
    DD_APP_ASSIGN_OR_RETURN(
        const int n, insert_occurrences(schedule, schedule.occurrences_between(from, horizon)));
    added += n;
  }
  DD_APP_RETURN_IF_ERROR(tx.commit());
  return added;
}

Result<int> MedicationStore::ensure_occurrences() {
  return ensure_occurrences_up_to(end_of_next_month(clock_->today()));
}

// --- Doses --------------------------------------------------------------------------------------

Result<std::vector<ScheduledDose>> MedicationStore::query_doses(const std::string& tail_sql,
                                                                const std::vector<SqlArg>& args) {
  DD_APP_ASSIGN_OR_RETURN(auto stmt, db_.prepare(kDoseSelect + tail_sql));
  int index = 0;
  for (const SqlArg& arg : args) {
    ++index;
    DD_APP_RETURN_IF_ERROR(
        std::visit([&](const auto& value) { return stmt.bind(index, value); }, arg));
  }
  return read_rows<ScheduledDose>(stmt, read_dose);
}

Result<std::vector<ScheduledDose>> MedicationStore::doses_on(Date date) {
  return doses_between(start_of_day(date), start_of_day(add_days(date, 1)));
}

Result<std::vector<ScheduledDose>> MedicationStore::doses_between(LocalDateTime from,
                                                                  LocalDateTime to) {
  return query_doses(
      "WHERE r.scheduled_at >= ? AND r.scheduled_at < ?"
      " ORDER BY r.scheduled_at, r.id",
      {format_local_date_time(from), format_local_date_time(to)});
}

Result<ScheduledDose> MedicationStore::get_dose(RecordId id) {
  DD_APP_ASSIGN_OR_RETURN(auto doses, query_doses("WHERE r.id = ?", {id}));
  if (doses.empty()) {
    return Error::not_found("record", id);
  }
  return std::move(doses.front());
}

Result<ScheduledDose> MedicationStore::take_dose(RecordId id, std::optional<LocalDateTime> taken_at,
                                                 const std::optional<std::string>& note) {
  DD_APP_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db_));
  DD_APP_ASSIGN_OR_RETURN(ScheduledDose dose, get_dose(id));
  if (dose.status() == DoseStatus::kTaken) {
    DD_APP_RETURN_IF_ERROR(tx.commit());
    return dose;
  }
  DD_APP_ASSIGN_OR_RETURN(auto update,
                          db_.prepare("UPDATE records SET taken = 1, skipped = 0, taken_at = ?,"
                                      " note = COALESCE(?, note) WHERE id = ?"));
  DD_APP_RETURN_IF_ERROR(
      update.bind_all(format_local_date_time(taken_at.value_or(clock_->now())), note, id));
  DD_APP_RETURN_IF_ERROR(update.run());
  DD_APP_ASSIGN_OR_RETURN(dose, get_dose(id));
  DD_APP_RETURN_IF_ERROR(tx.commit());
  return dose;
}

Result<ScheduledDose> MedicationStore::skip_dose(RecordId id,
                                                 const std::optional<std::string>& note) {
  DD_APP_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db_));
  DD_APP_ASSIGN_OR_RETURN(ScheduledDose dose, get_dose(id));
  if (dose.status() == DoseStatus::kTaken) {
    return Error::conflict("record", id, "already taken; skipping would erase the intake");
  }
  if (dose.status() == DoseStatus::kSkipped) {
    DD_APP_RETURN_IF_ERROR(tx.commit());
    return dose;
  }
  DD_APP_ASSIGN_OR_RETURN(auto update,
                          db_.prepare("UPDATE records SET skipped = 1, note = COALESCE(?, note)"
                                      " WHERE id = ?"));
  DD_APP_RETURN_IF_ERROR(update.bind_all(note, id));
  DD_APP_RETURN_IF_ERROR(update.run());
  DD_APP_ASSIGN_OR_RETURN(dose, get_dose(id));
  DD_APP_RETURN_IF_ERROR(tx.commit());
  return dose;
}

Result<std::vector<ScheduledDose>> MedicationStore::history(const HistoryQuery& query) {
  // Only fixed fragments are appended; every value is bound.
  std::string tail = "WHERE 1 = 1";
  std::vector<SqlArg> args;
  if (query.medicine_id) {
    DD_APP_RETURN_IF_ERROR(require_medicine(*query.medicine_id));
    tail += " AND s.medicine_id = ?";
    args.emplace_back(*query.medicine_id);
  }
  if (query.from) {
    tail += " AND r.scheduled_at >= ?";
    args.emplace_back(format_local_date_time(start_of_day(*query.from)));
  }
  if (query.to) {
    tail += " AND r.scheduled_at < ?";
    args.emplace_back(format_local_date_time(start_of_day(add_days(*query.to, 1))));
  }
  if (query.status) {
    switch (*query.status) {
      case DoseStatus::kPending:
        tail += " AND r.taken = 0 AND r.skipped = 0";
        break;
      case DoseStatus::kTaken:
        tail += " AND r.taken = 1";
        break;
      case DoseStatus::kSkipped:
        tail += " AND r.taken = 0 AND r.skipped = 1";
        break;
    }
  }
  if (!query.include_upcoming) {
    tail += " AND (r.scheduled_at <= ? OR r.taken = 1 OR r.skipped = 1)";
    args.emplace_back(format_local_date_time(clock_->now()));
  }
  tail += " ORDER BY r.scheduled_at DESC, r.id DESC";
  return query_doses(tail, args);
}

Result<std::vector<Reminder>> MedicationStore::reminders(const ReminderPolicy& policy) {
  const LocalDateTime now = clock_->now();
  // With the midnight cut-off only today's doses can alert; without it, every earlier one can.
  const LocalDateTime from = policy.stop_at_midnight
                                 ? start_of_day(date_of(now))
                                 : start_of_day(Date{std::chrono::year{1970} / 1 / 1});
  DD_APP_ASSIGN_OR_RETURN(const auto doses, doses_between(from, now + std::chrono::minutes{1}));
  return reminders_at(doses, now, policy);
}

}  // namespace dailydrug::app
