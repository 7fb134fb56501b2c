// `dailydrug scan [--save [--start D]] FILE|-`: reads the OCR text of a Korean prescription or
// medicine bag and prints the medications it finds (dailydrug::app::PrescriptionScanner), as
// Korean text or, with the global --json, as the scan result JSON
// (app/schemas/scan_result.schema.json; `dailydrug scan --schema` prints it).
//
// --save turns each medication that has times per day and time slots into a medicine with a
// daily schedule from today (or --start) for duration_days days — open-ended when the duration
// is unknown — in the database of --db; the others are listed as not saved. Without --save
// nothing is written and no database is opened. "Today" follows --now / $DAILYDRUG_NOW.
//
// Exit codes (commands.h):
//   0  medications found (and, with --save, at least one saved)
//   1  the text is readable but holds no medication (the result is still printed), --save found
//      nothing it could save, or the database failed
//   2  unreadable input — missing file, not UTF-8, binary (NUL bytes), empty, larger than 1 MiB —
//      or a bad flag (--start)
// Errors go to stderr, as {"error": {...}} with --json.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
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
#include "dailydrug/app/error.h"
#include "dailydrug/app/json_codec.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_import.h"
#include "dailydrug/app/scan_model_fill.h"
#include "dailydrug/app/scan_result.h"
#include "dailydrug/app/scan_schema.h"
#include "dailydrug/app/schedule_params.h"
#include "model_loading.h"

