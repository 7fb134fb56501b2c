#include "scan_case_eval.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <tuple>

#include "dailydrug/app/ocr_normalizer.h"
#include "dailydrug/app/scan_schema.h"
#include "dailydrug/app/scan_traceability.h"

namespace dailydrug::scan_eval {
namespace {

using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Medications of a result grouped by source line, in order.
std::map<int, std::vector<json>> by_line(const json& result) {
  std::map<int, std::vector<json>> out;
  if (result.contains("medications")) {
    for (const json& m : result["medications"]) {
      out[m.value("source_line", 0)].push_back(m);
    }
  }
  return out;
}

std::multiset<std::tuple<std::string, std::string, int>> warning_keys(const json& result) {
  std::multiset<std::tuple<std::string, std::string, int>> keys;
  if (result.contains("warnings")) {
    for (const json& w : result["warnings"]) {
      keys.emplace(w.value("code", ""), w["field"].is_string() ? w["field"].get<std::string>() : "",
                   w["medication"].is_number() ? w["medication"].get<int>() : -1);
    }
  }
  return keys;
}

json warnings_view(const json& result) {
  json out = json::array();
  for (const auto& [code, field, med] : warning_keys(result)) {
    out.push_back(json{{"code", code},
                       {"field", field.empty() ? json(nullptr) : json(field)},
                       {"medication", med < 0 ? json(nullptr) : json(med)}});
  }
  return out;
}

std::string percent(const FieldScore& s) {
  if (s.total == 0) {
    return "–";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%d/%d (%.1f%%)", s.correct, s.total, 100.0 * s.correct / s.total);
  return buf;
}

struct Summary {
  int cases = 0;
  int exact = 0;
  int expected = 0;
  int actual = 0;
  int paired = 0;
  std::map<std::string, FieldScore> scores;
  FieldScore pooled;

  void add(const CaseResult& r) {
    ++cases;
    exact += r.exact() ? 1 : 0;
    expected += r.expected_medications;
    actual += r.actual_medications;
    paired += r.paired_medications;
    for (const auto& [field, s] : r.scores) {
      scores[field].correct += s.correct;
      scores[field].total += s.total;
      pooled.correct += s.correct;
      pooled.total += s.total;
    }
  }
};

std::map<std::string, Summary> summaries(const std::vector<CaseResult>& results) {
  std::map<std::string, Summary> out;
  for (const CaseResult& r : results) {
    out[r.split].add(r);
    out["all"].add(r);
  }
  return out;
}

std::vector<std::string> split_order(const std::map<std::string, Summary>& s) {
  std::vector<std::string> order;
  for (const std::string name : {"dev", "holdout", "blind"}) {
    if (s.count(name) != 0) {
      order.emplace_back(name);
    }
  }
  for (const auto& [name, _] : s) {
    if (name != "all" && std::find(order.begin(), order.end(), name) == order.end()) {
      order.emplace_back(name);
    }
  }
  order.emplace_back("all");
  return order;
}

/// The name of a folder given as the case set itself ("tests/data/scan/layouts-sealed/").
std::string folder_name(const std::filesystem::path& root) {
  std::filesystem::path p = root.lexically_normal();
  if (p.filename().empty()) {
    p = p.parent_path();
  }
  return p.filename().empty() ? "cases" : p.filename().string();
}

/// A sealed split (layouts-sealed) is scored, never shown case by case.
bool is_sealed(const std::string& split) {
  return split.find("sealed") != std::string::npos;
}

}  // namespace

std::vector<ScanCase> load_cases(const std::filesystem::path& root, std::string& error) {
  std::vector<ScanCase> cases;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::filesystem::path& path = it->path();
    if (path.extension() != ".txt") {
      continue;
    }
    ScanCase c;
    const std::filesystem::path relative = std::filesystem::relative(path, root, ec);
    c.id = (relative.parent_path() / relative.stem()).generic_string();
    c.split = relative.has_parent_path() ? relative.begin()->string() : folder_name(root);
    c.text = read_file(path);
    std::filesystem::path expected = path;
    expected.replace_extension(".json");
    c.expected = json::parse(read_file(expected), nullptr, /*allow_exceptions=*/false);
    if (c.expected.is_discarded() || !c.expected.contains("medications")) {
      error += "no valid expected result " + expected.string() + "\n";
      continue;
    }
    cases.push_back(std::move(c));
  }
  if (ec) {
    error += "cannot read " + root.string() + ": " + ec.message() + "\n";
  }
  std::sort(cases.begin(), cases.end(),
            [](const ScanCase& a, const ScanCase& b) { return a.id < b.id; });
  return cases;
}

CaseResult evaluate_case(const ScanCase& c, const app::PrescriptionScanner& scanner) {
  return evaluate_case(c, [&scanner](std::string_view text) { return scanner.scan(text); });
}

CaseResult evaluate_case(const ScanCase& c, const ScanFunction& scan) {
  CaseResult r;
  r.id = c.id;
  r.split = c.split;
  auto scanned = scan(c.text);
  if (!scanned.ok()) {
    r.error = scanned.error().message();
    r.actual = json{{"medications", json::array()}, {"warnings", json::array()}};
  } else {
    r.actual = *scanned;
    for (const auto& v : app::validate_scan_result_json(r.actual)) {
      r.schema_violations.push_back(v.path + ": " + v.message);
    }
    if (auto doc = app::normalize_ocr_text(c.text); doc.ok()) {
      for (const auto& issue : app::check_traceability(*scanned, *doc)) {
        r.trace_issues.push_back("medication " + std::to_string(issue.medication) + " " +
                                 issue.field + ": " + issue.message);
      }
    }
  }
  const auto expected = by_line(c.expected);
  const auto actual = by_line(r.actual);
  std::set<int> lines;
  for (const auto& [line, _] : expected) {
    lines.insert(line);
  }
  for (const auto& [line, _] : actual) {
    lines.insert(line);
  }
  for (const int line : lines) {
    const auto e = expected.find(line);
    const auto a = actual.find(line);
    const size_t ne = e == expected.end() ? 0 : e->second.size();
    const size_t na = a == actual.end() ? 0 : a->second.size();
    r.expected_medications += static_cast<int>(ne);
    r.actual_medications += static_cast<int>(na);
    r.paired_medications += static_cast<int>(std::min(ne, na));
    for (size_t k = 0; k < std::max(ne, na); ++k) {
      const json* em = k < ne ? &e->second[k] : nullptr;
      const json* am = k < na ? &a->second[k] : nullptr;
      for (const std::string_view field_view : kComparedFields) {
        const std::string field(field_view);
        const json ev = em != nullptr ? em->value(field, json()) : json("(no medication)");
        const json av = am != nullptr ? am->value(field, json()) : json("(no medication)");
        const bool equal = em != nullptr && am != nullptr && ev == av;
        if (std::find(kAccuracyFields.begin(), kAccuracyFields.end(), field_view) !=
            kAccuracyFields.end()) {
          FieldScore& s = r.scores[field];
          ++s.total;
          s.correct += equal ? 1 : 0;
        }
        if (!equal) {
          r.diffs.push_back(
              {"L" + std::to_string(line) + "#" + std::to_string(k) + "." + field, ev, av});
        }
      }
    }
  }
  if (warning_keys(c.expected) != warning_keys(r.actual)) {
    r.diffs.push_back({"warnings", warnings_view(c.expected), warnings_view(r.actual)});
  }
  return r;
}

Totals totals(const std::vector<CaseResult>& results) {
  Summary s;
  Totals t;
  for (const CaseResult& r : results) {
    s.add(r);
    t.untraced += static_cast<int>(r.trace_issues.size() + r.schema_violations.size());
  }
  t.cases = s.cases;
  t.exact = s.exact;
  t.fields = s.pooled;
  t.recall = {s.paired, s.expected};
  t.precision = {s.paired, s.actual};
  return t;
}

std::string render_markdown(const std::vector<CaseResult>& results, bool differences) {
  const auto s = summaries(results);
  std::ostringstream out;
  out << "| split | cases exact | medications found (recall) | extra (precision) | all fields |";
  for (const std::string_view f : kAccuracyFields) {
    out << ' ' << f << " |";
  }
  out << "\n|---|---|---|---|---|";
  for (size_t i = 0; i < kAccuracyFields.size(); ++i) {
    out << "---|";
  }
  out << '\n';
  for (const std::string& name : split_order(s)) {
    const Summary& m = s.at(name);
    out << "| " << name << " | " << percent({m.exact, m.cases}) << " | "
        << percent({m.paired, m.expected}) << " | " << percent({m.paired, m.actual}) << " | "
        << percent(m.pooled) << " |";
    for (const std::string_view f : kAccuracyFields) {
      const auto it = m.scores.find(std::string(f));
      out << ' ' << (it == m.scores.end() ? "–" : percent(it->second)) << " |";
    }
    out << '\n';
  }
  bool header = false;
  for (const CaseResult& r : results) {
    if (!differences || r.exact() || is_sealed(r.split)) {
      continue;
    }
    if (!header) {
      out << "\nCases that differ from the expected result:\n\n";
      header = true;
    }
    out << "- `" << r.id << "`";
    if (!r.error.empty()) {
      out << " — error: " << r.error;
    }
    out << '\n';
    for (const FieldDiff& d : r.diffs) {
      out << "  - " << d.key << ": expected `" << d.expected.dump() << "`, got `" << d.actual.dump()
          << "`\n";
    }
  }
  return out.str();
}

json render_json(const std::vector<CaseResult>& results, bool differences) {
  json out = json::object();
  for (const auto& [name, m] : summaries(results)) {
    json fields = json::object();
    for (const auto& [field, score] : m.scores) {
      fields[field] = {{"correct", score.correct}, {"total", score.total}};
    }
    out[name] = {{"cases", m.cases},
                 {"cases_exact", m.exact},
                 {"medications_expected", m.expected},
                 {"medications_found", m.actual},
                 {"medications_paired", m.paired},
                 {"all_fields", {{"correct", m.pooled.correct}, {"total", m.pooled.total}}},
                 {"fields", fields}};
  }
  json diffs = json::array();
  for (const CaseResult& r : results) {
    if (!differences) {
      break;
    }
    if (is_sealed(r.split)) {
      continue;
    }
    for (const FieldDiff& d : r.diffs) {
      diffs.push_back(
          {{"case", r.id}, {"key", d.key}, {"expected", d.expected}, {"actual", d.actual}});
    }
  }
  return json{{"summary", out}, {"differences", diffs}};
}

}  // namespace dailydrug::scan_eval
