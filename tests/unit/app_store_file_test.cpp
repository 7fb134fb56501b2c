// MedicationStore on disk: default location, schema version and migrations, WAL and foreign keys,
// and refusing files that are not ours (never crashing, never overwriting).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "app_store_fixture.h"
#include "dailydrug/app/sqlite.h"
#include "dailydrug/app/store_schema.h"

namespace dd = dailydrug::app;
using namespace dd_test;

namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string query_text(dd::sqlite::Database& db, const char* sql) {
  auto stmt = db.prepare(sql);
  EXPECT_TRUE(stmt.ok());
  if (!stmt.ok()) {
    return {};
  }
  auto row = stmt->step();
  EXPECT_TRUE(row.ok());
  return row.ok() && *row ? stmt->column_text(0) : std::string{};
}

class AppStoreFileTest : public ::testing::Test {
 protected:
  ScratchDir dir_{"dd_app_test"};
  std::shared_ptr<dd::FixedClock> clock_ = std::make_shared<dd::FixedClock>(T("2026-11-24T09:30"));

  dd::Error open_error(const std::filesystem::path& path) {
    auto store = dd::MedicationStore::open(path, clock_);
    EXPECT_FALSE(store.ok());
    return store.ok() ? dd::Error{} : store.error();
  }
};

}  // namespace

TEST(AppDefaultPathTest, XdgDataHomeThenHome) {
  std::map<std::string, const char*> env = {{"XDG_DATA_HOME", "/data/xdg"}, {"HOME", "/home/u"}};
  const auto getenv = [&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second;
  };
  EXPECT_EQ(dd::default_database_path(getenv).value(), "/data/xdg/dailydrug/dailydrug.db");
  env["XDG_DATA_HOME"] = "relative/path";  // invalid per the XDG spec: ignored
  EXPECT_EQ(dd::default_database_path(getenv).value(),
            "/home/u/.local/share/dailydrug/dailydrug.db");
  env["XDG_DATA_HOME"] = "";
  EXPECT_EQ(dd::default_database_path(getenv).value(),
            "/home/u/.local/share/dailydrug/dailydrug.db");
  env.clear();
  const auto none = dd::default_database_path(getenv);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, dd::ErrorKind::kStorage);
}

TEST_F(AppStoreFileTest, CreatesMigratesAndReopens) {
  const auto path = dir_.path() / "dailydrug.db";
  {
    auto store = dd::MedicationStore::open(path, clock_);
    ASSERT_TRUE(store.ok()) << store.error().message();
    EXPECT_EQ(store->schema_version().value(), dd::kSchemaVersion);
    ASSERT_TRUE(
        store->save_schedule(make_params(schedule_fields("2026-11-24", "2026-11-25", {"08:00"})))
            .ok());
  }
  {
    auto store = dd::MedicationStore::open(path, clock_);
    ASSERT_TRUE(store.ok()) << store.error().message();
    EXPECT_EQ(store->schema_version().value(), dd::kSchemaVersion);
    EXPECT_EQ(store->list_medicines()->size(), 1u);
    EXPECT_EQ(store->doses_on(D("2026-11-25"))->size(), 1u);
  }
  auto db = dd::sqlite::Database::open(path.string());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(query_text(*db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(*db, "SELECT count(*) FROM schema_version"), "1");  // applied once
}

TEST_F(AppStoreFileTest, MigrationsAreOrderedWithoutGaps) {
  const auto migrations = dd::schema_migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
  }
  EXPECT_EQ(migrations.back().version, dd::kSchemaVersion);
}

