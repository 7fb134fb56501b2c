// dailydrug_scan_eval: per-field accuracy of the prescription scanner over the case set
// (tests/data/scan by default). Prints a Markdown report (or JSON with --json); --output also
// writes it to a file. Exit code 0, or 2 if the cases cannot be read.
//
//   dailydrug_scan_eval [--json] [--output FILE] [CASES_DIR]
#include <fstream>
#include <iostream>
#include <string>

#include "scan_case_eval.h"

#ifndef DD_SCAN_CASES_DIR
#define DD_SCAN_CASES_DIR "tests/data/scan"
#endif

int main(int argc, char** argv) {
  std::string dir = DD_SCAN_CASES_DIR;
  std::string output;
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      as_json = true;
    } else if (arg == "--output" && i + 1 < argc) {
      output = argv[++i];
    } else if (arg == "--help" || arg == "-h" || (!arg.empty() && arg[0] == '-')) {
      std::cerr << "usage: dailydrug_scan_eval [--json] [--output FILE] [CASES_DIR]\n";
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
  const dailydrug::app::PrescriptionScanner scanner;
  std::vector<dailydrug::scan_eval::CaseResult> results;
  results.reserve(cases.size());
  for (const auto& c : cases) {
    results.push_back(dailydrug::scan_eval::evaluate_case(c, scanner));
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
