// The medication commands of `dailydrug`: med add|list|edit|rm, today, take, skip, history and
// reminders, over dailydrug::app::MedicationStore.
//
// Output: Korean text for people, or JSON with the global --json (the app layer's json_codec).
// Errors go to stderr (as JSON with --json) and set the documented exit codes: 2 for invalid
// input, 3 for an unknown id, 1 for a refused change or a storage failure.
// "Now" is the system clock unless --now "YYYY-MM-DDTHH:MM" or $DAILYDRUG_NOW fixes it (tests).
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app_store.h"
#include "commands.h"
#include "dailydrug/app/calendar.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/dose_grouping.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/json_codec.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/reminder.h"
#include "dailydrug/app/schedule_params.h"

namespace dailydrug::cli {
namespace {

namespace dd = dailydrug::app;
using nlohmann::json;

/// How far ahead `today --date` may look (and so materialise records).
constexpr int kMaxDaysAhead = 366;

// ---- Flags --------------------------------------------------------------------------------------

/// Schedule flags shared by `med add` and `med edit`, kept as text so that we, not CLI11, word
/// the errors. Option pointers tell "given" from "left out".
struct ScheduleFlags {
  std::string name, dosage, times, start, end, memo, color;
  int days = 0, take = 1, rest = 0;
  CLI::Option *name_opt{}, *dosage_opt{}, *times_opt{}, *start_opt{}, *end_opt{}, *days_opt{},
      *take_opt{}, *rest_opt{}, *memo_opt{}, *color_opt{};

