// Triage from the numbers a question reports (private to triage.cpp): a pulse, a blood sugar, an
// oxygen saturation or a blood pressure out of range (some only with the symptoms told beside
// them), grams of acetaminophen in a day, a dose measured twice or more too large.
#pragma once

#include <optional>
#include <string>

#include "dailydrug/app/triage.h"

namespace dailydrug::app::triage_readings {

/// `k`: the question lower-cased with spaces removed. The emergency a reading shows, or nullopt.
std::optional<Emergency> reading_out_of_range(const std::string& k);

}  // namespace dailydrug::app::triage_readings
