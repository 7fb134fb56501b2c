#include "reading_entry.h"

namespace dailydrug::app {
namespace {

// Whether a field group is given: the count also by a non-daily rhythm, the duration also in
// months. lacks_any, fill_missing and own_sources read the groups the same way.
bool has_dose(const InstructionFields& f) {
  return f.dose.present();
}
bool has_times(const InstructionFields& f) {
  return f.times.present() || f.non_daily;
}
bool has_days(const InstructionFields& f) {
  return f.days.present() || f.days_in_months;
}
bool has_when(const InstructionFields& f) {
  return f.when.present();
}

}  // namespace

bool lacks_any(const InstructionFields& have, const InstructionFields& offer) {
  return (!has_dose(have) && has_dose(offer)) || (!has_times(have) && has_times(offer)) ||
         (!has_days(have) && has_days(offer)) || (!has_when(have) && has_when(offer));
}

bool fill_missing(InstructionFields& dst, Sources& sources, const InstructionFields& src,
                  FieldSource how) {
  bool took = false;
  if (!has_dose(dst) && has_dose(src)) {
    dst.dose = src.dose;
    dst.dose_unit_from_form = src.dose_unit_from_form;
    sources.dose = how;
    took = true;
  }
  if (!has_times(dst) && has_times(src)) {
    dst.times = src.times;
    dst.times_is_max = src.times_is_max;
    dst.times_from_interval = src.times_from_interval;
    dst.non_daily = src.non_daily;
    dst.non_daily_line = src.non_daily_line;
    sources.times = how;
    took = true;
  }
  if (!has_days(dst) && has_days(src)) {
    dst.days = src.days;
    dst.days_in_months = src.days_in_months;
    dst.months_line = src.months_line;
    sources.days = how;
    took = true;
  }
  if (!has_when(dst) && has_when(src)) {
    dst.when = src.when;
    sources.when = how;
    took = true;
  } else if (!dst.when.timing && !dst.when.timing_ambiguous &&
             (src.when.timing || src.when.timing_ambiguous)) {
    // "복용 횟수: 1일 2회 (아침, 저녁)" then "복용 시점: 식후 30분": parts of the day from one
    // line, the meal timing from another.
    if (dst.when.parts_line == 0) {
      dst.when.parts_line = dst.when.line;  // the count still comes from the parts' line
    }
    dst.when.timing = src.when.timing;
    dst.when.timing_ambiguous = src.when.timing_ambiguous;
    dst.when.offset_minutes = src.when.offset_minutes;
    dst.when.line = src.when.line;
    sources.when = how;
    took = true;
  }
  if (took) {
    dst.notes.insert(dst.notes.end(), src.notes.begin(), src.notes.end());
  }
  return took;
}

Sources own_sources(const InstructionFields& f) {
  Sources s;
  const auto mark = [](bool present) { return present ? FieldSource::kText : FieldSource::kNone; };
  s.dose = mark(has_dose(f));
  s.times = mark(has_times(f));
  s.days = mark(has_days(f));
  s.when = mark(has_when(f));
  return s;
}

}  // namespace dailydrug::app
