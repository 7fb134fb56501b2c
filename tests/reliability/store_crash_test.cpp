// kill -9 during MedicationStore writes: a child process saves schedules and takes doses in a
// loop, reporting each write through a pipe only after the call returned (committed); the parent
// kills it at a random moment, then checks that the file passes `PRAGMA integrity_check` and that
// every reported write is there. Repeated on the same file, so later rounds also recover from the
// earlier rounds' interrupted writes (WAL replay).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dailydrug/app/clock.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/schedule_params.h"
#include "dailydrug/app/sqlite.h"
#include "reliability_util.h"

using namespace dailydrug::app;
using namespace dailydrug::reliability;

namespace {

std::shared_ptr<const Clock> fixed_clock() {
  return std::make_shared<FixedClock>(parse_local_date_time("2026-11-24T09:30").value());
}

/// The child: writes until killed. Each committed write is reported as one line
/// ("M <medicine> <schedule>" or "T <record>"), written whole (< PIPE_BUF) after the call returned.
[[noreturn]] void write_until_killed(const fs::path& db, int report_fd, int round) {
  auto store = MedicationStore::open(db, fixed_clock());
  if (!store.ok()) ::_exit(10);
  auto report = [&](const std::string& line) {
    if (::write(report_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      ::_exit(11);
    }
  };
  for (int i = 0;; ++i) {
    CreateScheduleParams::Fields f;
    f.name = "약" + std::to_string(round) + "-" + std::to_string(i);
    f.dosage = "1정";
    f.memo = std::string(200, 'm');  // larger rows: more pages per transaction
    f.start_date = parse_date("2026-11-01").value();
    f.end_date = parse_date("2026-12-31").value();
    for (const char* t : {"08:00", "13:00", "19:00"}) {
      f.time_slots.push_back(parse_time_of_day(t).value());
    }
    auto params = CreateScheduleParams::create(std::move(f));
    if (!params.ok()) ::_exit(12);
    auto saved = store->save_schedule(*params);
    if (!saved.ok()) ::_exit(13);
    report("M " + std::to_string(saved->medicine_id) + " " + std::to_string(saved->schedule_id) +
           "\n");
    auto today = store->doses_on(parse_date("2026-11-24").value());
    if (!today.ok()) ::_exit(14);
    for (const auto& d : *today) {
      if (d.schedule.id == saved->schedule_id && d.status() == DoseStatus::kPending) {
        auto taken = store->take_dose(d.record.id);
        if (!taken.ok()) ::_exit(15);
        report("T " + std::to_string(d.record.id) + "\n");
        break;
      }
    }
  }
}

std::string integrity_check(const fs::path& db) {
  auto conn = sqlite::Database::open(db.string());
  if (!conn.ok()) return "open failed: " + conn.error().message();
  auto st = conn->prepare("PRAGMA integrity_check");
  if (!st.ok()) return "prepare failed: " + st.error().message();
  std::string out;
  for (;;) {
    auto row = st->step();
    if (!row.ok()) return "step failed: " + row.error().message();
    if (!*row) break;
    out += (out.empty() ? "" : "; ") + st->column_text(0);
  }
  return out;
}

}  // namespace

TEST(StoreCrashTest, KillDuringWritesLosesNoCommittedRecordAndKeepsTheFileIntact) {
  ScratchDir dir;
  const fs::path db = dir / "dailydrug.db";
  std::mt19937 rng(20261124);
  std::vector<std::pair<int64_t, int64_t>> medicines;  // (medicine, schedule) reported
  std::vector<int64_t> taken;                          // record ids reported taken
  constexpr int kRounds = 12;
  int killed_mid_run = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      write_until_killed(db, fds[1], round);
    }
    ::close(fds[1]);
    // Read reports while the child runs so it never blocks on a full pipe.
    std::string reports;
    std::thread reader([&] {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fds[0], buf, sizeof buf)) > 0) reports.append(buf, static_cast<size_t>(n));
    });
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 400)(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    reader.join();
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer stopped by itself: " << describe_status(status);
    ++killed_mid_run;
    std::istringstream lines(reports);
    std::string kind;
    int round_writes = 0;
    while (lines >> kind) {
      int64_t a = 0, b = 0;
      if (kind == "M") {
        lines >> a >> b;
        medicines.emplace_back(a, b);
      } else {
        lines >> a;
        taken.push_back(a);
      }
      ++round_writes;
    }
    ASSERT_EQ(integrity_check(db), "ok") << "round " << round;
    auto store = MedicationStore::open(db, fixed_clock());
    ASSERT_TRUE(store.ok()) << store.error().message();
    for (const auto& [m, s] : medicines) {
      ASSERT_TRUE(store->get_medicine(m).ok())
          << "medicine " << m << " lost (round " << round << ")";
      ASSERT_TRUE(store->get_schedule(s).ok()) << "schedule " << s << " lost";
    }
    for (int64_t r : taken) {
      auto dose = store->get_dose(r);
      ASSERT_TRUE(dose.ok()) << "record " << r << " lost";
      ASSERT_EQ(dose->status(), DoseStatus::kTaken) << "record " << r << " no longer taken";
    }
    // Every committed schedule still has all its occurrences (no half-written transaction).
    for (const auto& [m, s] : medicines) {
      HistoryQuery q;
      q.medicine_id = m;
      q.include_upcoming = true;
      auto h = store->history(q);
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(h->size(), 61u * 3) << "medicine " << m << ": doses of a committed schedule";
    }
    std::printf("round %d: %d committed writes reported, %zu medicines so far\n", round,
                round_writes, medicines.size());
  }
  EXPECT_EQ(killed_mid_run, kRounds);
  EXPECT_GT(medicines.size(), 10u) << "the writer made too little progress to test anything";
}
