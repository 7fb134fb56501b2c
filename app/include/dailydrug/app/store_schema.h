// The SQLite schema of MedicationStore: ordered migrations recorded in `schema_version`, and the
// checks that keep us from touching a file that is not ours.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "dailydrug/app/error.h"
#include "dailydrug/app/sqlite.h"

namespace dailydrug::app {

/// One schema step. `sql` is fixed text run in the same transaction as its version row.
struct Migration {
  int version;  // 1, 2, 3, ... with no gaps
  const char* description;
  const char* sql;
};

/// All migrations, oldest first. The last version is kSchemaVersion.
std::span<const Migration> schema_migrations();

/// Refuses, before SQLite opens it, a path that is a directory or a non-empty file that does not
/// start with the SQLite header. Errors: Storage(path).
Status check_database_file(const std::filesystem::path& path);

/// Brings `db` to the latest schema, one transaction per migration. A database with no tables is
/// initialised; one with tables but no `schema_version` is not DailyDrug's and is refused, as is a
/// newer version. Errors: Storage(label) with the reason ("file is not a database", "database
/// disk image is malformed", "schema version 7 is newer than this program (1)", ...).
Status migrate_schema(sqlite::Database& db, const std::string& label);

/// The highest applied version, 0 for an empty database. Errors: Storage.
Result<int> applied_schema_version(sqlite::Database& db);

}  // namespace dailydrug::app
