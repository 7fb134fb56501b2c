// The injectable "now" of the app layer, so that materialisation, take times and reminders are
// deterministic in tests.
#pragma once

#include <chrono>

#include "dailydrug/app/calendar.h"

namespace dailydrug::app {

/// Source of the current local civil date-time. Implementations must be thread-safe for now().
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current local date-time, truncated to the minute.
  virtual LocalDateTime now() const = 0;
  Date today() const { return date_of(now()); }
};

/// The system clock read through the process's local time zone (localtime_r): the wall clock a
/// user sees. DST transitions only move which civil minute "now" is; stored times never shift.
class SystemClock final : public Clock {
 public:
  LocalDateTime now() const override;
};

/// A clock that stays where it is put. Not thread-safe to set while another thread reads it.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(LocalDateTime now) : now_(now) {}
  LocalDateTime now() const override { return now_; }
  void set(LocalDateTime now) { now_ = now; }
  void advance(std::chrono::minutes by) { now_ += by; }

 private:
  LocalDateTime now_;
};

}  // namespace dailydrug::app
