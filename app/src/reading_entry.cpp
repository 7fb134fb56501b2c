#include "reading_entry.h"

namespace dailydrug::app {

bool lacks_any(const InstructionFields& have, const InstructionFields& offer) {
  return (!have.dose.present() && offer.dose.present()) ||
         (!have.times.present() && !have.non_daily && (offer.times.present() || offer.non_daily)) ||
         (!have.days.present() && !have.days_in_months &&
          (offer.days.present() || offer.days_in_months)) ||
         (!have.when.present() && offer.when.present());
}

bool fill_missing(InstructionFields& dst, Sources& sources, const InstructionFields& src,
                  FieldSource how) {
  bool took = false;
  if (!dst.dose.present() && src.dose.present()) {
    dst.dose = src.dose;
    dst.dose_unit_from_form = src.dose_unit_from_form;
    sources.dose = how;
    took = true;
  }
  if (!dst.times.present() && !dst.non_daily && (src.times.present() || src.non_daily)) {
    dst.times = src.times;
    dst.times_is_max = src.times_is_max;
    dst.times_from_interval = src.times_from_interval;
    dst.non_daily = src.non_daily;
    dst.non_daily_line = src.non_daily_line;
    sources.times = how;
    took = true;
  }
  if (!dst.days.present() && !dst.days_in_months && (src.days.present() || src.days_in_months)) {
    dst.days = src.days;
    dst.days_in_months = src.days_in_months;
    dst.months_line = src.months_line;
    sources.days = how;
    took = true;
  }
  if (!dst.when.present() && src.when.present()) {
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
  s.dose = mark(f.dose.present());
  s.times = mark(f.times.present() || f.non_daily);
  s.days = mark(f.days.present() || f.days_in_months);
  s.when = mark(f.when.present());
  return s;
}

}  // namespace dailydrug::app
