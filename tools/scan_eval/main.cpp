// dailydrug_scan_eval: per-field accuracy of the prescription scanner over the case set
// (tests/data/scan by default). Prints a Markdown report (or JSON with --json); --output also
// writes it to a file. Exit code 0, or 2 if the cases cannot be read.
//
//   dailydrug_scan_eval [--json] [--output FILE] [--model BUNDLE_DIR] [CASES_DIR]
//
// --model: the rules' draft, then the model fills unknown fields (scan_model_fill.h), then
// finalize() — the accuracy of `dailydrug scan --model`.
#include <fstream>
#include <memory>
#include <iostream>
#include <string>

#include "dailydrug/app/scan_model_fill.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/runner.h"
#include "scan_case_eval.h"

#ifndef DD_SCAN_CASES_DIR
#define DD_SCAN_CASES_DIR "tests/data/scan"
#endif

int main(int argc, char** argv) {
  std::string dir = DD_SCAN_CASES_DIR;
  std::string output;
  bool as_json = false;
  std::string model_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      as_json = true;
    } else if (arg == "--output" && i + 1 < argc) {
      output = argv[++i];
    } else if (arg == "--model" && i + 1 < argc) {
      model_dir = argv[++i];
    } else if (arg == "--help" || arg == "-h" || (!arg.empty() && arg[0] == '-')) {
      std::cerr << "usage: dailydrug_scan_eval [--json] [--output FILE] [--model DIR] [CASES_DIR]\n";
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
  std::unique_ptr<llm::Runner> runner;
  if (!model_dir.empty()) {
    auto bundle = llm::ModelBundle::open(model_dir);
    if (!bundle.ok()) {
      std::cerr << "dailydrug_scan_eval: " << bundle.error().message() << '\n';
      return 2;
    }
    auto loaded = llm::Runner::from_bundle(*bundle);
    if (!loaded.ok()) {
      std::cerr << "dailydrug_scan_eval: " << loaded.error().message() << '\n';
      return 2;
    }
    runner = std::move(*loaded);
  }
  int asked = 0, filled = 0;
  const dailydrug::scan_eval::ScanFunction scan = [&](std::string_view text)
      -> app::Result<app::ScanResult> {
    if (!runner) return scanner.scan(text);
    auto draft = scanner.draft(text);
    if (!draft.ok()) return draft.take_error();
    auto report = app::fill_unknown_fields(*runner, *draft);
    if (!report.ok()) return app::Error::invalid("model", report.error().message());
    asked += report->fields_asked;
    filled += report->fields_filled;
    return app::PrescriptionScanner::finalize(*draft);
  };
  std::vector<dailydrug::scan_eval::CaseResult> results;
  results.reserve(cases.size());
  for (const auto& c : cases) {
    results.push_back(dailydrug::scan_eval::evaluate_case(c, scan));
  }
  if (runner) {
    std::cerr << "model: " << model_dir << ": " << asked << " unknown fields asked, " << filled
              << " filled\n";
  }
  const std::string report = as_json ? dailydrug::scan_eval::render_json(results).dump(2) + "\n"
                                     : dailydrug::scan_eval::render_markdown(results);
  std::cout << report;
  if (!output.empty()) {
    std::ofstream out(output, std::ios::binary);
    out << report;
    if (!out) {
      std::cerr << "dailydrug_scan_eval: cannot write " << output << '\n';
      return 2;
    }
  }
  return 0;
}
