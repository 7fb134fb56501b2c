#include "dailydrug/app/sqlite.h"

#include <sqlite3.h>

namespace dailydrug::app::sqlite {
namespace {

Error storage_error(sqlite3* db, std::string_view what) {
  return Error::storage(std::string{what}, db ? sqlite3_errmsg(db) : "out of memory");
}

}  // namespace

Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE, nullptr);
  if (rc != SQLITE_OK) {
    Error error = Error::storage(path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  return Database{db};
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Database::~Database() {
  sqlite3_close(db_);
}

Status Database::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) {
    return Status::Ok();
  }
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return Error::storage("exec", std::move(text));
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return storage_error(db_, "prepare");
  }
  return Statement{db_, stmt};
}

int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}
int Database::changes() const {
  return sqlite3_changes(db_);
}
std::string Database::last_error() const {
  return sqlite3_errmsg(db_);
}
int Database::last_error_code() const {
  return sqlite3_extended_errcode(db_);
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Status Statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    return storage_error(db_, "bind");
  }
  return Status::Ok();
}

Status Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    return storage_error(db_, "bind");
  }
  return Status::Ok();
}

Status Statement::bind(int index, std::nullopt_t) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) {
    return storage_error(db_, "bind");
  }
  return Status::Ok();
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return storage_error(db_, "step");
}

Status Statement::run() {
  for (;;) {
    DD_APP_ASSIGN_OR_RETURN(const bool row, step());
    if (!row) {
      return Status::Ok();
    }
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<Transaction> Transaction::begin(Database& db) {
  DD_APP_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  return Transaction{&db};
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    (void)db_->exec("ROLLBACK");
  }
}

Status Transaction::commit() {
  Database* db = std::exchange(db_, nullptr);
  if (db == nullptr) {
    return Error::storage("commit", "transaction already finished");
  }
  Status status = db->exec("COMMIT");
  if (!status.ok()) {
    (void)db->exec("ROLLBACK");
  }
  return status;
}

}  // namespace dailydrug::app::sqlite
