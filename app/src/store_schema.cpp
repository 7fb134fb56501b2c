#include "dailydrug/app/store_schema.h"

#include <array>
#include <cstring>
#include <fstream>
#include <system_error>

namespace dailydrug::app {
namespace {

// Dates are ISO-8601 text ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM"), so string order is time order.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE medicines (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL,
  dosage      TEXT    NOT NULL,
  color_argb  INTEGER NOT NULL,
  memo        TEXT    NOT NULL DEFAULT '',
  created_at  TEXT    NOT NULL
);
CREATE TABLE schedules (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  medicine_id  INTEGER NOT NULL REFERENCES medicines(id) ON DELETE CASCADE,
  start_date   TEXT    NOT NULL,
  end_date     TEXT,
  time_slots   TEXT    NOT NULL,
  take_days    INTEGER NOT NULL CHECK (take_days > 0),
  rest_days    INTEGER NOT NULL CHECK (rest_days >= 0),
  active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX schedules_by_medicine ON schedules(medicine_id);
CREATE TABLE records (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  schedule_id   INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  scheduled_at  TEXT    NOT NULL,
  taken_at      TEXT,
  taken         INTEGER NOT NULL DEFAULT 0 CHECK (taken IN (0, 1)),
  skipped       INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
  note          TEXT    NOT NULL DEFAULT '',
  UNIQUE (schedule_id, scheduled_at)
);
CREATE INDEX records_by_time ON records(scheduled_at);
)sql";

constexpr std::array<Migration, 1> kMigrations = {{
    {1, "medicines, schedules and dose records", kSchemaV1},
}};

Result<bool> table_exists(sqlite::Database& db, const char* name) {
  DD_APP_ASSIGN_OR_RETURN(
      auto stmt, db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  DD_APP_RETURN_IF_ERROR(stmt.bind(1, name));
  return stmt.step();
}

}  // namespace

std::span<const Migration> schema_migrations() {
  return kMigrations;
}

Status check_database_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return Status::Ok();  // SQLite creates it
  }
  if (std::filesystem::is_directory(status)) {
    return Error::storage(path.string(), "is a directory, not a database file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) {
    return Status::Ok();  // an empty file is a new SQLite database
  }
  static constexpr char kMagic[16] = "SQLite format 3";  // 15 chars + NUL, as in the file header
  char header[16] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::storage(path.string(), "cannot read the file");
  }
  in.read(header, sizeof header);
  if (in.gcount() != static_cast<std::streamsize>(sizeof header) ||
      std::memcmp(header, kMagic, sizeof header) != 0) {
    return Error::storage(path.string(), "not an SQLite database (refusing to touch it)");
  }
  return Status::Ok();
}

Result<int> applied_schema_version(sqlite::Database& db) {
  DD_APP_ASSIGN_OR_RETURN(const bool has_table, table_exists(db, "schema_version"));
  if (!has_table) {
    return 0;
  }
  DD_APP_ASSIGN_OR_RETURN(auto stmt,
                          db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  DD_APP_ASSIGN_OR_RETURN(const bool row, stmt.step());
  return row ? static_cast<int>(stmt.column_int64(0)) : 0;
}

namespace {

Status migrate_unlabelled(sqlite::Database& db) {
  // The first read of the file: a corrupt or foreign file fails here, before any write.
  DD_APP_ASSIGN_OR_RETURN(auto count,
                          db.prepare("SELECT count(*) FROM sqlite_master"
                                     " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"));
  DD_APP_RETURN_IF_ERROR(count.step());
  const int64_t tables = count.column_int64(0);

  DD_APP_ASSIGN_OR_RETURN(const int version, applied_schema_version(db));
  if (version == 0 && tables > 0) {
    return Error::storage({}, "an SQLite database that is not DailyDrug's (no schema_version)");
  }
  const int latest = kMigrations.back().version;
  if (version > latest) {
    return Error::storage({}, "schema version " + std::to_string(version) +
                                  " is newer than this program's (" + std::to_string(latest) + ")");
  }

  for (const Migration& migration : kMigrations) {
    if (migration.version <= version) {
      continue;
    }
    DD_APP_ASSIGN_OR_RETURN(auto tx, sqlite::Transaction::begin(db));
    DD_APP_RETURN_IF_ERROR(db.exec(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"));
    DD_APP_RETURN_IF_ERROR(db.exec(migration.sql));
    DD_APP_ASSIGN_OR_RETURN(
        auto insert, db.prepare("INSERT INTO schema_version (version, description, applied_at)"
                                " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M', 'now', 'localtime'))"));
    DD_APP_RETURN_IF_ERROR(insert.bind_all(migration.version, migration.description));
    DD_APP_RETURN_IF_ERROR(insert.run());
    DD_APP_RETURN_IF_ERROR(tx.commit());
  }
  return Status::Ok();
}

}  // namespace

Status migrate_schema(sqlite::Database& db, const std::string& label) {
  Status status = migrate_unlabelled(db);
  if (status.ok()) {
    return status;
  }
  const Error& e = status.error();
  return Error::storage(label, e.detail.empty() ? e.message() : e.detail);
}

}  // namespace dailydrug::app
