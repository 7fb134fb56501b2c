// Black-box tests of the medication commands: the real `dailydrug` binary against a temporary
// database, with a fixed --now, checking stdout (text and JSON), stderr and exit codes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_harness.h"

using nlohmann::json;

namespace {

constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitNotFound = 3;

using dd_test::CliResult;

class CliMedicationTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("DAILYDRUG_NOW"); }

  /// Runs `env ENV... dailydrug ARGS...` with nothing else added.
  CliResult run_raw(const std::vector<std::string>& args,
                    const std::vector<std::string>& env = {}) {
    return dd_test::run_shell(dd_test::cli_command(args, env), dir_);
  }

  /// Runs against the test database at the test's "now".
  CliResult run(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--db", db_, "--now", now_};
    full.insert(full.end(), args.begin(), args.end());
    return run_raw(full);
  }

  CliResult run_ok(const std::vector<std::string>& args) {
    CliResult r = run(args);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    return r;
  }

  /// Adds 타이레놀 1정 at 08:00 and 20:00 for 5 days from 2026-11-24 (medicine #1).
  void add_tylenol(const std::string& start = "2026-11-24") {
    run_ok({"med", "add", "--name", "타이레놀", "--dosage", "1정", "--times", "08:00,20:00",
            "--start", start, "--days", "5"});
  }

  /// The record id of the dose at `when` ("YYYY-MM-DDTHH:MM").
  int64_t dose_id(const std::string& when) {
    const json doses =
        run_ok({"--json", "history", "--from", when.substr(0, 10), "--to", when.substr(0, 10)})
            .data();
    const json upcoming = run_ok({"--json", "today", "--date", when.substr(0, 10)}).data();
    for (const auto& d : doses) {
      if (d["scheduled_at"] == when) {
        return d["id"].get<int64_t>();
      }
    }
    for (const auto& g : upcoming["groups"]) {
      for (const auto& d : g["doses"]) {
        if (d["scheduled_at"] == when) {
          return d["id"].get<int64_t>();
        }
      }
    }
    ADD_FAILURE() << "no dose at " << when;
    return 0;
  }

  dd_test::ScratchDir scratch_{"dd_cli_test"};
  const std::filesystem::path& dir_ = scratch_.path();
  std::string db_ = (dir_ / "dailydrug.db").string();
  std::string now_ = "2026-11-24T09:30";
};

}  // namespace

