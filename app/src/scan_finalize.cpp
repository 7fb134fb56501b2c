// PrescriptionScanner::finalize: a draft (the rules' reading, possibly completed by a model) →
// ScanResult. Time slots from the slot table, the traceability check (fields that fail are
// cleared, slots re-derived, until stable), then the warnings for what is missing, ambiguous or
// not representable.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dailydrug/app/prescription_scanner.h"
#include "dailydrug/app/scan_traceability.h"
#include "dailydrug/app/time_slot_table.h"

namespace dailydrug::app {
namespace {

std::string_view field_korean(std::string_view field) {
  static constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
      {"dose", "1회 복용량"},  {"times_per_day", "1일 복용 횟수"}, {"duration_days", "복용 기간"},
      {"timing", "복용 시점"}, {"time_slots", "복용 시간"},        {"notes", "메모"}};
  for (const auto& [key, label] : kLabels) {
    if (key == field) {
      return label;
    }
  }
  return "약 이름";
}

class Finalizer {
 public:
  explicit Finalizer(const ScanDraft& draft) : draft_(draft) {}

  ScanResult run() {
    for (const DraftMedication& d : draft_.medications) {
      meds_.push_back(initial(d));
    }
    verify();
    ScanResult result;
    for (size_t i = 0; i < meds_.size(); ++i) {
      if (meds_[i].dropped) {
        continue;
      }
      const int index = static_cast<int>(result.medications.size());
      add_warnings(index, meds_[i]);
      result.medications.push_back(meds_[i].m);
    }
    result.warnings.insert(result.warnings.begin(), draft_.document_warnings.begin(),
                           draft_.document_warnings.end());
    result.warnings.insert(result.warnings.end(), warnings_.begin(), warnings_.end());
    return result;
  }

 private:
  struct Working {
    const DraftMedication* d = nullptr;
    ScannedMedication m;
    SlotOutcome slot_outcome = SlotOutcome::kOk;
    std::vector<std::string> unverified;  // fields cleared by the traceability check
    bool dropped = false;
  };

  static Working initial(const DraftMedication& d) {
    Working w;
    w.d = &d;
    ScannedMedication& m = w.m;
    m.name = d.name;
    m.source_line = d.source_line;
    if (d.name_source == FieldSource::kModel) {
      m.field_sources.name = FieldOrigin::kModel;
    }
    if (d.dose) {
      m.dose = d.dose->text();
      m.field_lines.dose = d.dose_field.line;
      m.field_sources.dose = field_origin(d.dose_field.source);
    }
    if (d.times_per_day) {
      m.times_per_day = d.times_per_day;
      m.field_lines.times_per_day = d.times_field.line;
      m.field_sources.times_per_day = field_origin(d.times_field.source);
    }
    if (d.duration_days) {
      m.duration_days = d.duration_days;
      m.field_lines.duration_days = d.duration_field.line;
      m.field_sources.duration_days = field_origin(d.duration_field.source);
    }
    if (d.timing) {
      m.timing = d.timing;
      m.field_lines.timing = d.timing_field.line;
      m.field_sources.timing = field_origin(d.timing_field.source);
    }
    std::vector<ScanNote> notes = d.notes;
    // The directions' notes ("식후 30분", a condition, a limit — also from a footer) first, then
    // those of caution and remark lines, each in document order: cautions printed above a table
    // do not come before the qualifier.
    std::stable_sort(notes.begin(), notes.end(), [](const ScanNote& a, const ScanNote& b) {
      if (a.from_note_line != b.from_note_line) {
        return b.from_note_line;
      }
      return a.line != b.line ? a.line < b.line : a.offset < b.offset;
    });
    for (const ScanNote& n : notes) {
      if (std::find(m.notes.begin(), m.notes.end(), n.text) == m.notes.end() &&
          m.notes.size() < 20) {
        m.notes.push_back(n.text);
      }
    }
    plan_slots(w);
    return w;
  }

