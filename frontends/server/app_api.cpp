// The web app's JSON API (/api/...) as functions of the store and the request body (app_api.h).
#include "app_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dailydrug/app/calendar.h"
#include "dailydrug/app/dose_grouping.h"
#include "dailydrug/app/json_codec.h"
#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_import.h"
#include "dailydrug/app/schedule_params.h"
#include "dailydrug/llm/utf8.h"
#include "server_state.h"

namespace dailydrug::server {

namespace dd = dailydrug::app;
using nlohmann::json;

namespace {

constexpr int kMaxDaysAhead = 366;  // as `dailydrug today --date`

}  // namespace

ApiResult<json> parse_body(std::string_view body) {
  if (body.empty()) {
    return json::object();
  }
  if (!llm::is_valid_utf8(body)) {
    return ApiError::invalid("", "invalid_utf8", "the request body is not valid UTF-8");
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return ApiError::invalid("", "invalid_json", "the body is not JSON");
  }
  if (!doc.is_object()) {
    return ApiError::invalid("", "invalid_type", "the body must be an object");
  }
  return doc;
}

/// An optional string field. Errors: Invalid(key) if present and not a string.
ApiResult<std::optional<std::string>> string_field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::optional<std::string>{};
  }
  if (!it->is_string()) {
    return ApiError::invalid(key, "invalid_type", std::string{"'"} + key + "' must be a string");
  }
  return std::optional<std::string>{it->get<std::string>()};
}

ApiResult<std::optional<int64_t>> int_field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::optional<int64_t>{};
  }
  if (!it->is_number_integer()) {
    return ApiError::invalid(key, "invalid_type", std::string{"'"} + key + "' must be an integer");
  }
  if (it->is_number_unsigned() && it->get<uint64_t>() > 1'000'000'000) {
    return ApiError::invalid(key, "invalid_value", std::string{"'"} + key + "' is too large");
  }
  return std::optional<int64_t>{it->get<int64_t>()};
}

namespace {

ApiResult<dd::Date> date_value(const char* key, const std::string& text) {
  if (auto d = dd::parse_date(text)) {
    return *d;
  }
  return ApiError::invalid(key, "invalid_value", "'" + text + "' is not a date YYYY-MM-DD");
}

/// "times": ["08:00", "20:00"] or "08:00,20:00".
ApiResult<std::vector<dd::TimeOfDay>> times_value(const json& v) {
  std::vector<std::string> items;
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t pos = 0;
    while (pos <= s.size()) {
      const size_t comma = std::min(s.find(',', pos), s.size());
      items.push_back(s.substr(pos, comma - pos));
      pos = comma + 1;
    }
  } else if (v.is_array()) {
    for (const json& t : v) {
      if (!t.is_string()) {
        return ApiError::invalid("times", "invalid_type", "times must be strings");
      }
      items.push_back(t.get<std::string>());
    }
  } else {
    return ApiError::invalid("times", "invalid_type", "'times' must be an array of \"HH:MM\"");
  }
  std::vector<dd::TimeOfDay> slots;
  for (std::string item : items) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.empty()) {
      continue;
    }
    const auto t = dd::parse_time_of_day(item);
    if (!t) {
      return ApiError::invalid("times", "invalid_value", "'" + item + "' is not HH:MM");
    }
    slots.push_back(*t);
  }
  return slots;
}