TEST_F(CliMedicationTest, AddPrintsAKoreanSummary) {
  const CliResult r = run({"med", "add", "--name", "타이레놀", "--dosage", "1정", "--times",
                           "08:00,20:00", "--start", "2026-11-24", "--days", "5"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("등록했습니다"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("타이레놀 1정"), std::string::npos);
  EXPECT_NE(r.out.find("2026-11-24 ~ 2026-11-28"), std::string::npos);
  EXPECT_NE(r.out.find("복용 기록 10개"), std::string::npos);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CliMedicationTest, AddAndListAsJson) {
  const json added = run_ok({"--json", "med", "add", "--name", "비타민", "--dosage", "1알",
                             "--times", "20:00, 08:00,08:00", "--start", "2026-11-24", "--take",
                             "5", "--rest", "2", "--color", "#ff0000", "--memo", "식후"})
                         .data();
  EXPECT_EQ(added["medicine"]["name"], "비타민");
  EXPECT_EQ(added["medicine"]["color"], "#FF0000");
  EXPECT_EQ(added["schedule"]["time_slots"], json({"08:00", "20:00"}));
  EXPECT_EQ(added["schedule"]["end_date"], nullptr);
  EXPECT_EQ(added["schedule"]["take_days"], 5);
  EXPECT_EQ(added["schedule"]["rest_days"], 2);
  // Nov 24–28 take, 29–30 rest, Dec 1–5, 8–12, 15–19, 22–26, 29–31 take: 28 days × 2.
  EXPECT_EQ(added["records_added"], 56);

  const json list = run_ok({"med", "list", "--json"}).data();  // global flag after subcommand
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["memo"], "식후");
  ASSERT_EQ(list[0]["schedules"].size(), 1u);
  EXPECT_EQ(list[0]["schedules"][0]["active"], true);
}

TEST_F(CliMedicationTest, EmptyListIsFriendly) {
  const CliResult r = run_ok({"med", "list"});
  EXPECT_NE(r.out.find("등록된 약이 없습니다"), std::string::npos);
  EXPECT_EQ(run_ok({"--json", "med", "list"}).data(), json::array());
}

TEST_F(CliMedicationTest, TodayGroupsByPeriod) {
  add_tylenol();
  run_ok({"med", "add", "--name", "오메가3", "--dosage", "2캡슐", "--times", "12:30", "--start",
          "2026-11-24"});
  const json today = run_ok({"--json", "today"}).data();
  EXPECT_EQ(today["date"], "2026-11-24");
  EXPECT_EQ(today["total"], 3);
  EXPECT_EQ(today["pending"], 3);
  ASSERT_EQ(today["groups"].size(), 3u);
  EXPECT_EQ(today["groups"][0]["period"], "MORNING");
  EXPECT_EQ(today["groups"][1]["period"], "LUNCH");
  EXPECT_EQ(today["groups"][2]["period"], "DINNER");
  EXPECT_EQ(today["groups"][1]["doses"][0]["medicine"]["name"], "오메가3");
  EXPECT_EQ(today["groups"][0]["pending_count"], 1);

  const CliResult text = run_ok({"today"});
  EXPECT_NE(text.out.find("2026-11-24 (화)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("오전약"), std::string::npos);
  EXPECT_NE(text.out.find("점심약"), std::string::npos);
  EXPECT_NE(text.out.find("저녁약"), std::string::npos);
  EXPECT_EQ(text.out.find("밤약"), std::string::npos);  // empty groups are not shown
  EXPECT_NE(text.out.find("미복용"), std::string::npos);
}

TEST_F(CliMedicationTest, TodayForAnotherDate) {
  add_tylenol();
  EXPECT_EQ(run_ok({"--json", "today", "--date", "2026-11-28"}).data()["total"], 2);
  EXPECT_EQ(run_ok({"--json", "today", "--date", "2026-11-29"}).data()["total"], 0);
  EXPECT_NE(run_ok({"today", "--date", "2026-11-29"}).out.find("복용할 약이 없습니다"),
            std::string::npos);
}

TEST_F(CliMedicationTest, TakeIsIdempotent) {
  add_tylenol();
  const std::string id = std::to_string(dose_id("2026-11-24T08:00"));
  const json first = run_ok({"--json", "take", id, "--at", "08:05", "--note", "식후"}).data();
  EXPECT_EQ(first["status"], "taken");
  EXPECT_EQ(first["taken_at"], "2026-11-24T08:05");
  EXPECT_EQ(first["note"], "식후");
  EXPECT_EQ(first["changed"], true);
  const json second = run_ok({"--json", "take", id}).data();
  EXPECT_EQ(second["changed"], false);
  EXPECT_EQ(second["taken_at"], "2026-11-24T08:05");
  EXPECT_NE(run_ok({"take", id}).out.find("이미 처리된 기록"), std::string::npos);
  EXPECT_EQ(run_ok({"--json", "today"}).data()["taken"], 1);
}

TEST_F(CliMedicationTest, TakeDefaultsToNowAndAcceptsFullDateTimes) {
  add_tylenol();
  const json now = run_ok({"--json", "take", std::to_string(dose_id("2026-11-24T08:00"))}).data();
  EXPECT_EQ(now["taken_at"], "2026-11-24T09:30");
  const json at = run_ok({"--json", "take", std::to_string(dose_id("2026-11-25T08:00")), "--at",
                          "2026-11-25T07:55"})
                      .data();
  EXPECT_EQ(at["taken_at"], "2026-11-25T07:55");
}

TEST_F(CliMedicationTest, SkipIsIdempotentButNotAfterTaking) {
  add_tylenol();
  const std::string morning = std::to_string(dose_id("2026-11-24T08:00"));
  const std::string evening = std::to_string(dose_id("2026-11-24T20:00"));
  EXPECT_EQ(run_ok({"--json", "skip", evening}).data()["status"], "skipped");
  EXPECT_EQ(run_ok({"--json", "skip", evening}).data()["changed"], false);

  run_ok({"take", morning});
  const CliResult refused = run({"skip", morning});
  EXPECT_EQ(refused.code, kExitFailure);
  EXPECT_NE(refused.err.find("오류"), std::string::npos);
  EXPECT_TRUE(refused.out.empty());
  const json err = run({"--json", "skip", morning}).error_json();
  EXPECT_EQ(err["error"]["kind"], "Conflict");
}

TEST_F(CliMedicationTest, UnknownIdsExitNotFound) {
  add_tylenol();
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"take", "999"},
                                             {"skip", "999"},
                                             {"med", "rm", "999"},
                                             {"med", "edit", "999", "--memo", "x"},
                                             {"history", "--medicine", "999"}}) {
    const CliResult r = run(args);
    EXPECT_EQ(r.code, kExitNotFound) << args[0] << " " << r.err;
    EXPECT_NE(r.err.find("찾을 수 없습니다"), std::string::npos) << r.err;
  }
  const json err = run({"--json", "take", "999"}).error_json();
  EXPECT_EQ(err["error"]["kind"], "NotFound");
  EXPECT_EQ(err["error"]["subject"], "record");
  EXPECT_EQ(err["error"]["id"], 999);
}

