// The RAII SQLite layer: binding, stepping, typed errors and transactions that roll back unless
// committed.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "dailydrug/app/sqlite.h"

namespace sql = dailydrug::app::sqlite;
using dailydrug::app::ErrorKind;

namespace {

sql::Database memory_db() {
  auto db = sql::Database::open(":memory:");
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE(
      db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)").ok());
  return std::move(db).value();
}

int64_t count_rows(sql::Database& db) {
  auto stmt = db.prepare("SELECT count(*) FROM t");
  EXPECT_TRUE(stmt.ok());
  EXPECT_TRUE(stmt->step().value());
  return stmt->column_int64(0);
}

}  // namespace

TEST(AppSqliteTest, BindsAndReadsValues) {
  auto db = memory_db();
  auto insert = db.prepare("INSERT INTO t (name, n) VALUES (?, ?)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->bind_all(std::string{"타이레놀'); DROP TABLE t; --"}, int64_t{42}).ok());
  ASSERT_TRUE(insert->run().ok());
  EXPECT_EQ(db.last_insert_rowid(), 1);
  EXPECT_EQ(db.changes(), 1);
  insert->reset();
  ASSERT_TRUE(insert->bind_all("null n", std::optional<int64_t>{}).ok());
  ASSERT_TRUE(insert->run().ok());

  auto select = db.prepare("SELECT name, n FROM t ORDER BY id");
  ASSERT_TRUE(select.ok());
  ASSERT_TRUE(select->step().value());
  EXPECT_EQ(select->column_text(0), "타이레놀'); DROP TABLE t; --");  // data, never SQL
  EXPECT_EQ(select->column_int64(1), 42);
  ASSERT_TRUE(select->step().value());
  EXPECT_TRUE(select->column_is_null(1));
  EXPECT_FALSE(select->step().value());
}

TEST(AppSqliteTest, ErrorsAreStorageValues) {
  auto db = memory_db();
  const auto bad = db.prepare("SELEC nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kStorage);
  EXPECT_NE(bad.error().detail.find("syntax"), std::string::npos);

  auto insert = db.prepare("INSERT INTO t (name) VALUES (?)");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->bind_all("dup").ok());
  ASSERT_TRUE(insert->run().ok());
  insert->reset();
  ASSERT_TRUE(insert->bind_all("dup").ok());
  const auto again = insert->run();
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().detail.find("UNIQUE"), std::string::npos);
}

TEST(AppSqliteTest, TransactionRollsBackUnlessCommitted) {
  auto db = memory_db();
  {
    auto tx = sql::Transaction::begin(db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t (name) VALUES ('a'), ('b')").ok());
    EXPECT_EQ(count_rows(db), 2);
  }  // dropped without commit
  EXPECT_EQ(count_rows(db), 0);
  {
    auto tx = sql::Transaction::begin(db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t (name) VALUES ('a'), ('b')").ok());
    ASSERT_TRUE(tx->commit().ok());
    EXPECT_FALSE(tx->commit().ok());  // already finished
  }
  EXPECT_EQ(count_rows(db), 2);
}

TEST(AppSqliteTest, FailedStatementInsideTransactionLeavesNoPartialWrite) {
  auto db = memory_db();
  {
    auto tx = sql::Transaction::begin(db);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(db.exec("INSERT INTO t (name) VALUES ('x')").ok());
    ASSERT_FALSE(db.exec("INSERT INTO t (name) VALUES ('x')").ok());  // UNIQUE violation
  }
  EXPECT_EQ(count_rows(db), 0);
}

TEST(AppSqliteTest, MovedFromObjectsAreInert) {
  auto db = memory_db();
  sql::Database moved = std::move(db);
  EXPECT_EQ(count_rows(moved), 0);
  auto stmt = moved.prepare("SELECT 1");
  ASSERT_TRUE(stmt.ok());
  sql::Statement other = std::move(*stmt);
  EXPECT_TRUE(other.step().value());
}