  static void plan_slots(Working& w) {
    SlotRequest r;
    r.times_per_day = w.m.times_per_day;
    r.timing = w.m.timing;
    r.offset_minutes = w.d->when.offset_minutes;
    r.slots = w.d->when.slots;
    r.clock_minutes = w.d->when.clock_minutes;
    r.interval_hours = w.d->when.interval_hours;
    const SlotPlan plan = plan_time_slots(r);
    w.m.time_slots = plan.slots;
    w.slot_outcome = plan.outcome;
  }

  /// Clears what the traceability check rejects, then re-derives the slots, until stable.
  void verify() {
    for (int round = 0; round < 3; ++round) {
      ScanResult probe;
      std::vector<size_t> index;
      for (size_t i = 0; i < meds_.size(); ++i) {
        if (!meds_[i].dropped) {
          index.push_back(i);
          probe.medications.push_back(meds_[i].m);
        }
      }
      const auto issues = check_traceability(probe, draft_.document);
      if (issues.empty()) {
        return;
      }
      for (const TraceIssue& issue : issues) {
        clear(meds_[index[static_cast<size_t>(issue.medication)]], issue);
      }
      for (Working& w : meds_) {
        if (!w.dropped) {
          plan_slots(w);
        }
      }
    }
  }

  void clear(Working& w, const TraceIssue& issue) {
    ScannedMedication& m = w.m;
    const std::string& f = issue.field;
    if (f == "name" || f == "source_line") {
      w.dropped = true;
      ScanWarning warning;
      warning.code = scan_warning::kUnverified;
      warning.field = "name";
      warning.line = m.source_line;
      warning.message = "약 이름 '" + m.name + "'을(를) 원문에서 확인할 수 없어 제외했습니다.";
      warnings_.push_back(std::move(warning));
      return;
    }
    if (f == "dose") {
      m.dose.reset();
      m.field_lines.dose.reset();
      m.field_sources.dose.reset();
    } else if (f == "times_per_day" || f == "time_slots") {
      // Slots follow from the count: without a checked count there are none.
      m.times_per_day.reset();
      m.field_lines.times_per_day.reset();
      m.field_sources.times_per_day.reset();
    } else if (f == "duration_days") {
      m.duration_days.reset();
      m.field_lines.duration_days.reset();
      m.field_sources.duration_days.reset();
    } else if (f == "timing") {
      m.timing.reset();
      m.field_lines.timing.reset();
      m.field_sources.timing.reset();
    } else if (f == "notes") {
      std::erase_if(m.notes, [&](const std::string& n) {
        return issue.message.find("'" + n + "'") != std::string::npos;
      });
    }
    if (std::find(w.unverified.begin(), w.unverified.end(), f) == w.unverified.end()) {
      w.unverified.push_back(f);
    }
  }

  void warn(int med, std::string_view code, std::optional<std::string> field,
            std::optional<int> line, std::string message) {
    ScanWarning w;
    w.code = std::string(code);
    w.field = std::move(field);
    w.medication = med;
    w.line = line;
    w.message = std::move(message);
    warnings_.push_back(std::move(w));
  }

