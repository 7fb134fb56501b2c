#include "dailydrug/app/scan_model_find.h"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dailydrug/app/dosage_lexer.h"
#include "dailydrug/app/dosage_lexicon.h"
#include "dailydrug/app/dose_parser.h"
#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace {

using nlohmann::json;

constexpr size_t kMaxSpanTokens = 4;
constexpr size_t kMaxMedications = 64;  // the schema's maxItems

bool is_anchor(const DosageToken& t, std::string_view line) {
  return t.kind == TokenKind::kStrength ||
         (t.kind == TokenKind::kWord && dosage_form_of(ascii_lower(t.text(line))).has_value());
}

bool is_name_piece(const DosageToken& t) {
  return (t.kind == TokenKind::kWord && !t.caution) || t.kind == TokenKind::kStrength;
}

/// Spans of 1–4 consecutive name pieces of `line`, with an anchor unless `any`.
std::vector<std::string> name_spans(std::string_view line, const std::vector<DosageToken>& tokens,
                                    bool any) {
  std::vector<std::string> spans;
  for (size_t first = 0; first < tokens.size(); ++first) {
    bool anchored = false;
    for (size_t last = first; last < tokens.size() && last < first + kMaxSpanTokens; ++last) {
      if (!is_name_piece(tokens[last])) {
        break;
      }
      anchored = anchored || is_anchor(tokens[last], line);
      if (!anchored && !any) {
        continue;
      }
      const size_t begin = tokens[first].begin;
      std::string span(line.substr(begin, tokens[last].end - begin));
      if (std::find(spans.begin(), spans.end(), span) == spans.end()) {
        spans.push_back(std::move(span));
      }
    }
  }
  return spans;
}

/// Lines the rules have already classified as something else: a notice (hospital, pharmacy,
/// patient, pharmacist), or a labelled field other than a name ("모양:", "효능:", "주의:").
bool classified(std::string_view line, const std::vector<DosageToken>& tokens) {
  if (has_notice_keyword(ascii_lower(compact_text(line)))) {
    return true;
  }
  for (const DosageToken& t : tokens) {
    if (t.kind == TokenKind::kLabel) {
      return t.label != LabelKind::kName;
    }
    if (t.kind != TokenKind::kSeparator && t.kind != TokenKind::kOrdinal) {
      return false;
    }
  }
  return false;
}

bool has_fields(std::string_view line, int number, const std::vector<DosageToken>& tokens) {
  const InstructionFields f = parse_instructions(line, number, tokens, 0);
  return f.dose.present() || f.times.present() || f.days.present();
}

}  // namespace

llm::Result<ModelFindReport> find_missed_medications(llm::LocalLlm& llm, ScanDraft& draft,
                                                     const ModelFillOptions& options) {
  ModelFindReport report;
  const bool none_found = draft.medications.empty();
  std::set<int> name_lines;
  for (const DraftMedication& m : draft.medications) {
    name_lines.insert(m.source_line);
  }
  std::string numbered;
  for (const OcrLine& line : draft.document.lines) {
    if (!line.too_long && !line.text.empty()) {
      numbered += std::to_string(line.number) + ": " + line.text + "\n";
    }
  }
  for (const OcrLine& line : draft.document.lines) {
    if (draft.medications.size() >= kMaxMedications || llm::stop_requested(options.cancel.get())) {
      break;
    }
    if (line.too_long || line.text.empty() || name_lines.count(line.number) != 0) {
      continue;
    }
    const std::vector<DosageToken> tokens = lex_dosage_line(line.text);
    if (classified(line.text, tokens) ||
        (none_found && !has_fields(line.text, line.number, tokens))) {
      continue;
    }
    const std::vector<std::string> spans = name_spans(line.text, tokens, none_found);
    if (spans.empty()) {
      continue;
    }
    json names = json::array();
    for (const std::string& s : spans) {
      names.push_back(s);
    }
    names.push_back(nullptr);
    const json schema = {{"type", "object"},
                         {"additionalProperties", false},
                         {"required", {"medicine"}},
                         {"properties", {{"medicine", {{"enum", names}}}}}};
    llm::GenerationRequest req;
    req.system_instructions = {
        "You read Korean prescriptions and medicine bags. Answer with one JSON object only. Use "
        "null when the line names no medicine (a heading, a description, a pill's picture)."};
    req.prompt = "Prescription lines:\n" + numbered +
                 "\nWhich medicine, if any, is named on line " + std::to_string(line.number) + "?";
    req.temperature = 0.0f;
    req.max_output_tokens = options.max_output_tokens;
    req.timeout_ms = options.timeout_ms;
    req.json_schema = schema.dump();
    req.cancel = options.cancel;
    DD_ASSIGN_OR_RETURN(llm::GenerationResponse resp, llm.generate(req));
    ++report.lines_asked;
    const json answer = json::parse(resp.text, nullptr, /*allow_exceptions=*/false);
    if (resp.finish_reason != llm::FinishReason::kStop || !answer.is_object() ||
        !answer.value("medicine", json()).is_string()) {
      continue;
    }
    DraftMedication m;
    m.name = answer["medicine"].get<std::string>();
    m.source_line = line.number;
    m.name_source = FieldSource::kModel;
    const auto at =
        std::find_if(draft.medications.begin(), draft.medications.end(),
                     [&](const DraftMedication& other) { return other.source_line > line.number; });
    draft.medications.insert(at, std::move(m));
    name_lines.insert(line.number);
    report.names.push_back(answer["medicine"].get<std::string>());
    ++report.medications_found;
  }
  if (report.medications_found > 0) {
    std::erase_if(draft.document_warnings, [](const ScanWarning& w) {
      return w.code == scan_warning::kNoMedications ||
             w.code == scan_warning::kInstructionsWithoutMedicine;
    });
  }
  return report;
}

}  // namespace dailydrug::app