  bool any_given() const {
    for (const CLI::Option* o : {name_opt, dosage_opt, times_opt, start_opt, end_opt, days_opt,
                                 take_opt, rest_opt, memo_opt, color_opt}) {
      if (o->count() > 0) {
        return true;
      }
    }
    return false;
  }
};

/// Everything the parsed command line fills; owned by the callbacks (shared_ptr).
struct MedicationFlags {
  ScheduleFlags add;
  ScheduleFlags edit;
  int64_t edit_id = 0;
  int64_t edit_schedule_id = 0;
  bool edit_no_end = false, edit_active = false, edit_inactive = false;
  CLI::Option* edit_schedule_opt{};
  int64_t rm_id = 0;
  std::string today_date;
  int64_t take_id = 0;
  std::string take_at, take_note;
  CLI::Option* take_note_opt{};
  int64_t skip_id = 0;
  std::string skip_note;
  CLI::Option* skip_note_opt{};
  int64_t history_medicine = 0;
  std::string history_from, history_to, history_status;
  CLI::Option* history_medicine_opt{};
};

void add_schedule_flags(CLI::App* cmd, ScheduleFlags& f, bool for_edit) {
  f.name_opt = cmd->add_option("--name", f.name, "Medicine name, e.g. 타이레놀");
  f.dosage_opt = cmd->add_option("--dosage", f.dosage, "Dosage as free text, e.g. 1정");
  f.times_opt = cmd->add_option("--times", f.times, "Time slots HH:MM, comma-separated");
  f.start_opt = cmd->add_option("--start", f.start, "Start date YYYY-MM-DD (default: today)");
  f.end_opt = cmd->add_option("--end", f.end, "Last date YYYY-MM-DD, inclusive");
  f.days_opt = cmd->add_option("--days", f.days, "Number of days from the start (sets --end)");
  f.take_opt = cmd->add_option("--take", f.take, "Take this many days … (default 1)");
  f.rest_opt = cmd->add_option("--rest", f.rest, "… then rest this many days (default 0 = daily)");
  f.memo_opt = cmd->add_option("--memo", f.memo, "Memo");
  f.color_opt = cmd->add_option("--color", f.color, "Card colour #RRGGBB or #AARRGGBB");
  f.days_opt->excludes(f.end_opt);
  if (!for_edit) {
    f.name_opt->required();
    f.dosage_opt->required();
    f.times_opt->required();
  }
}

// ---- Parsing user text --------------------------------------------------------------------------

dd::Result<dd::Date> parse_date_flag(const std::string& flag, const std::string& text) {
  if (auto date = dd::parse_date(text)) {
    return *date;
  }
  return dd::Error::invalid(flag, "'" + text + "' is not a date YYYY-MM-DD");
}

dd::Result<std::vector<dd::TimeOfDay>> parse_times(const std::string& text) {
  std::vector<dd::TimeOfDay> slots;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    std::string item = text.substr(pos, comma - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      const auto slot = dd::parse_time_of_day(item);
      if (!slot) {
        return dd::Error::invalid("times", "'" + item + "' is not a time HH:MM");
      }
      slots.push_back(*slot);
    }
    pos = comma + 1;
  }
  return slots;
}

dd::Result<uint32_t> parse_color_flag(const std::string& text) {
  if (auto color = dd::parse_color(text)) {
    return *color;
  }
  return dd::Error::invalid("color", "'" + text + "' is not #RRGGBB or #AARRGGBB");
}

/// "YYYY-MM-DDTHH:MM", or "HH:MM" meaning today.
dd::Result<dd::LocalDateTime> parse_when(const std::string& flag, const std::string& text,
                                         dd::Date today) {
  if (auto when = dd::parse_local_date_time(text)) {
    return *when;
  }
  if (auto time = dd::parse_time_of_day(text)) {
    return dd::at(today, *time);
  }
  return dd::Error::invalid(flag, "'" + text + "' is not YYYY-MM-DDTHH:MM or HH:MM");
}

/// Applies the given flags over `f` (the current values for an edit, defaults for an add).
dd::Status apply_schedule_flags(const ScheduleFlags& flags, dd::CreateScheduleParams::Fields& f) {
  if (flags.name_opt->count() > 0) {
    f.name = flags.name;
  }
  if (flags.dosage_opt->count() > 0) {
    f.dosage = flags.dosage;
  }
  if (flags.memo_opt->count() > 0) {
    f.memo = flags.memo;
  }
  if (flags.color_opt->count() > 0) {
    DD_APP_ASSIGN_OR_RETURN(f.color_argb, parse_color_flag(flags.color));
  }
  if (flags.times_opt->count() > 0) {
    DD_APP_ASSIGN_OR_RETURN(f.time_slots, parse_times(flags.times));
  }
  if (flags.start_opt->count() > 0) {
    DD_APP_ASSIGN_OR_RETURN(f.start_date, parse_date_flag("start", flags.start));
  }
  if (flags.end_opt->count() > 0) {
    DD_APP_ASSIGN_OR_RETURN(f.end_date, parse_date_flag("end", flags.end));
  }
  if (flags.days_opt->count() > 0) {
    if (flags.days < 1) {
      return dd::Error::invalid("days", "must be at least 1");
    }
    f.end_date = dd::add_days(f.start_date, flags.days - 1);
  }
  if (flags.take_opt->count() > 0) {
    f.pattern.take_days = flags.take;
  }
  if (flags.rest_opt->count() > 0) {
    f.pattern.rest_days = flags.rest;
  }
  return dd::Status::Ok();
}

// ---- Running a command --------------------------------------------------------------------------

using CommandBody = std::function<dd::Status(dd::MedicationStore&)>;

/// Opens the store, runs `body` and turns its error (or a stray exception) into output and an
/// exit code.
void run(CliContext& ctx, const CommandBody& body) {
  try {
    auto store = open_store(ctx);
    if (!store.ok()) {
      return report_app_error(ctx, store.error());
    }
    dd::Status status = body(*store);
    if (!status.ok()) {
      report_app_error(ctx, status.error());
    }
  } catch (const std::exception& e) {
    report_app_error(ctx, dd::Error::storage("unexpected", e.what()));
  }
}

// ---- Human output -------------------------------------------------------------------------------

std::string status_mark(dd::DoseStatus status) {
  switch (status) {
    case dd::DoseStatus::kTaken:
      return "✅";
    case dd::DoseStatus::kSkipped:
      return "⏭️";
    case dd::DoseStatus::kPending:
      return "⬜";
  }
  return "⬜";
}

std::string describe_status(const dd::ScheduledDose& dose) {
  std::string text =
      status_mark(dose.status()) + " " + std::string{dd::korean_label(dose.status())};
  if (dose.record.taken_at) {
    text += " (" + dd::format_local_date_time(*dose.record.taken_at).replace(10, 1, " ") + ")";
  }
  if (!dose.record.note.empty()) {
    text += " · " + dose.record.note;
  }
  return text;
}

std::string dose_line(const dd::ScheduledDose& dose, bool with_date) {
  std::string id = "#" + std::to_string(dose.record.id);
  id.resize(std::max<size_t>(id.size(), 5), ' ');
  const dd::Date date = dd::date_of(dose.record.scheduled_at);
  std::string when = dd::format_time_of_day(dd::time_of(dose.record.scheduled_at));
  if (with_date) {
    when = dd::format_date(date) + " (" + std::string{dd::korean_weekday(date)} + ") " + when;
  }
  return id + " " + when + "  " + dose.medicine.name + " " + dose.medicine.dosage + "  " +
         describe_status(dose);
}

std::string date_range(const dd::MedicationSchedule& s) {
  return dd::format_date(s.start_date) + " ~ " +
         (s.end_date ? dd::format_date(*s.end_date) : std::string{"(종료일 없음)"});
}

std::string slots_text(const dd::MedicationSchedule& s) {
  std::string text;
  for (const dd::TimeOfDay& slot : s.time_slots) {
    if (!text.empty()) {
      text += ", ";
    }
    text += dd::format_time_of_day(slot);
  }
  return text;
}

std::string schedule_line(const dd::MedicationSchedule& s) {
  return "일정 #" + std::to_string(s.id) + " [" + (s.active ? "사용 중" : "중지됨") + "] " +
         dd::describe_pattern_korean(s.pattern) + " · " + slots_text(s) + " · " + date_range(s);
}

// ---- Commands -----------------------------------------------------------------------------------

dd::Status print_saved(CliContext& ctx, dd::MedicationStore& store, const dd::SavedSchedule& saved,
                       const char* verb) {
  DD_APP_ASSIGN_OR_RETURN(const dd::Medicine medicine, store.get_medicine(saved.medicine_id));
  DD_APP_ASSIGN_OR_RETURN(const dd::MedicationSchedule schedule,
                          store.get_schedule(saved.schedule_id));
  if (ctx.globals.json) {
    std::cout << dump_json(dd::saved_schedule_json(medicine, schedule, saved)) << '\n';
  } else {
    std::cout << verb << ": 약 #" << medicine.id << " " << medicine.name << " " << medicine.dosage
              << "\n  " << schedule_line(schedule) << "\n  복용 기록 " << saved.records_added
              << "개 추가";
    if (saved.records_removed > 0) {
      std::cout << ", " << saved.records_removed << "개 제거";
    }
    std::cout << '\n';
  }
  return dd::Status::Ok();
}

dd::Status med_add(CliContext& ctx, const ScheduleFlags& flags, dd::MedicationStore& store) {
  dd::CreateScheduleParams::Fields fields;
  fields.start_date = store.clock().today();
  DD_APP_RETURN_IF_ERROR(apply_schedule_flags(flags, fields));
  DD_APP_ASSIGN_OR_RETURN(const auto params, dd::CreateScheduleParams::create(std::move(fields)));
  DD_APP_ASSIGN_OR_RETURN(const dd::SavedSchedule saved, store.save_schedule(params));
  return print_saved(ctx, store, saved, "등록했습니다");
}

dd::Status med_list(CliContext& ctx, dd::MedicationStore& store) {
  DD_APP_ASSIGN_OR_RETURN(const auto medicines, store.list_medicines());
  json out = json::array();
  for (const dd::Medicine& medicine : medicines) {
    DD_APP_ASSIGN_OR_RETURN(const auto schedules, store.schedules_for_medicine(medicine.id));
    if (ctx.globals.json) {
      out.push_back(dd::medicine_with_schedules_json(medicine, schedules));
      continue;
    }
    std::cout << "#" << medicine.id << " " << medicine.name << " · " << medicine.dosage << " · "
              << dd::format_color(medicine.color_argb) << '\n';
    for (const auto& schedule : schedules) {
      std::cout << "   " << schedule_line(schedule) << '\n';
    }
    if (!medicine.memo.empty()) {
      std::cout << "   메모: " << medicine.memo << '\n';
    }
  }
  if (ctx.globals.json) {
    std::cout << dump_json(out) << '\n';
  } else if (medicines.empty()) {
    std::cout << "등록된 약이 없습니다. `dailydrug med add`로 추가하세요.\n";
  }
  return dd::Status::Ok();
}

dd::Status med_edit(CliContext& ctx, const MedicationFlags& flags, dd::MedicationStore& store) {
  const ScheduleFlags& f = flags.edit;
  if (!f.any_given() && !flags.edit_no_end && !flags.edit_active && !flags.edit_inactive) {
    return dd::Error::invalid("flags", "nothing to change; see `dailydrug med edit --help`");
  }
  DD_APP_ASSIGN_OR_RETURN(const dd::Medicine medicine, store.get_medicine(flags.edit_id));
  DD_APP_ASSIGN_OR_RETURN(const auto schedules, store.schedules_for_medicine(medicine.id));
  std::optional<dd::MedicationSchedule> schedule;
  if (flags.edit_schedule_opt->count() > 0) {
    DD_APP_ASSIGN_OR_RETURN(schedule, store.get_schedule(flags.edit_schedule_id));
  } else if (!schedules.empty()) {
    schedule = schedules.back();  // the newest schedule of the medicine
  }

  auto fields =
      dd::CreateScheduleParams::Fields::for_edit(medicine, schedule, store.clock().today());
  DD_APP_RETURN_IF_ERROR(apply_schedule_flags(f, fields));
  if (flags.edit_no_end) {
    fields.end_date.reset();
  }
  DD_APP_ASSIGN_OR_RETURN(const auto params, dd::CreateScheduleParams::create(std::move(fields)));
  DD_APP_ASSIGN_OR_RETURN(dd::SavedSchedule saved, store.save_schedule(params));
  if (flags.edit_active || flags.edit_inactive) {
    DD_APP_RETURN_IF_ERROR(store.set_schedule_active(saved.schedule_id, flags.edit_active));
  }
  return print_saved(ctx, store, saved, "수정했습니다");
}

dd::Status med_rm(CliContext& ctx, int64_t id, dd::MedicationStore& store) {
  DD_APP_ASSIGN_OR_RETURN(const dd::Medicine medicine, store.get_medicine(id));
  DD_APP_RETURN_IF_ERROR(store.delete_medicine(id));
  if (ctx.globals.json) {
    std::cout << dump_json(json{{"deleted", medicine}}) << '\n';
  } else {
    std::cout << "삭제했습니다: 약 #" << medicine.id << " " << medicine.name
              << " (일정과 복용 기록 포함)\n";
  }
  return dd::Status::Ok();
}

dd::Status today(CliContext& ctx, const std::string& date_text, dd::MedicationStore& store) {
  dd::Date date = store.clock().today();
  if (!date_text.empty()) {
    DD_APP_ASSIGN_OR_RETURN(date, parse_date_flag("date", date_text));
  }
  // Like the app's daily worker: records exist up to the end of next month, further if asked,
  // but not so far that an open-ended schedule would fill the file with years of records.
  const dd::Date today_date = store.clock().today();
  if (date > dd::add_days(today_date, kMaxDaysAhead)) {
    return dd::Error::invalid("date",
                              "at most " + std::to_string(kMaxDaysAhead) + " days ahead of today");
  }
  DD_APP_RETURN_IF_ERROR(
      store.ensure_occurrences_up_to(std::max(dd::end_of_next_month(today_date), date)));
  DD_APP_ASSIGN_OR_RETURN(const auto doses, store.doses_on(date));
  const auto groups = dd::group_by_time_period(doses);
  int taken = 0;
  int pending = 0;
  for (const auto& dose : doses) {
    taken += dose.status() == dd::DoseStatus::kTaken;
    pending += dose.status() == dd::DoseStatus::kPending;
  }
  if (ctx.globals.json) {
    std::cout << dump_json(json{{"date", dd::format_date(date)},
                                {"total", doses.size()},
                                {"taken", taken},
                                {"pending", pending},
                                {"groups", groups}})
              << '\n';
    return dd::Status::Ok();
  }
  std::cout << "📅 " << dd::format_date(date) << " (" << dd::korean_weekday(date) << ") 복용 일정";
  if (doses.empty()) {
    std::cout << "\n복용할 약이 없습니다.\n";
    return dd::Status::Ok();
  }
  std::cout << " — " << taken << "/" << doses.size() << " 복용\n";
  for (const dd::DoseGroup& group : groups) {
    std::cout << '\n' << dd::emoji(group.period) << " " << dd::korean_label(group.period);
    if (group.all_taken()) {
      std::cout << " · 모두 복용\n";
    } else {
      std::cout << " · 남은 약 " << group.pending_count() << "\n";
    }
    for (const auto& dose : group.doses) {
      std::cout << "  " << dose_line(dose, false) << '\n';
    }
  }
  return dd::Status::Ok();
}

dd::Status take_or_skip(CliContext& ctx, const MedicationFlags& flags, bool take,
                        dd::MedicationStore& store) {
  const int64_t id = take ? flags.take_id : flags.skip_id;
  const CLI::Option* note_opt = take ? flags.take_note_opt : flags.skip_note_opt;
  std::optional<std::string> note;
  if (note_opt->count() > 0) {
    note = take ? flags.take_note : flags.skip_note;
  }
  std::optional<dd::LocalDateTime> at;
  if (take && !flags.take_at.empty()) {
    DD_APP_ASSIGN_OR_RETURN(at, parse_when("at", flags.take_at, store.clock().today()));
  }
  DD_APP_ASSIGN_OR_RETURN(const dd::ScheduledDose before, store.get_dose(id));
  const dd::DoseStatus wanted = take ? dd::DoseStatus::kTaken : dd::DoseStatus::kSkipped;
  DD_APP_ASSIGN_OR_RETURN(const dd::ScheduledDose after,
                          take ? store.take_dose(id, at, note) : store.skip_dose(id, note));
  const bool changed = before.status() != wanted;
  if (ctx.globals.json) {
    json out = after;
    out["changed"] = changed;
    std::cout << dump_json(out) << '\n';
  } else {
    std::cout << (changed ? "" : "이미 처리된 기록입니다: ") << dose_line(after, true) << '\n';
  }
  return dd::Status::Ok();
}

dd::Status history(CliContext& ctx, const MedicationFlags& flags, dd::MedicationStore& store) {
  dd::HistoryQuery query;
  if (flags.history_medicine_opt->count() > 0) {
    query.medicine_id = flags.history_medicine;
  }
  if (!flags.history_from.empty()) {
    DD_APP_ASSIGN_OR_RETURN(query.from, parse_date_flag("from", flags.history_from));
  }
  if (!flags.history_to.empty()) {
    DD_APP_ASSIGN_OR_RETURN(query.to, parse_date_flag("to", flags.history_to));
  }
  if (query.from && query.to && *query.to < *query.from) {
    return dd::Error::invalid("to", "is before --from");
  }
  if (!flags.history_status.empty()) {
    query.status = dd::parse_dose_status(flags.history_status);
    if (!query.status) {
      return dd::Error::invalid("status", "use pending, taken or skipped");
    }
  }
  DD_APP_RETURN_IF_ERROR(store.ensure_occurrences());
  DD_APP_ASSIGN_OR_RETURN(const auto doses, store.history(query));
  if (ctx.globals.json) {
    std::cout << dump_json(json(doses)) << '\n';
    return dd::Status::Ok();
  }
  if (doses.empty()) {
    std::cout << "복용 기록이 없습니다.\n";
    return dd::Status::Ok();
  }
  int counts[3] = {0, 0, 0};
  for (const auto& dose : doses) {
    ++counts[static_cast<int>(dose.status())];
    std::cout << dose_line(dose, true) << '\n';
  }
  std::cout << "\n복용 완료 " << counts[static_cast<int>(dd::DoseStatus::kTaken)] << " · 건너뜀 "
            << counts[static_cast<int>(dd::DoseStatus::kSkipped)] << " · 미복용 "
            << counts[static_cast<int>(dd::DoseStatus::kPending)] << '\n';
  return dd::Status::Ok();
}

dd::Status reminders(CliContext& ctx, dd::MedicationStore& store) {
  DD_APP_RETURN_IF_ERROR(store.ensure_occurrences());
  DD_APP_ASSIGN_OR_RETURN(const auto active, store.reminders());
  if (ctx.globals.json) {
    std::cout << dump_json(json{{"now", dd::format_local_date_time(store.clock().now())},
                                {"reminders", active}})
              << '\n';
    return dd::Status::Ok();
  }
  if (active.empty()) {
    std::cout << "지금 울릴 알림이 없습니다.\n";
    return dd::Status::Ok();
  }
  for (const dd::Reminder& r : active) {
    const auto& dose = r.dose;
    std::cout << (r.kind == dd::ReminderKind::kDue ? "🔔 " : "🔁 ")
              << dd::format_time_of_day(dd::time_of(dose.record.scheduled_at)) << " "
              << dose.medicine.name << " " << dose.medicine.dosage << " — ";
    if (r.kind == dd::ReminderKind::kDue) {
      std::cout << "복용 시간입니다";
    } else {
      std::cout << "아직 복용하지 않았습니다 (다시 알림 " << r.alert_number << "회)";
    }
    std::cout << " [#" << dose.record.id << "]";
    if (r.next_alert_at) {
      std::cout << " · 다음 알림 " << dd::format_time_of_day(dd::time_of(*r.next_alert_at));
    }
    std::cout << '\n';
  }
  std::cout << "복용했으면 `dailydrug take ID`, 건너뛰려면 `dailydrug skip ID`.\n";
  return dd::Status::Ok();
}

}  // namespace