TEST_F(CliMedicationTest, InvalidInputExitsWithUsage) {
  const std::vector<std::string> base = {"med", "add", "--name", "타이레놀", "--dosage", "1정"};
  const auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  for (const auto& args : std::vector<std::vector<std::string>>{
           with({"--times", "25:00"}),
           with({"--times", "08:00", "--start", "2026-02-30"}),
           with({"--times", "08:00", "--start", "2026-12-01", "--end", "2026-11-30"}),
           with({"--times", "08:00", "--take", "0"}),
           with({"--times", "08:00", "--rest", "-1"}),
           with({"--times", "08:00", "--days", "0"}),
           with({"--times", "08:00", "--days", "3", "--end", "2026-12-01"}),
           with({"--times", "08:00", "--color", "blue"}),
           with({"--times", ","}),
           with({}),  // --times is required
           {"med", "add", "--name", "\u3000", "--dosage", "1정", "--times", "08:00"},
           {"med", "add", "--name", "약", "--dosage", " ", "--times", "08:00"},
           {"take", "abc"},
           {"today", "--date", "tomorrow"},
           {"today", "--date", "2999-12-31"},  // would materialise centuries of records
           {"history", "--status", "done"},
           {"history", "--from", "2026-11-30", "--to", "2026-11-01"},
           {"med", "frobnicate"},
           {"med", "edit", "1"},  // nothing to change
       }) {
    const CliResult r = run(args);
    EXPECT_EQ(r.code, kExitUsage) << r.out << r.err;
  }
  const CliResult bad_now = run_raw({"--db", db_, "--now", "yesterday", "today"});
  EXPECT_EQ(bad_now.code, kExitUsage);
  // Nothing was stored by the refused commands.
  EXPECT_EQ(run_ok({"--json", "med", "list"}).data(), json::array());
}