/// Applies the medicine form's fields over `f` (defaults for an add, current values for an edit).
/// "end": null makes the schedule open-ended; "days" sets the end from the start.
ApiResult<bool> apply_form(const json& body, dd::CreateScheduleParams::Fields& f) {
  DD_ASSIGN_OR_RETURN(auto name, string_field(body, "name"));
  if (name) {
    f.name = *name;
  }
  DD_ASSIGN_OR_RETURN(auto dosage, string_field(body, "dosage"));
  if (dosage) {
    f.dosage = *dosage;
  }
  DD_ASSIGN_OR_RETURN(auto memo, string_field(body, "memo"));
  if (memo) {
    f.memo = *memo;
  }
  DD_ASSIGN_OR_RETURN(auto color, string_field(body, "color"));
  if (color && !color->empty()) {
    const auto c = dd::parse_color(*color);
    if (!c) {
      return ApiError::invalid("color", "invalid_value", "use #RRGGBB or #AARRGGBB");
    }
    f.color_argb = *c;
  }
  if (const auto t = body.find("times"); t != body.end() && !t->is_null()) {
    DD_ASSIGN_OR_RETURN(f.time_slots, times_value(*t));
  }
  DD_ASSIGN_OR_RETURN(auto start, string_field(body, "start"));
  if (start && !start->empty()) {
    DD_ASSIGN_OR_RETURN(f.start_date, date_value("start", *start));
  }
  if (const auto e = body.find("end"); e != body.end()) {
    if (e->is_null() || (e->is_string() && e->get<std::string>().empty())) {
      f.end_date.reset();
    } else {
      DD_ASSIGN_OR_RETURN(auto end, string_field(body, "end"));
      DD_ASSIGN_OR_RETURN(f.end_date, date_value("end", *end));
    }
  }
  DD_ASSIGN_OR_RETURN(auto days, int_field(body, "days"));
  if (days) {
    if (*days < 1 || *days > 3650) {
      return ApiError::invalid("days", "invalid_value", "'days' must be in [1, 3650]");
    }
    f.end_date = dd::add_days(f.start_date, static_cast<int>(*days) - 1);
  }
  DD_ASSIGN_OR_RETURN(auto take, int_field(body, "take"));
  if (take) {
    f.pattern.take_days = static_cast<int>(std::clamp<int64_t>(*take, -1, 100000));
  }
  DD_ASSIGN_OR_RETURN(auto rest, int_field(body, "rest"));
  if (rest) {
    f.pattern.rest_days = static_cast<int>(std::clamp<int64_t>(*rest, -1, 100000));
  }
  return true;
}

}  // namespace

// DD_ASSIGN_OR_RETURN for an app-layer Result inside a function returning ApiResult: the app
// error becomes its API error. `lhs` may be a declaration, so it cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define DD_API_TRY(lhs, expr)                                        \
  auto DD_CONCAT_(api_r_, __LINE__) = (expr);                        \
  if (!DD_CONCAT_(api_r_, __LINE__).ok()) {                          \
    return api_error_from_app(DD_CONCAT_(api_r_, __LINE__).error()); \
  }                                                                  \
  lhs = std::move(DD_CONCAT_(api_r_, __LINE__)).value()
// NOLINTEND(bugprone-macro-parentheses)

#define DD_API_CHECK(expr)                                     \
  do {                                                         \
    auto dd_s_ = (expr);                                       \
    if (!dd_s_.ok()) return api_error_from_app(dd_s_.error()); \
  } while (0)

namespace {

ApiResult<json> saved_json(dd::MedicationStore& store, const dd::SavedSchedule& saved) {
  DD_API_TRY(const dd::Medicine medicine, store.get_medicine(saved.medicine_id));
  DD_API_TRY(const dd::MedicationSchedule schedule, store.get_schedule(saved.schedule_id));
  return dd::saved_schedule_json(medicine, schedule, saved);
}

}  // namespace