TEST_F(AppStoreFileTest, ForeignKeysCascadeOnTheStoresConnection) {
  const auto path = dir_.path() / "fk.db";
  {
    auto store = dd::MedicationStore::open(path, clock_);
    ASSERT_TRUE(store.ok());
    const auto saved =
        store->save_schedule(make_params(schedule_fields("2026-11-24", "2026-11-30", {"08:00"})));
    ASSERT_TRUE(saved.ok());
    ASSERT_TRUE(store->delete_medicine(saved->medicine_id).ok());
  }
  // Without PRAGMA foreign_keys = ON the schedule and its records would be left orphaned.
  auto db = dd::sqlite::Database::open(path.string());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(query_text(*db, "SELECT count(*) FROM schedules"), "0");
  EXPECT_EQ(query_text(*db, "SELECT count(*) FROM records"), "0");
}

TEST_F(AppStoreFileTest, RefusesANonSqliteFileWithoutTouchingIt) {
  const auto path = dir_.path() / "notes.db";
  const std::string text = "복용 메모: 이건 데이터베이스가 아닙니다\n";
  write_all(path, text);
  const auto error = open_error(path);
  EXPECT_EQ(error.kind, dd::ErrorKind::kStorage);
  EXPECT_EQ(error.subject, path.string());
  EXPECT_NE(error.detail.find("not an SQLite database"), std::string::npos) << error.detail;
  EXPECT_EQ(read_all(path), text);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "notes.db-wal"));
}

TEST_F(AppStoreFileTest, RefusesACorruptDatabase) {
  const auto path = dir_.path() / "corrupt.db";
  {
    auto store = dd::MedicationStore::open(path, clock_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(
        store->save_schedule(make_params(schedule_fields("2026-11-24", std::nullopt, {"08:00"})))
            .ok());
  }
  std::string bytes = read_all(path);
  ASSERT_GT(bytes.size(), 4096u);
  for (size_t i = 100; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((i * 131) & 0xFF);
  }
  write_all(path, bytes);
  const auto error = open_error(path);
  EXPECT_EQ(error.kind, dd::ErrorKind::kStorage);
  EXPECT_FALSE(error.detail.empty());
  EXPECT_EQ(read_all(path), bytes);
}

TEST_F(AppStoreFileTest, RefusesATruncatedHeader) {
  const auto path = dir_.path() / "short.db";
  write_all(path, "SQLite fo");
  EXPECT_EQ(open_error(path).kind, dd::ErrorKind::kStorage);
  EXPECT_EQ(read_all(path), "SQLite fo");
}

TEST_F(AppStoreFileTest, RefusesAnotherApplicationsDatabase) {
  const auto path = dir_.path() / "other.db";
  {
    auto db = dd::sqlite::Database::open(path.string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('keep');").ok());
  }
  const auto error = open_error(path);
  EXPECT_EQ(error.kind, dd::ErrorKind::kStorage);
  EXPECT_NE(error.detail.find("not DailyDrug"), std::string::npos) << error.detail;
  auto db = dd::sqlite::Database::open(path.string());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(query_text(*db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), "1");
  EXPECT_EQ(query_text(*db, "SELECT x FROM notes"), "keep");
}

TEST_F(AppStoreFileTest, RefusesANewerSchema) {
  const auto path = dir_.path() / "newer.db";
  { ASSERT_TRUE(dd::MedicationStore::open(path, clock_).ok()); }
  {
    auto db = dd::sqlite::Database::open(path.string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("INSERT INTO schema_version VALUES (99, 'future', 'x')").ok());
  }
  const auto error = open_error(path);
  EXPECT_NE(error.detail.find("newer"), std::string::npos) << error.detail;
}

TEST_F(AppStoreFileTest, EmptyFileBecomesANewDatabase) {
  const auto path = dir_.path() / "empty.db";
  write_all(path, "");
  auto store = dd::MedicationStore::open(path, clock_);
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ(store->schema_version().value(), dd::kSchemaVersion);
}

TEST_F(AppStoreFileTest, DirectoryOrMissingFolderIsAStorageError) {
  EXPECT_NE(open_error(dir_.path()).detail.find("directory"), std::string::npos);
  const auto missing = open_error(dir_.path() / "no" / "such" / "dir" / "x.db");
  EXPECT_EQ(missing.kind, dd::ErrorKind::kStorage);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "no"));
}
