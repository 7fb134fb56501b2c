// Black-box tests of `dailydrug scan`: the real binary on files and standard input, its JSON
// output against the schema, --save into a temporary database (visible through `med list` and
// `today`), and refusals of unreadable, empty, binary and oversized input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_harness.h"
#include "dailydrug/app/scan_schema.h"

using dd_test::CliResult;
using nlohmann::json;

namespace {

constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2;

const std::filesystem::path kCases = std::filesystem::path(DD_SOURCE_DIR) / "tests/data/scan";

class CliScanTest : public ::testing::Test {
 protected:
  /// Runs `dailydrug ARGS...` with standard input from `stdin_path` (or /dev/null).
  CliResult run(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null",
                const std::string& env = "") {
    const std::vector<std::string> env_vars =
        env.empty() ? std::vector<std::string>{} : std::vector<std::string>{env};
    return dd_test::run_shell(dd_test::cli_command(args, env_vars), dir_, stdin_path);
  }

  /// Against the test database at a fixed "now".
  CliResult run_db(std::vector<std::string> args, const std::string& stdin_path = "/dev/null") {
    args.insert(args.begin(), {"--db", db_, "--now", "2026-03-02T07:00"});
    return run(args, stdin_path);
  }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  static std::string case_path(const std::string& id) { return (kCases / (id + ".txt")).string(); }

  dd_test::ScratchDir scratch_{"dd_cli_scan"};
  const std::filesystem::path& dir_ = scratch_.path();
  std::string db_ = (dir_ / "dailydrug.db").string();
};

TEST_F(CliScanTest, StdinToJsonThatValidatesAgainstTheSchema) {
  const CliResult r = run({"--json", "scan", "-"}, case_path("dev/d02_bag_shared_spaced"));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const json result = r.data();
  EXPECT_TRUE(dailydrug::app::validate_scan_result_json(result).empty()) << result.dump(2);
  ASSERT_EQ(result["medications"].size(), 2u);
  EXPECT_EQ(result["medications"][0]["name"], "타이레놀정 500mg");
  EXPECT_EQ(result["medications"][0]["time_slots"], json({"08:30", "12:30", "18:30"}));
  EXPECT_EQ(result["medications"][1]["field_lines"]["dose"], 5);
}

TEST_F(CliScanTest, EveryCaseOfTheSetGivesValidJson) {
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kCases)) {
    if (entry.path().extension() != ".txt") {
      continue;
    }
    ++files;
    const CliResult r = run({"--json", "scan", entry.path().string()});
    EXPECT_TRUE(r.code == kExitOk || r.code == kExitFailure) << entry.path() << r.err;
    const json result = r.data();
    EXPECT_TRUE(dailydrug::app::validate_scan_result_json(result).empty()) << entry.path();
    EXPECT_EQ(r.code == kExitFailure, result["medications"].empty()) << entry.path();
  }
  EXPECT_GE(files, 40);
}