void register_medication_commands(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<MedicationFlags>();
  if (app.get_option_no_throw("--now") == nullptr) {
    app.add_option("--now", ctx.globals.now, "Fixed current time YYYY-MM-DDTHH:MM (tests)")
        ->group("");  // hidden
  }
  const auto bind = [&ctx, flags](auto body) {
    return
        [&ctx, flags, body] { run(ctx, [&](dd::MedicationStore& s) { return body(*flags, s); }); };
  };

  CLI::App* med = app.add_subcommand("med", "Manage medicines and their schedules");
  med->require_subcommand(1);
  med->fallthrough();  // accept global flags (--json, --db) after the subcommand too

  CLI::App* add = med->add_subcommand("add", "Add a medicine with its schedule");
  add_schedule_flags(add, flags->add, /*for_edit=*/false);
  add->callback(
      bind([&ctx](MedicationFlags& f, dd::MedicationStore& s) { return med_add(ctx, f.add, s); }));

  CLI::App* list = med->add_subcommand("list", "List medicines and schedules");
  list->callback(
      bind([&ctx](MedicationFlags&, dd::MedicationStore& s) { return med_list(ctx, s); }));

  CLI::App* edit = med->add_subcommand("edit", "Change a medicine and its schedule");
  edit->add_option("id", flags->edit_id, "Medicine id")->required();
  add_schedule_flags(edit, flags->edit, /*for_edit=*/true);
  flags->edit_schedule_opt =
      edit->add_option("--schedule", flags->edit_schedule_id, "Schedule id (default: newest)");
  auto* no_end = edit->add_flag("--no-end", flags->edit_no_end, "Make the schedule open-ended");
  no_end->excludes(flags->edit.end_opt)->excludes(flags->edit.days_opt);
  auto* active = edit->add_flag("--active", flags->edit_active, "Resume reminders and records");
  auto* inactive = edit->add_flag("--inactive", flags->edit_inactive, "Pause the schedule");
  active->excludes(inactive);
  edit->callback(
      bind([&ctx](MedicationFlags& f, dd::MedicationStore& s) { return med_edit(ctx, f, s); }));

  CLI::App* rm = med->add_subcommand("rm", "Delete a medicine with its schedules and records");
  rm->add_option("id", flags->rm_id, "Medicine id")->required();
  rm->callback(
      bind([&ctx](MedicationFlags& f, dd::MedicationStore& s) { return med_rm(ctx, f.rm_id, s); }));

  CLI::App* today_cmd = app.add_subcommand("today", "Today's doses by time of day");
  today_cmd->fallthrough();
  today_cmd->add_option("--date", flags->today_date, "Another date YYYY-MM-DD");
  today_cmd->callback(bind(
      [&ctx](MedicationFlags& f, dd::MedicationStore& s) { return today(ctx, f.today_date, s); }));

  CLI::App* take = app.add_subcommand("take", "Record a dose as taken");
  take->fallthrough();
  take->add_option("id", flags->take_id, "Dose id (from `today`)")->required();
  take->add_option("--at", flags->take_at, "When it was taken: YYYY-MM-DDTHH:MM or HH:MM");
  flags->take_note_opt = take->add_option("--note", flags->take_note, "Note");
  take->callback(bind([&ctx](MedicationFlags& f, dd::MedicationStore& s) {
    return take_or_skip(ctx, f, /*take=*/true, s);
  }));

  CLI::App* skip = app.add_subcommand("skip", "Record a dose as skipped");
  skip->fallthrough();
  skip->add_option("id", flags->skip_id, "Dose id (from `today`)")->required();
  flags->skip_note_opt = skip->add_option("--note", flags->skip_note, "Note");
  skip->callback(bind([&ctx](MedicationFlags& f, dd::MedicationStore& s) {
    return take_or_skip(ctx, f, /*take=*/false, s);
  }));

  CLI::App* hist = app.add_subcommand("history", "Past doses, newest first");
  hist->fallthrough();
  flags->history_medicine_opt =
      hist->add_option("--medicine", flags->history_medicine, "Only this medicine id");
  hist->add_option("--from", flags->history_from, "From date YYYY-MM-DD");
  hist->add_option("--to", flags->history_to, "To date YYYY-MM-DD (inclusive)");
  hist->add_option("--status", flags->history_status, "pending, taken or skipped");
  hist->callback(
      bind([&ctx](MedicationFlags& f, dd::MedicationStore& s) { return history(ctx, f, s); }));

  CLI::App* remind = app.add_subcommand("reminders", "Doses alerting now, with hourly re-alerts");
  remind->fallthrough();
  remind->callback(
      bind([&ctx](MedicationFlags&, dd::MedicationStore& s) { return reminders(ctx, s); }));
}

}  // namespace dailydrug::cli