TEST_F(CliMedicationTest, EditKeepsTakenHistory) {
  add_tylenol("2026-11-20");  // Nov 20–24
  run_ok({"take", std::to_string(dose_id("2026-11-20T08:00"))});
  run_ok({"skip", std::to_string(dose_id("2026-11-21T20:00"))});
  const json edited = run_ok({"--json", "med", "edit", "1", "--times", "09:00", "--start",
                              "2026-11-01", "--end", "2026-11-30"})
                          .data();
  EXPECT_EQ(edited["schedule"]["time_slots"], json({"09:00"}));
  EXPECT_EQ(edited["records_removed"], 1);  // today 20:00
  EXPECT_EQ(edited["records_added"], 6);    // Nov 25–30 09:00

  const json taken = run_ok({"--json", "history", "--status", "taken"}).data();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0]["scheduled_at"], "2026-11-20T08:00");
  EXPECT_EQ(run_ok({"--json", "history", "--status", "skipped"}).data().size(), 1u);
  const json today = run_ok({"--json", "today"}).data();
  EXPECT_EQ(today["total"], 1);  // 08:00 (missed, kept); 09:00 was already past at 09:30
  const json tomorrow = run_ok({"--json", "today", "--date", "2026-11-25"}).data();
  EXPECT_EQ(tomorrow["groups"][0]["doses"][0]["scheduled_at"], "2026-11-25T09:00");
}

TEST_F(CliMedicationTest, EditMedicineFieldsAndPause) {
  add_tylenol();
  const json renamed =
      run_ok({"--json", "med", "edit", "1", "--name", "타이레놀 ER", "--no-end"}).data();
  EXPECT_EQ(renamed["medicine"]["name"], "타이레놀 ER");
  EXPECT_EQ(renamed["schedule"]["end_date"], nullptr);
  const json paused = run_ok({"--json", "med", "edit", "1", "--inactive"}).data();
  EXPECT_EQ(paused["schedule"]["active"], false);
  EXPECT_EQ(run_ok({"--json", "today", "--date", "2026-11-25"}).data()["total"], 0);
  EXPECT_NE(run_ok({"med", "list"}).out.find("중지됨"), std::string::npos);
  run_ok({"med", "edit", "1", "--active"});
  EXPECT_EQ(run_ok({"--json", "today", "--date", "2026-11-25"}).data()["total"], 2);
  EXPECT_EQ(run({"med", "edit", "1", "--active", "--inactive"}).code, kExitUsage);
}

TEST_F(CliMedicationTest, RemoveDeletesMedicineAndDoses) {
  add_tylenol();
  const CliResult r = run_ok({"med", "rm", "1"});
  EXPECT_NE(r.out.find("삭제했습니다"), std::string::npos);
  EXPECT_EQ(run_ok({"--json", "med", "list"}).data(), json::array());
  EXPECT_EQ(run_ok({"--json", "today"}).data()["total"], 0);
  EXPECT_EQ(run({"med", "rm", "1"}).code, kExitNotFound);
}

TEST_F(CliMedicationTest, HistoryFiltersNewestFirst) {
  add_tylenol("2026-11-22");
  run_ok({"med", "add", "--name", "비타민", "--dosage", "1알", "--times", "07:00", "--start",
          "2026-11-24", "--days", "1"});
  run_ok({"take", std::to_string(dose_id("2026-11-22T08:00"))});
  const json all = run_ok({"--json", "history"}).data();
  ASSERT_EQ(all.size(), 6u);  // Nov 22 ×2, Nov 23 ×2, Nov 24 07:00 and 08:00; not 20:00 yet
  EXPECT_EQ(all[0]["scheduled_at"], "2026-11-24T08:00");
  EXPECT_EQ(all[5]["scheduled_at"], "2026-11-22T08:00");
  EXPECT_EQ(run_ok({"--json", "history", "--medicine", "2"}).data().size(), 1u);
  EXPECT_EQ(
      run_ok({"--json", "history", "--from", "2026-11-23", "--to", "2026-11-23"}).data().size(),
      2u);
  EXPECT_EQ(run_ok({"--json", "history", "--status", "pending"}).data().size(), 5u);
  const CliResult text = run_ok({"history"});
  EXPECT_NE(text.out.find("복용 완료 1 · 건너뜀 0 · 미복용 5"), std::string::npos) << text.out;
}

