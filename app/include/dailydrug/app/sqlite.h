// A thin RAII layer over SQLite's C API: connection, prepared statement, transaction. Every SQL
// value is bound through a prepared statement; the only text executed directly (exec) is fixed SQL
// from the program (migrations, PRAGMAs), never user data.
//
// Errors come back as app Error values of kind Storage with SQLite's message. Objects are
// move-only. A Database and its Statements must be used from one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dailydrug/app/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dailydrug::app::sqlite {

class Statement;

/// An open connection. Closing happens in the destructor.
class Database {
 public:
  /// Opens (creating if missing) the database file at `path`; ":memory:" for a private in-memory
  /// database. Does not read the file yet; SQLite reports a non-database file at the first query.
  /// Errors: Storage(path).
  static Result<Database> open(const std::string& path);

  Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  /// Runs fixed SQL text (possibly several statements). Never pass user data here.
  Status exec(const char* sql);
  /// Compiles one statement. Errors: Storage(sql) with SQLite's message.
  Result<Statement> prepare(std::string_view sql);

  int64_t last_insert_rowid() const;
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  int changes() const;
  /// SQLite's last error message on this connection.
  std::string last_error() const;
  /// SQLite's last extended error code on this connection.
  int last_error_code() const;

  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

/// A compiled statement. Bind indexes are 1-based, column indexes 0-based.
class Statement {
 public:
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Status bind(int index, int64_t value);
  Status bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Status bind(int index, bool value) { return bind(index, static_cast<int64_t>(value ? 1 : 0)); }
  Status bind(int index, std::string_view text);
  Status bind(int index, const std::string& text) { return bind(index, std::string_view{text}); }
  Status bind(int index, const char* text) { return bind(index, std::string_view{text}); }
  Status bind(int index, std::nullopt_t);
  template <typename T>
  Status bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }
  /// Binds `values` to parameters 1..N in order.
  template <typename... Ts>
  Status bind_all(const Ts&... values) {
    int index = 0;
    Status status;
    ((status.ok() ? (void)(status = bind(++index, values)) : (void)0), ...);
    return status;
  }

  /// Advances: true if a row is available, false when done. Errors: Storage with SQLite's message
  /// (a UNIQUE violation, a corrupt page, ...).
  Result<bool> step();
  /// Runs a statement that returns no rows to completion.
  Status run();
  /// Rewinds so it can run again with new bindings (bindings are cleared).
  void reset();

  int64_t column_int64(int column) const;
  bool column_bool(int column) const { return column_int64(column) != 0; }
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE … COMMIT; rolls back in the destructor unless committed. Use one for every
/// multi-row write so a failure leaves the database as it was.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_ = nullptr;  // null once committed or rolled back
};

}  // namespace dailydrug::app::sqlite