TEST_F(CliScanTest, HumanOutputInKorean) {
  const CliResult r = run({"scan", case_path("dev/d13_before_meal")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("처방 인식 결과: 약 2개"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("가스모틴정5mg"), std::string::npos);
  EXPECT_NE(r.out.find("복용 시간: 07:30 11:30 17:30"), std::string::npos);
}

TEST_F(CliScanTest, WithoutSaveNothingIsWritten) {
  const CliResult r = run_db({"scan", case_path("dev/d13_before_meal")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(CliScanTest, SaveCreatesSchedulesVisibleInMedListAndToday) {
  const CliResult saved = run_db({"--json", "scan", "--save", "-"}, case_path("dev/d06_prn_pain"));
  ASSERT_EQ(saved.code, kExitOk) << saved.err;
  const json report = saved.data();
  ASSERT_EQ(report["saved"].size(), 1u);
  EXPECT_EQ(report["saved"][0]["medicine"]["name"], "에어탈정(아세클로페낙)");
  // The same item shape as the server's /api/scan/save (json_codec's scan_saved_json).
  for (const char* key :
       {"medication", "medicine", "schedule", "records_added", "records_removed", "open_ended"}) {
    EXPECT_TRUE(report["saved"][0].contains(key)) << key;
  }
  EXPECT_EQ(report["saved"][0]["records_removed"], 0);
  ASSERT_EQ(report["not_saved"].size(), 1u);  // the as-needed 타이레놀이알서방정
  EXPECT_EQ(report["not_saved"][0]["reason"], "as_needed");
  EXPECT_TRUE(dailydrug::app::validate_scan_result_json(report["scan"]).empty());

  const json meds = run_db({"--json", "med", "list"}).data();
  ASSERT_EQ(meds.size(), 1u);
  EXPECT_EQ(meds[0]["name"], "에어탈정(아세클로페낙)");
  EXPECT_EQ(meds[0]["dosage"], "1정");
  ASSERT_EQ(meds[0]["schedules"].size(), 1u);
  const json& schedule = meds[0]["schedules"][0];
  EXPECT_EQ(schedule["start_date"], "2026-03-02");
  EXPECT_EQ(schedule["end_date"], "2026-03-06");  // 5일분
  EXPECT_EQ(schedule["time_slots"], json({"08:30", "18:30"}));

  const json today = run_db({"--json", "today"}).data();
  EXPECT_EQ(today["date"], "2026-03-02");
  EXPECT_EQ(today["total"], 2);
  std::vector<std::string> times;
  for (const json& group : today["groups"]) {
    for (const json& dose : group["doses"]) {
      times.push_back(dose["scheduled_at"].get<std::string>());
      EXPECT_EQ(dose["medicine"]["name"], "에어탈정(아세클로페낙)");
    }
  }
  EXPECT_EQ(times, (std::vector<std::string>{"2026-03-02T08:30", "2026-03-02T18:30"}));
}

TEST_F(CliScanTest, SaveFromAStartDateAndOpenEndedWithoutDuration) {
  const CliResult r = run_db(
      {"--json", "scan", "--save", "--start", "2026-03-10", case_path("dev/d23_slot_words")});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const json report = r.data();
  ASSERT_EQ(report["saved"].size(), 2u);
  for (const json& s : report["saved"]) {
    EXPECT_EQ(s["schedule"]["start_date"], "2026-03-10");
    EXPECT_TRUE(s["schedule"]["end_date"].is_null());
    EXPECT_TRUE(s["open_ended"].get<bool>());
  }
  EXPECT_EQ(report["saved"][1]["medicine"]["memo"], "식후 30분");
  const json day = run_db({"--json", "today", "--date", "2026-03-10"}).data();
  EXPECT_EQ(day["total"], 3);  // 1 + 2 doses
}

TEST_F(CliScanTest, SaveWithNothingSavableFails) {
  const std::string file = write("prn.txt", "타이레놀정 통증시 1정\n");
  const CliResult r = run_db({"scan", "--save", file});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("저장할 수 있는 약이 없습니다"), std::string::npos) << r.err;
}

TEST_F(CliScanTest, TextWithoutMedicinesIsAClearFailure) {
  const CliResult r = run({"--json", "scan", case_path("dev/d18_receipt_only")});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("처방 약을 찾지 못했습니다"), std::string::npos) << r.err;
  const json result = r.data();
  EXPECT_TRUE(result["medications"].empty());
  EXPECT_EQ(result["warnings"][0]["code"], "no_medications");

  const std::string garbage = write("garbage.txt", "@#$%^&*\nlorem ipsum 1234\n");
  const CliResult g = run({"scan", garbage});
  EXPECT_EQ(g.code, kExitFailure);
  EXPECT_NE(g.err.find("처방 약을 찾지 못했습니다"), std::string::npos);
}

TEST_F(CliScanTest, UnreadableInputIsRefusedWithExit2) {
  struct Bad {
    const char* label;
    std::string content;
    const char* detail;
  };
  const std::vector<Bad> cases = {
      {"empty", "", "empty"},
      {"blank", "  \n\n\t\n", "empty"},
      {"latin1", "\xC5\xB8\xB7\xB9\xB3\xEB \xC1\xA4", "not UTF-8"},
      {"binary",
       std::string("\x7F"
                   "ELF\0\0\x01",
                   7),
       "NUL"},
  };
  for (const Bad& b : cases) {
    const std::string file = write(std::string(b.label) + ".txt", b.content);
    const CliResult text = run({"scan", file});
    EXPECT_EQ(text.code, kExitUsage) << b.label;
    EXPECT_NE(text.err.find("입력을 읽을 수 없습니다"), std::string::npos) << text.err;
    const CliResult as_json = run({"--json", "scan", "-"}, file);
    EXPECT_EQ(as_json.code, kExitUsage) << b.label;
    const json error = as_json.error_json();
    EXPECT_EQ(error["error"]["kind"], "Invalid") << as_json.err;
    EXPECT_EQ(error["error"]["subject"], "input");
    EXPECT_NE(error["error"]["detail"].get<std::string>().find(b.detail), std::string::npos)
        << b.label << ": " << as_json.err;
    EXPECT_TRUE(as_json.out.empty());
  }
  EXPECT_EQ(run({"scan", (dir_ / "missing.txt").string()}).code, kExitUsage);
  EXPECT_EQ(run({"scan", dir_.string()}).code, kExitUsage);
  EXPECT_EQ(run({"scan"}).code, kExitUsage);
}

TEST_F(CliScanTest, HugeInputIsRefusedWithoutCrashing) {
  std::string big;
  const std::string line = "타이레놀정 1정 1일 3회 식후 30분 5일분\n";
  while (big.size() < 5u * 1024 * 1024) {
    big += line;
  }
  const std::string file = write("huge.txt", big);
  for (const bool from_stdin : {false, true}) {
    const CliResult r = from_stdin ? run({"--json", "scan", "-"}, file) : run({"scan", file});
    EXPECT_FALSE(r.signalled);
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_NE(r.err.find("too large"), std::string::npos) << r.err;
  }
}

TEST_F(CliScanTest, FlagsAndSchema) {
  const CliResult schema = run({"scan", "--schema"});
  ASSERT_EQ(schema.code, kExitOk);
  EXPECT_EQ(json::parse(schema.out),
            json::parse(dd_test::slurp(std::filesystem::path(DD_SOURCE_DIR) /
                                       "app/schemas/scan_result.schema.json")));
  // --start needs --save; a bad date is a usage error.
  EXPECT_EQ(run_db({"scan", "--start", "2026-03-10", case_path("dev/d13_before_meal")}).code,
            kExitUsage);
  const CliResult bad =
      run_db({"scan", "--save", "--start", "2026-13-01", case_path("dev/d13_before_meal")});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_NE(bad.err.find("start"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(db_));  // refused before opening the database
  // $DAILYDRUG_NOW sets "today" for --save, like --now.
  const CliResult env =
      run({"--db", db_, "--json", "scan", "--save", case_path("dev/d13_before_meal")}, "/dev/null",
          "DAILYDRUG_NOW=2026-04-01T09:00");
  ASSERT_EQ(env.code, kExitOk) << env.err;
  EXPECT_EQ(env.data()["saved"][0]["schedule"]["start_date"], "2026-04-01");
  EXPECT_EQ(env.data()["saved"][0]["schedule"]["end_date"], "2026-04-07");
}

}  // namespace
