// dailydrug_scan_eval: per-field accuracy of the prescription scanner over the case set
// (tests/data/scan by default). Prints a Markdown report (or JSON with --json); --output also
// writes it to a file.
//
//   dailydrug_scan_eval [--json] [--output FILE] [--model BUNDLE_DIR [--find-missed]] [--summary]
//                       [--min-fields F] [--min-recall R] [--min-precision P] [CASES_DIR]
//
// --summary: totals only, no per-case differences (the only way to score a sealed set).
// --min-*: fractions in [0, 1] over all cases — pooled field accuracy, medication recall and
// precision; any below its minimum, or any output not traceable to its input, exits 1.
// Exit code 0, 1 below a minimum, 2 if the cases cannot be read or a flag is bad.
//
// --model: the rules' draft, then the model fills unknown fields (scan_model_fill.h), then
// finalize() — the accuracy of `dailydrug scan --model`. With --find-missed the model first looks
// for medications the rules missed (scan_model_find.h).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "dailydrug/app/scan_model_fill.h"
#include "dailydrug/app/scan_model_find.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/local_llm.h"
#include "scan_case_eval.h"

#ifndef DD_SCAN_CASES_DIR
#define DD_SCAN_CASES_DIR "tests/data/scan"
#endif

namespace {

namespace se = dailydrug::scan_eval;

struct Minimums {
  double fields = 0;
  double recall = 0;
  double precision = 0;
  bool any = false;
};

std::optional<double> parse_fraction(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
    return std::nullopt;
  }
  return v;
}

double fraction(const se::FieldScore& s) {
  return s.total == 0 ? 1.0 : double(s.correct) / s.total;
}

// Prints each unmet minimum to stderr; true when all are met.
bool meets(const se::Totals& t, const Minimums& m) {
  bool ok = true;
  const auto check = [&](const char* what, const se::FieldScore& s, double minimum) {
    if (fraction(s) < minimum) {
      std::cerr << "dailydrug_scan_eval: " << what << ' ' << s.correct << '/' << s.total
                << " is below the minimum " << minimum << '\n';
      ok = false;
    }
  };
  check("all fields", t.fields, m.fields);
  check("medication recall", t.recall, m.recall);
  check("medication precision", t.precision, m.precision);
  if (t.untraced != 0) {
    std::cerr << "dailydrug_scan_eval: " << t.untraced
              << " outputs fail the traceability or schema check\n";
    ok = false;
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = DD_SCAN_CASES_DIR;
  std::string output;
  bool as_json = false;
  std::string model_dir;
  bool summary_only = false;
  bool find_missed = false;
  Minimums minimums;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      as_json = true;
    } else if (arg == "--summary") {
      summary_only = true;
    } else if (arg == "--find-missed") {
      find_missed = true;
    } else if ((arg == "--min-fields" || arg == "--min-recall" || arg == "--min-precision") &&
               i + 1 < argc) {
      const auto v = parse_fraction(argv[++i]);
      if (!v) {
        std::cerr << "dailydrug_scan_eval: " << arg << " needs a number from 0 to 1\n";
        return 2;
      }
      (arg == "--min-fields"   ? minimums.fields
       : arg == "--min-recall" ? minimums.recall
                               : minimums.precision) = *v;
      minimums.any = true;
    } else if (arg == "--output" && i + 1 < argc) {
      output = argv[++i];
    } else if (arg == "--model" && i + 1 < argc) {
      model_dir = argv[++i];
    } else if (arg == "--help" || arg == "-h" || (!arg.empty() && arg[0] == '-')) {
      std::cerr << "usage: dailydrug_scan_eval [--json] [--output FILE] [--model DIR] [--summary]\n"
                   "       [--min-fields F] [--min-recall R] [--min-precision P] [CASES_DIR]\n";
      return arg == "--help" || arg == "-h" ? 0 : 2;
    } else {
      dir = arg;
    }
  }
  std::string error;
  const auto cases = dailydrug::scan_eval::load_cases(dir, error);
  if (!error.empty() || cases.empty()) {
    std::cerr << "dailydrug_scan_eval: " << (error.empty() ? "no cases in " + dir : error) << '\n';
    return 2;
  }
  namespace app = dailydrug::app;
  namespace llm = dailydrug::llm;
  const app::PrescriptionScanner scanner;
  std::unique_ptr<llm::LocalLlm> model;
  if (!model_dir.empty()) {
    auto loaded = llm::LocalLlm::open(model_dir);
    if (!loaded.ok()) {
      std::cerr << "dailydrug_scan_eval: " << loaded.error().message() << '\n';
      return 2;
    }
    model = std::move(loaded).value();
  }
  int asked = 0, filled = 0, lines_asked = 0, found = 0;
  const dailydrug::scan_eval::ScanFunction scan =
      [&](std::string_view text) -> app::Result<app::ScanResult> {
    if (!model) {
      return scanner.scan(text);
    }
    auto draft = scanner.draft(text);
    if (!draft.ok()) {
      return draft.take_error();
    }
    if (find_missed) {
      auto missed = app::find_missed_medications(*model, *draft);
      if (!missed.ok()) {
        return app::Error::invalid("model", missed.error().message());
      }
      lines_asked += missed->lines_asked;
      found += missed->medications_found;
    }
    auto report = app::fill_unknown_fields(*model, *draft);
    if (!report.ok()) {
      return app::Error::invalid("model", report.error().message());
    }
    asked += report->fields_asked;
    filled += report->fields_filled;
    return app::PrescriptionScanner::finalize(*draft);
  };
  std::vector<dailydrug::scan_eval::CaseResult> results;
  results.reserve(cases.size());
  for (const auto& c : cases) {
    results.push_back(dailydrug::scan_eval::evaluate_case(c, scan));
  }
  if (model) {
    std::cerr << "model: " << model_dir << ": " << asked << " unknown fields asked, " << filled
              << " filled";
    if (find_missed) {
      std::cerr << "; " << lines_asked << " lines asked for a missed medication, " << found
                << " found";
    }
    std::cerr << '\n';
  }
  const bool differences = !summary_only;
  const std::string report = as_json ? se::render_json(results, differences).dump(2) + "\n"
                                     : se::render_markdown(results, differences);
  std::cout << report;
  if (!output.empty()) {
    std::ofstream out(output, std::ios::binary);
    out << report;
    if (!out) {
      std::cerr << "dailydrug_scan_eval: cannot write " << output << '\n';
      return 2;
    }
  }
  if (minimums.any && !meets(se::totals(results), minimums)) {
    return 1;
  }
  return 0;
}