TEST_F(CliMedicationTest, RemindersDueRealertAndMidnight) {
  add_tylenol();
  now_ = "2026-11-24T08:00";
  json r = run_ok({"--json", "reminders"}).data();
  ASSERT_EQ(r["reminders"].size(), 1u);
  EXPECT_EQ(r["reminders"][0]["kind"], "due");
  EXPECT_EQ(r["reminders"][0]["next_alert_at"], "2026-11-24T09:00");

  now_ = "2026-11-24T10:10";
  r = run_ok({"--json", "reminders"}).data();
  ASSERT_EQ(r["reminders"].size(), 1u);
  EXPECT_EQ(r["reminders"][0]["kind"], "realert");
  EXPECT_EQ(r["reminders"][0]["alert_number"], 2);
  EXPECT_NE(run_ok({"reminders"}).out.find("다시 알림 2회"), std::string::npos);

  run_ok({"take", std::to_string(dose_id("2026-11-24T08:00"))});
  EXPECT_TRUE(run_ok({"--json", "reminders"}).data()["reminders"].empty());
  EXPECT_NE(run_ok({"reminders"}).out.find("알림이 없습니다"), std::string::npos);

  now_ = "2026-11-24T23:30";  // the 20:00 dose: 3rd re-alert, and no more after midnight
  r = run_ok({"--json", "reminders"}).data();
  ASSERT_EQ(r["reminders"].size(), 1u);
  EXPECT_EQ(r["reminders"][0]["next_alert_at"], nullptr);
  now_ = "2026-11-25T00:10";
  EXPECT_TRUE(run_ok({"--json", "reminders"}).data()["reminders"].empty());
}

TEST_F(CliMedicationTest, RefusesAFileThatIsNotADatabase) {
  const std::string text = "이건 데이터베이스가 아닙니다";
  std::ofstream(db_) << text;
  for (const char* cmd : {"today", "reminders"}) {
    const CliResult r = run({cmd});
    EXPECT_EQ(r.code, kExitFailure);
    EXPECT_NE(r.err.find("SQLite"), std::string::npos) << r.err;
  }
  EXPECT_EQ(dd_test::slurp(db_), text);
}

TEST_F(CliMedicationTest, DefaultDatabaseLivesInXdgDataHome) {
  const auto xdg = dir_ / "xdg";
  const CliResult r =
      run_raw({"--now", now_, "med", "add", "--name", "a", "--dosage", "b", "--times", "08:00"},
              {"XDG_DATA_HOME=" + xdg.string(), "HOME=" + (dir_ / "home").string()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(std::filesystem::exists(xdg / "dailydrug" / "dailydrug.db"));
  const CliResult home = run_raw({"--now", now_, "med", "list"},
                                 {"XDG_DATA_HOME=", "HOME=" + (dir_ / "home").string()});
  ASSERT_EQ(home.code, kExitOk) << home.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "home/.local/share/dailydrug/dailydrug.db"));
}

TEST_F(CliMedicationTest, NowComesFromTheEnvironment) {
  const CliResult r = run_raw(
      {"--db", db_, "--json", "med", "add", "--name", "a", "--dosage", "b", "--times", "08:00"},
      {"DAILYDRUG_NOW=2027-03-01T10:00"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.data()["schedule"]["start_date"], "2027-03-01");
  EXPECT_EQ(r.data()["medicine"]["created_at"], "2027-03-01T10:00");
}

// Text a user writes is bounded (CreateScheduleParams): not UTF-8, too long or with a control
// character, it is a usage error whose JSON names the field and stays valid JSON.
TEST_F(CliMedicationTest, InvalidUtf8OrUnboundedUserTextIsAnInvalidFieldInValidJson) {
  for (const std::string& name :
       {std::string("bad\xff name"), std::string(101, 'a'), std::string("tab\tname")}) {
    const CliResult r =
        run({"--json", "med", "add", "--name", name, "--dosage", "1정", "--times", "08:00"});
    EXPECT_EQ(r.code, kExitUsage) << r.err;
    const auto err = nlohmann::json::parse(r.err, nullptr, false);
    ASSERT_FALSE(err.is_discarded()) << r.err;
    EXPECT_EQ(err["error"]["kind"], "Invalid");
    EXPECT_EQ(err["error"]["subject"], "name");
  }
}