  void add_warnings(int i, const Working& w) {
    const DraftMedication& d = *w.d;
    const ScannedMedication& m = w.m;
    const std::string who = "'" + m.name + "'";
    const auto cleared = [&](const char* field) {
      return std::find(w.unverified.begin(), w.unverified.end(), field) != w.unverified.end();
    };
    for (const std::string& field : w.unverified) {
      warn(i, scan_warning::kUnverified, field, m.source_line,
           who + "의 " + std::string(field_korean(field)) +
               " 값을 원문에서 확인할 수 없어 비웠습니다.");
    }
    // Dose.
    if (!m.dose && !cleared("dose")) {
      if (d.dose_field.source == FieldSource::kAmbiguous) {
        warn(i, scan_warning::kAmbiguous, "dose", d.dose_field.line,
             who + "의 1회 복용량이 서로 달라 비워 두었습니다.");
      } else {
        warn(i, scan_warning::kMissing, "dose", m.source_line,
             who + "의 1회 복용량을 찾지 못했습니다.");
      }
    } else if (m.dose && d.dose_unit_unknown) {
      warn(i, scan_warning::kUnitUnknown, "dose", m.field_lines.dose,
           who + "의 복용량 단위를 알 수 없습니다 (" + *m.dose + ").");
    }
    // Times per day.
    const bool as_needed = m.timing == Timing::kAsNeeded;
    if (!m.times_per_day && !cleared("times_per_day") && !cleared("time_slots")) {
      if (d.non_daily) {
        warn(i, scan_warning::kNonDailyFrequency, "times_per_day", m.source_line,
             who + "은(는) 매일 먹는 약이 아닙니다 (예: 주 1회). 복용 일정은 직접 정해 주세요.");
      } else if (d.times_field.source == FieldSource::kAmbiguous) {
        warn(i, scan_warning::kAmbiguous, "times_per_day", d.times_field.line,
             who + "의 1일 복용 횟수가 서로 달라 비워 두었습니다.");
      } else if (!as_needed) {
        warn(i, scan_warning::kMissing, "times_per_day", m.source_line,
             who + "의 1일 복용 횟수를 찾지 못했습니다.");
      }
    }
    // Duration.
    if (!m.duration_days && !cleared("duration_days")) {
      if (d.duration_in_months) {
        warn(i, scan_warning::kDurationInMonths, "duration_days", m.source_line,
             who + "의 복용 기간이 개월 단위라 일수로 정하지 않았습니다.");
      } else if (d.duration_out_of_range) {
        warn(i, scan_warning::kOutOfRange, "duration_days", m.source_line,
             who + "의 복용 기간이 365일을 넘어 비워 두었습니다.");
      } else if (d.duration_field.source == FieldSource::kAmbiguous) {
        warn(i, scan_warning::kAmbiguous, "duration_days", d.duration_field.line,
             who + "의 복용 기간이 서로 달라 비워 두었습니다.");
      } else {
        warn(i, scan_warning::kMissing, "duration_days", m.source_line,
             who + "의 복용 기간을 찾지 못했습니다. 저장하면 종료일 없이 등록됩니다.");
      }
    }
    // Timing and slots.
    if (d.timing_field.source == FieldSource::kAmbiguous) {
      warn(i, scan_warning::kAmbiguous, "timing", d.timing_field.line,
           who + "의 복용 시점(식전/식후 등)이 서로 달라 비워 두었습니다.");
    }
    if (w.slot_outcome == SlotOutcome::kAsNeeded) {
      warn(i, scan_warning::kPrnNoSlots, std::nullopt, m.field_lines.timing,
           who + "은(는) 필요할 때 먹는 약이라 정해진 복용 시간이 없습니다.");
    } else if (w.slot_outcome == SlotOutcome::kMismatch ||
               w.slot_outcome == SlotOutcome::kUndetermined) {
      warn(i, scan_warning::kSlotsUndetermined, "time_slots", m.field_lines.times_per_day,
           who + "의 복용 시간을 정할 수 없습니다. 직접 입력해 주세요.");
    }
    if (d.unassigned_numbers) {
      warn(i, scan_warning::kUnassignedNumbers, std::nullopt, m.source_line,
           who + " 줄의 숫자가 어느 항목인지 알 수 없어 사용하지 않았습니다.");
    }
  }

  const ScanDraft& draft_;
  std::vector<Working> meds_;
  std::vector<ScanWarning> warnings_;
};

}  // namespace

ScanResult PrescriptionScanner::finalize(const ScanDraft& draft) {
  return Finalizer(draft).run();
}

}  // namespace dailydrug::app
