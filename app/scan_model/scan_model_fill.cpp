#include "dailydrug/app/scan_model_fill.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/dosage_terms.h"

namespace dailydrug::app {

namespace {

using nlohmann::json;

struct Candidate {
  json value;
  int line = 0;
};

struct FieldCandidates {
  std::vector<Candidate> times, days, timing, dose;
};

void add(std::vector<Candidate>& list, json value, int line) {
  for (const auto& c : list) {
    if (c.value == value) return;  // first occurrence keeps its line
  }
  list.push_back({std::move(value), line});
}

bool whole(double v) {
  return std::floor(v) == v;
}

/// The medication's own lines: its name line and the next ones up to the next medication, a
/// blank line, or two lines.
std::vector<const OcrLine*> own_lines(const ScanDraft& draft, size_t index) {
  const DraftMedication& m = draft.medications[index];
  int last = m.source_line + 2;
  for (const auto& other : draft.medications) {
    if (other.source_line > m.source_line) last = std::min(last, other.source_line - 1);
  }
  std::vector<const OcrLine*> lines;
  for (int n = m.source_line; n <= last; ++n) {
    const OcrLine* line = draft.document.line(n);
    if (line == nullptr || (n > m.source_line && line->text.empty())) break;
    lines.push_back(line);
  }
  return lines;
}

FieldCandidates candidates_of(const std::vector<const OcrLine*>& lines) {
  FieldCandidates c;
  for (const OcrLine* line : lines) {
    for (const DosageToken& t : lex_dosage_line(line->text)) {
      switch (t.kind) {
        case TokenKind::kTimes:
        case TokenKind::kFrequency:
          if (whole(t.value) && t.value >= 1 && t.value <= 24) {
            add(c.times, static_cast<int>(t.value), line->number);
          }
          break;
        case TokenKind::kDays:
          if (whole(t.value) && t.value >= 1 && t.value <= 365) {
            add(c.days, static_cast<int>(t.value), line->number);
          }
          break;
        case TokenKind::kWeeks:
          if (whole(t.value) && t.value >= 1 && t.value * 7 <= 365) {
            add(c.days, static_cast<int>(t.value) * 7, line->number);
          }
          break;
        case TokenKind::kNumber:
          if (whole(t.value) && t.value >= 1 && t.value <= 24) {
            add(c.times, static_cast<int>(t.value), line->number);
          }
          if (whole(t.value) && t.value >= 1 && t.value <= 365) {
            add(c.days, static_cast<int>(t.value), line->number);
          }
          break;
        case TokenKind::kTiming:
          add(c.timing, std::string(timing_label(t.timing)), line->number);
          break;
        case TokenKind::kPrnCondition:
          add(c.timing, std::string(timing_label(Timing::kAsNeeded)), line->number);
          break;
        case TokenKind::kDose: {
          DoseAmount amount;
          amount.appropriate_amount = t.appropriate_amount;
          amount.amount = t.value;
          amount.amount_max = t.value_max;
          amount.unit = t.unit;
          add(c.dose, amount.text(), line->number);
          break;
        }
        default:
          break;
      }
    }
  }
  return c;
}

bool unknown(const DraftField& f) {
  return !f.known();
}

int line_of(const std::vector<Candidate>& list, const json& value) {
  for (const auto& c : list) {
    if (c.value == value) return c.line;
  }
  return 0;
}

}  // namespace

llm::Result<ModelFillReport> fill_unknown_fields(llm::LocalLlm& llm, ScanDraft& draft,
                                                 const ModelFillOptions& options) {
  ModelFillReport report;
  for (size_t i = 0; i < draft.medications.size(); ++i) {
    if (llm::stop_requested(options.cancel.get())) break;  // what was filled so far stays
    DraftMedication& m = draft.medications[i];
    const auto lines = own_lines(draft, i);
    const FieldCandidates c = candidates_of(lines);
    struct Ask {
      const char* field;
      const char* question;
      const std::vector<Candidate>* candidates;
    };
    std::vector<Ask> asks;
    if (unknown(m.times_field) && !m.non_daily && !c.times.empty()) {
      asks.push_back({"times_per_day", "how many times a day (회)", &c.times});
    }
    if (unknown(m.duration_field) && !m.duration_in_months && !c.days.empty()) {
      asks.push_back({"duration_days", "for how many days (일분)", &c.days});
    }
    if (unknown(m.timing_field) && !c.timing.empty()) {
      asks.push_back(
          {"timing", "when, relative to meals (식전, 식후, 취침전, 필요시 ...)", &c.timing});
    }
    if (unknown(m.dose_field) && !c.dose.empty()) {
      asks.push_back({"dose", "the amount per dose with its unit (정, ml, 포 ...)", &c.dose});
    }
    if (asks.empty()) continue;

    json schema = {{"type", "object"}, {"additionalProperties", false}};
    json required = json::array();
    std::string questions;
    for (const Ask& a : asks) {
      json values = json::array();
      for (const auto& cand : *a.candidates) values.push_back(cand.value);
      values.push_back(nullptr);
      schema["properties"][a.field] = {{"enum", values}};
      required.push_back(a.field);
      questions += std::string("- ") + a.field + ": " + a.question + "\n";
    }
    schema["required"] = required;

    std::string numbered;
    for (const OcrLine* line : lines) {
      numbered += std::to_string(line->number) + ": " + line->text + "\n";
    }
    llm::GenerationRequest req;
    req.system_instructions = {
        "You read Korean prescriptions and medicine bags. Answer with one JSON object only. Use "
        "null when the lines do not say."};
    req.prompt = "Prescription lines:\n" + numbered + "\nFor the medicine \"" + m.name +
                 "\" (line " + std::to_string(m.source_line) + "), give:\n" + questions;
    req.temperature = 0.0f;
    req.max_output_tokens = options.max_output_tokens;
    req.timeout_ms = options.timeout_ms;
    req.json_schema = schema.dump();
    req.cancel = options.cancel;
    DD_ASSIGN_OR_RETURN(llm::GenerationResponse resp, llm.generate(req));

    ModelFillStep step;
    step.medication = m.name;
    step.answer = resp.text;
    for (const Ask& a : asks) step.fields_asked.push_back(a.field);
    report.fields_asked += static_cast<int>(asks.size());
    const json answer = json::parse(resp.text, nullptr, /*allow_exceptions=*/false);
    if (resp.finish_reason == llm::FinishReason::kStop && answer.is_object()) {
      for (const Ask& a : asks) {
        const json& v = answer.value(a.field, json());
        if (v.is_null()) continue;
        const int line = line_of(*a.candidates, v);
        const DraftField filled{FieldSource::kModel, line};
        const std::string_view field = a.field;
        if (field == "times_per_day" && v.is_number_integer()) {
          m.times_per_day = v.get<int>();
          m.times_field = filled;
        } else if (field == "duration_days" && v.is_number_integer()) {
          m.duration_days = v.get<int>();
          m.duration_field = filled;
        } else if (field == "timing" && v.is_string()) {
          for (Timing t : kAllTimings) {
            if (timing_label(t) == v.get<std::string>()) {
              m.timing = t;
              m.timing_field = filled;
            }
          }
        } else if (field == "dose" && v.is_string()) {
          if (auto dose = parse_dose_text(v.get<std::string>())) {
            m.dose = *dose;
            m.dose_field = filled;
          }
        } else {
          continue;
        }
        step.fields_filled.push_back(a.field);
        ++report.fields_filled;
      }
    }
    report.steps.push_back(std::move(step));
  }
  return report;
}

}  // namespace dailydrug::app