namespace dailydrug::cli {
namespace {

namespace dd = dailydrug::app;
using nlohmann::json;

struct ScanFlags {
  std::string input;
  bool save = false;
  std::string start;
  bool schema = false;
  bool model = false;
};

/// Reads FILE or stdin ("-"), refusing more than `limit` bytes without reading it all.
dd::Result<std::string> read_input(const std::string& path, size_t limit) {
  const auto too_large = [&](const std::string& size) {
    return dd::Error::invalid(
        "input", "too large: " + size + " bytes (limit " + std::to_string(limit) + ")");
  };
  std::string data;
  if (path == "-") {
    std::vector<char> buf(64 * 1024);
    while (true) {
      const size_t n = std::fread(buf.data(), 1, buf.size(), stdin);
      data.append(buf.data(), n);
      if (data.size() > limit) {
        return too_large("more than " + std::to_string(limit));
      }
      if (n < buf.size()) {
        break;
      }
    }
    if (std::ferror(stdin) != 0) {
      return dd::Error::invalid("input", "cannot read standard input");
    }
    return data;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return dd::Error::invalid("input", "'" + path + "' is a directory");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return dd::Error::invalid("input", "cannot open '" + path + "': " + ec.message());
  }
  if (size > limit) {
    return too_large(std::to_string(size));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return dd::Error::invalid("input", "cannot open '" + path + "'");
  }
  data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (data.size() > limit) {
    return too_large(std::to_string(data.size()));
  }
  return data;
}

std::string or_unknown(const std::optional<std::string>& v) {
  return v ? *v : "?";
}

void print_result(const dd::ScanResult& r) {
  if (r.medications.empty()) {
    std::cout << "처방 약을 찾지 못했습니다.\n";
  } else {
    std::cout << "처방 인식 결과: 약 " << r.medications.size() << "개\n";
  }
  for (size_t i = 0; i < r.medications.size(); ++i) {
    const dd::ScannedMedication& m = r.medications[i];
    std::cout << i + 1 << ". " << m.name << " (" << m.source_line << "번째 줄)\n   "
              << "1회 " << or_unknown(m.dose) << " · 1일 "
              << (m.times_per_day ? std::to_string(*m.times_per_day) + "회" : "?회") << " · "
              << (m.duration_days ? std::to_string(*m.duration_days) + "일" : "기간 미상");
    if (m.timing) {
      std::cout << " · " << dd::timing_label(*m.timing);
    }
    std::cout << '\n';
    if (!m.time_slots.empty()) {
      std::cout << "   복용 시간:";
      for (const dd::TimeOfDay& t : m.time_slots) {
        std::cout << ' ' << dd::format_time_of_day(t);
      }
      std::cout << '\n';
    }
    for (const std::string& note : m.notes) {
      std::cout << "   메모: " << note << '\n';
    }
  }
  if (!r.warnings.empty()) {
    std::cout << "\n확인이 필요합니다:\n";
    for (const dd::ScanWarning& w : r.warnings) {
      std::cout << " - " << w.message << '\n';
    }
  }
}

// ---- Saving -------------------------------------------------------------------------------------

dd::Status save(CliContext& ctx, const dd::ScanResult& result, const ScanFlags& flags) {
  std::optional<dd::Date> start_flag;
  if (!flags.start.empty()) {  // checked before the database is opened (or created)
    start_flag = dd::parse_date(flags.start);
    if (!start_flag) {
      return dd::Error::invalid("start", "'" + flags.start + "' is not a date YYYY-MM-DD");
    }
  }
  DD_APP_ASSIGN_OR_RETURN(dd::MedicationStore store, open_store(ctx));
  const dd::Date start = start_flag.value_or(store.clock().today());
  const dd::ScanImportPlan plan = dd::plan_scan_import(result, start);
  const json skipped = dd::not_saved_json(plan);
  json saved = json::array();
  for (const dd::ScanImportPlan::Item& item : plan.items) {
    DD_APP_ASSIGN_OR_RETURN(const dd::SavedSchedule s, store.save_schedule(item.params));
    DD_APP_ASSIGN_OR_RETURN(const dd::Medicine medicine, store.get_medicine(s.medicine_id));
    DD_APP_ASSIGN_OR_RETURN(const dd::MedicationSchedule schedule,
                            store.get_schedule(s.schedule_id));
    saved.push_back(dd::scan_saved_json(item, medicine, schedule, s));
  }
  if (ctx.globals.json) {
    std::cout << dump_json(json{{"scan", result}, {"saved", saved}, {"not_saved", skipped}})
              << '\n';
  } else {
    print_result(result);
    std::cout << '\n';
    for (const json& s : saved) {
      const json& med = s["medicine"];
      std::cout << "저장했습니다: 약 #" << med["id"].get<int64_t>() << ' '
                << med["name"].get<std::string>() << ' ' << med["dosage"].get<std::string>()
                << " (복용 기록 " << s["records_added"].get<int>() << "개"
                << (s["open_ended"].get<bool>() ? ", 종료일 없음" : "") << ")\n";
    }
    for (const json& s : skipped) {
      std::cout << "저장하지 않음: " << s["name"].get<std::string>() << " — "
                << s["message"].get<std::string>() << '\n';
    }
  }
  if (saved.empty()) {
    std::cerr << "오류: 저장할 수 있는 약이 없습니다.\n";
    ctx.exit_code = kExitFailure;
  }
  return dd::Status::Ok();
}

// ---- The command --------------------------------------------------------------------------------

/// --model: the rules' draft, then the model completes unknown fields by constrained decoding
/// over the values the text contains; finalize() checks everything as usual. What the model
/// filled is reported on stderr.
dd::Result<dd::ScanResult> scan_with_model(const CliContext& ctx,
                                           const dd::PrescriptionScanner& scanner,
                                           std::string_view text, bool& model_failed) {
  auto draft = scanner.draft(text);
  if (!draft.ok()) return draft.take_error();
  auto loaded = load_model_for_cli(ctx.globals);
  if (!loaded.ok()) {
    report_error(loaded.error(), ctx.globals.json);
    model_failed = true;
    return dd::Error::invalid("model", loaded.error().message());
  }
  dd::ModelFillOptions options;
  options.cancel = llm::make_cancel_token();
  const CancelOnSigint cancel_guard(options.cancel);
  auto filled = dd::fill_unknown_fields(**loaded, *draft, options);
  if (!filled.ok()) {
    report_error(filled.error(), ctx.globals.json);
    model_failed = true;
    return dd::Error::invalid("model", filled.error().message());
  }
  for (const auto& step : filled->steps) {
    std::cerr << "모델: " << step.medication << " — ";
    for (size_t i = 0; i < step.fields_asked.size(); ++i) {
      std::cerr << (i ? ", " : "") << step.fields_asked[i];
    }
    std::cerr << " → " << step.answer << '\n';
  }
  return dd::PrescriptionScanner::finalize(*draft);
}

void run_scan(CliContext& ctx, const ScanFlags& flags) {
  if (flags.schema) {
    std::cout << dd::scan_result_schema_text();
    return;
  }
  if (flags.input.empty()) {
    return report_app_error(
        ctx, dd::Error::invalid("input", "give a FILE, or - for standard input"), kExitUsage);
  }
  const dd::PrescriptionScanner scanner;
  const dd::ScanOptions options;
  auto text = read_input(flags.input, options.normalizer.max_input_bytes);
  if (!text.ok()) {
    return report_app_error(ctx, text.error(), kExitUsage);
  }
  bool model_failed = false;
  auto result =
      flags.model ? scan_with_model(ctx, scanner, *text, model_failed) : scanner.scan(*text);
  if (model_failed) {
    ctx.exit_code = kExitModel;  // already reported as the runtime's typed error
    return;
  }
  if (!result.ok()) {
    const dd::Error& e = result.error();
    return report_app_error(ctx, e, e.subject == "input" ? kExitUsage : kExitFailure);
  }
  if (result->medications.empty()) {
    if (ctx.globals.json) {
      std::cout << dump_json(json(*result)) << '\n';
    } else {
      print_result(*result);
    }
    const bool instructions_only =
        std::any_of(result->warnings.begin(), result->warnings.end(), [](const dd::ScanWarning& w) {
          return w.code == dd::scan_warning::kInstructionsWithoutMedicine;
        });
    std::cerr << "오류: "
              << (instructions_only ? "복용법은 있지만 약 이름을 찾지 못했습니다."
                                    : "처방 약을 찾지 못했습니다.")
              << '\n';
    ctx.exit_code = kExitFailure;
    return;
  }
  if (flags.save) {
    try {
      const dd::Status status = save(ctx, *result, flags);
      if (!status.ok()) {
        report_app_error(ctx, status.error(), exit_code_for(status.error()));
      }
    } catch (const std::exception& e) {
      report_app_error(ctx, dd::Error::storage("unexpected", e.what()), kExitFailure);
    }
    return;
  }
  if (ctx.globals.json) {
    std::cout << dump_json(json(*result)) << '\n';
  } else {
    print_result(*result);
  }
}

}  // namespace

void register_scan_command(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<ScanFlags>();
  if (app.get_option_no_throw("--now") == nullptr) {
    app.add_option("--now", ctx.globals.now, "Fixed current time YYYY-MM-DDTHH:MM (tests)")
        ->group("");  // hidden
  }
  CLI::App* scan = app.add_subcommand(
      "scan", "Read a prescription or medicine bag (OCR text) into a medication schedule");
  scan->fallthrough();  // accept --json, --db, --now after the subcommand too
  scan->add_option("input", flags->input, "OCR text file, or - for standard input");
  scan->add_flag("--save", flags->save,
                 "Save each medication with time slots as a medicine and schedule");
  auto* start = scan->add_option("--start", flags->start,
                                 "First day of saved schedules YYYY-MM-DD (default: today)");
  scan->add_flag("--schema", flags->schema, "Print the JSON schema of the result and exit");
  scan->add_flag("--model", flags->model,
                 "Let the local model complete fields the rules left unknown (choosing among "
                 "values in the text; checked like the rules' values)");
  start->needs(scan->get_option("--save"));
  scan->callback([&ctx, flags] { run_scan(ctx, *flags); });
}

}  // namespace dailydrug::cli