ApiResult<json> today_json(dd::MedicationStore& store, const std::string& date_text) {
  const dd::Date today = store.clock().today();
  dd::Date date = today;
  if (!date_text.empty()) {
    DD_ASSIGN_OR_RETURN(date, date_value("date", date_text));
  }
  if (date > dd::add_days(today, kMaxDaysAhead)) {
    return ApiError::invalid("date", "invalid_value", "at most 366 days ahead of today");
  }
  DD_API_CHECK(store.ensure_occurrences_up_to(std::max(dd::end_of_next_month(today), date)));
  DD_API_TRY(const auto doses, store.doses_on(date));
  int taken = 0;
  int pending = 0;
  for (const auto& dose : doses) {
    taken += dose.status() == dd::DoseStatus::kTaken;
    pending += dose.status() == dd::DoseStatus::kPending;
  }
  json groups = dd::group_by_time_period(doses);
  // The web app shows the short period names of its day view (아침/점심/오후/저녁/밤), not the
  // CLI's 오전약/… labels.
  static const char* const kShort[] = {"아침", "점심", "오후", "저녁", "밤"};
  for (json& g : groups) {
    const std::string p = g.value("period", "");
    for (const dd::TimePeriod tp : dd::kTimePeriodsInOrder) {
      if (dd::to_string(tp) == p) {
        g["name"] = kShort[static_cast<int>(tp)];
        g["emoji"] = dd::emoji(tp);
      }
    }
  }
  return json{{"date", dd::format_date(date)},
              {"weekday", dd::korean_weekday(date)},
              {"now", dd::format_local_date_time(store.clock().now())},
              {"total", doses.size()},
              {"taken", taken},
              {"pending", pending},
              {"groups", groups}};
}

ApiResult<json> medicines_json(dd::MedicationStore& store) {
  DD_API_TRY(const auto medicines, store.list_medicines());
  json out = json::array();
  for (const dd::Medicine& medicine : medicines) {
    DD_API_TRY(const auto schedules, store.schedules_for_medicine(medicine.id));
    out.push_back(dd::medicine_with_schedules_json(medicine, schedules));
  }
  return json{{"medicines", out}};
}

ApiResult<json> add_medicine(dd::MedicationStore& store, const json& body) {
  dd::CreateScheduleParams::Fields fields;
  fields.start_date = store.clock().today();
  DD_RETURN_IF_ERROR(apply_form(body, fields));
  DD_API_TRY(const auto params, dd::CreateScheduleParams::create(std::move(fields)));
  DD_API_TRY(const dd::SavedSchedule saved, store.save_schedule(params));
  return saved_json(store, saved);
}

ApiResult<json> edit_medicine(dd::MedicationStore& store, int64_t id, const json& body) {
  DD_API_TRY(const dd::Medicine medicine, store.get_medicine(id));
  DD_API_TRY(const auto schedules, store.schedules_for_medicine(medicine.id));
  DD_ASSIGN_OR_RETURN(auto schedule_id, int_field(body, "schedule_id"));
  std::optional<dd::MedicationSchedule> schedule;
  if (schedule_id) {
    DD_API_TRY(schedule, store.get_schedule(*schedule_id));
  } else if (!schedules.empty()) {
    schedule = schedules.back();
  }
  auto fields =
      dd::CreateScheduleParams::Fields::for_edit(medicine, schedule, store.clock().today());
  DD_RETURN_IF_ERROR(apply_form(body, fields));
  DD_API_TRY(const auto params, dd::CreateScheduleParams::create(std::move(fields)));
  DD_API_TRY(const dd::SavedSchedule saved, store.save_schedule(params));
  if (const auto a = body.find("active"); a != body.end() && !a->is_null()) {
    if (!a->is_boolean()) {
      return ApiError::invalid("active", "invalid_type", "must be a boolean");
    }
    DD_API_CHECK(store.set_schedule_active(saved.schedule_id, a->get<bool>()));
  }
  return saved_json(store, saved);
}

ApiResult<json> delete_medicine(dd::MedicationStore& store, int64_t id) {
  DD_API_TRY(const dd::Medicine m, store.get_medicine(id));
  DD_API_CHECK(store.delete_medicine(m.id));
  return json{{"deleted", m}};
}

