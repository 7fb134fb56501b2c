#include "app_store.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/json_codec.h"

namespace dailydrug::cli {

namespace dd = dailydrug::app;
using nlohmann::json;

std::string dump_json(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

int exit_code_for(const dd::Error& error) {
  return frontend::report_of(error.kind).exit_code;
}

std::string korean_message(const dd::Error& error) {
  switch (error.kind) {
    case dd::ErrorKind::kNotFound: {
      const std::string what = error.subject == "medicine"   ? "약"
                               : error.subject == "schedule" ? "일정"
                               : error.subject == "record"   ? "복용 기록"
                                                             : error.subject;
      return what + " #" + std::to_string(error.id) + "을(를) 찾을 수 없습니다 (" +
             error.message() + ")";
    }
    case dd::ErrorKind::kInvalid:
      if (error.subject == "input") return "입력을 읽을 수 없습니다 (" + error.message() + ")";
      return "잘못된 입력 (" + error.message() + ")";
    case dd::ErrorKind::kConflict:
      if (error.subject == "port") return "포트를 열 수 없습니다 (" + error.message() + ")";
      return "변경할 수 없습니다 (" + error.message() + ")";
    case dd::ErrorKind::kStorage:
      return "데이터베이스 오류 (" + error.message() + ")";
  }
  return error.message();
}

void report_app_error(CliContext& ctx, const dd::Error& error, int exit_code) {
  if (ctx.globals.json) {
    std::cerr << dump_json(json{{"error", error}}) << '\n';
  } else {
    std::cerr << "오류: " << korean_message(error) << '\n';
  }
  ctx.exit_code = exit_code;
}

dd::Result<std::shared_ptr<const dd::Clock>> make_clock(const CliContext& ctx) {
  std::string text = ctx.globals.now;
  if (text.empty()) {
    if (const char* env = std::getenv("DAILYDRUG_NOW"); env != nullptr) text = env;
  }
  if (text.empty()) {
    return std::shared_ptr<const dd::Clock>{std::make_shared<dd::SystemClock>()};
  }
  const auto now = dd::parse_local_date_time(text);
  if (!now) return dd::Error::invalid("now", "'" + text + "' is not YYYY-MM-DDTHH:MM");
  return std::shared_ptr<const dd::Clock>{std::make_shared<dd::FixedClock>(*now)};
}

dd::Result<dd::MedicationStore> open_store(const CliContext& ctx) {
  DD_APP_ASSIGN_OR_RETURN(auto clock, make_clock(ctx));
  std::filesystem::path path = ctx.globals.db_path;
  if (path.empty()) {
    DD_APP_ASSIGN_OR_RETURN(path, dd::default_database_path());
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return dd::Error::storage(path.parent_path().string(), ec.message());
  }
  return dd::MedicationStore::open(path, std::move(clock));
}

}  // namespace dailydrug::cli