ApiResult<json> take_or_skip(dd::MedicationStore& store, int64_t id, bool take, const json& body) {
  DD_ASSIGN_OR_RETURN(auto note, string_field(body, "note"));
  DD_API_TRY(const dd::ScheduledDose before, store.get_dose(id));
  const dd::DoseStatus wanted = take ? dd::DoseStatus::kTaken : dd::DoseStatus::kSkipped;
  DD_API_TRY(const dd::ScheduledDose after,
             take ? store.take_dose(id, std::nullopt, note) : store.skip_dose(id, note));
  json out = after;
  out["changed"] = before.status() != wanted;
  return out;
}

ApiResult<dd::ScanResult> scan_text(const json& body) {
  DD_ASSIGN_OR_RETURN(auto text, string_field(body, "text"));
  if (!text || text->empty()) {
    return ApiError::invalid("text", "invalid_value", "'text' is required");
  }
  const dd::PrescriptionScanner scanner;
  auto result = scanner.scan(*text);
  if (!result.ok()) {
    return api_error_from_app(result.error());
  }
  return std::move(result).value();
}

ApiResult<json> scan_save(dd::MedicationStore& store, const json& body) {
  DD_ASSIGN_OR_RETURN(const dd::ScanResult result, scan_text(body));
  DD_ASSIGN_OR_RETURN(auto start_text, string_field(body, "start"));
  dd::Date start = store.clock().today();
  if (start_text && !start_text->empty()) {
    DD_ASSIGN_OR_RETURN(start, date_value("start", *start_text));
  }
  const dd::ScanImportPlan plan = dd::plan_scan_import(result, start);
  json saved = json::array();
  for (const auto& item : plan.items) {
    DD_API_TRY(const dd::SavedSchedule s, store.save_schedule(item.params));
    DD_API_TRY(const dd::Medicine medicine, store.get_medicine(s.medicine_id));
    DD_API_TRY(const dd::MedicationSchedule schedule, store.get_schedule(s.schedule_id));
    saved.push_back(dd::scan_saved_json(item, medicine, schedule, s));
  }
  return json{{"scan", result}, {"saved", saved}, {"not_saved", dd::not_saved_json(plan)}};
}

/// "lang": "ko" (default) or "en". Errors: Invalid("lang").
ApiResult<dd::Language> language_field(const json& body) {
  DD_ASSIGN_OR_RETURN(auto text, string_field(body, "lang"));
  if (!text) {
    return dd::Language::kKorean;
  }
  if (auto lang = dd::parse_language(*text)) {
    return *lang;
  }
  return ApiError::invalid("lang", "invalid_value", "'lang' must be \"ko\" or \"en\"");
}

ApiResult<int32_t> max_tokens_field(const json& body, int32_t fallback) {
  DD_ASSIGN_OR_RETURN(auto n, int_field(body, "max_tokens"));
  if (!n) {
    return fallback;
  }
  if (*n < 1 || *n > kMaxTokensLimit) {
    return ApiError::invalid("max_tokens", "invalid_value", "'max_tokens' must be in [1, 4096]");
  }
  return static_cast<int32_t>(*n);
}

ApiResult<AssistantCall> assistant_call(const json& body, AssistantCall::Mode mode) {
  AssistantCall call{.mode = mode};
  if (mode == AssistantCall::Mode::kAsk) {
    DD_ASSIGN_OR_RETURN(auto question, string_field(body, "message"));
    if (!question || question->find_first_not_of(" \t\r\n") == std::string::npos ||
        question->size() > kMaxQuestionBytes) {
      return ApiError::invalid("message", "invalid_value",
                               "'message' must be 1 to 2000 bytes of text");
    }
    call.question = std::move(*question);
  }
  DD_ASSIGN_OR_RETURN(call.language, language_field(body));
  DD_ASSIGN_OR_RETURN(call.max_tokens,
                      max_tokens_field(body, mode == AssistantCall::Mode::kAsk ? 200 : 160));
  return call;
}

}  // namespace dailydrug::server
