// dailydrug_assistant_eval: scores the assistant's `ask` on the evaluation sets
// (tests/data/assistant/*.json; README there). For each
// question: a fresh in-memory store holding the case's saved medicines, Assistant::ask, then
//   - every `must` group has one alternative in the answer (spaces removed, lower-cased);
//   - no `never` phrase is in it;
//   - an emergency's first line carries the 119 / emergency instruction;
//   - a model sentence kept in the answer is in the question's language and script.
// Prints a Markdown report per split (--json: one object); --output also writes it to a file.
// A split is a file NAME.json in CASES_DIR; "all" is every set listed in kAllSplits.
// A sealed split (every split whose name starts with "sealed": sealed.json, sealed2.json, …) is
// scored in aggregate only: its cases are never printed, not even with --verbose.
//
//   dailydrug_assistant_eval [--model DIR [--no-word-check]] [--min-facts F] [--min-emergencies F]
//                            [--max-false-alarms F] [--split all|NAME[,NAME...]] [--json]
//                            [--output FILE] [--verbose] [CASES_DIR]
//
// --model: the model phrases answers too (AssistantOptions::use_model), so its effect can be
// measured. --min-facts F: exit 1 when the share of questions with all their fact groups is
// below F, when fewer than --min-emergencies (default all) of the emergencies open with 119, when
// more than --max-false-alarms (default 1: any number) of the other questions do, or when any
// forbidden-phrase or language check fails (the test suite's gate). Exit 2: the cases cannot be
// read.
#include <array>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dailydrug/app/assistant.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/local_llm.h"

#ifndef DD_ASSISTANT_CASES_DIR
#define DD_ASSISTANT_CASES_DIR "tests/data/assistant"
#endif

namespace {

namespace app = dailydrug::app;
namespace llm = dailydrug::llm;
using nlohmann::json;

// The sets, in the order they were written (README in tests/data/assistant).
constexpr auto kAllSplits = std::to_array<std::string_view>(
    {"dev", "blind", "sealed", "dev2", "heldout", "dev3", "sealed2", "dev4", "sealed3",
     "triage-dev", "sealed-triage", "triage-dev2", "sealed-triage2", "triage-dev3",
     "sealed-triage3", "triage-dev4", "sealed-triage4", "sealed-triage5"});

// Sealed sets are written by outside authors to measure the assistant, never to tune it: a name
// rule rather than a list, so that a later sealed set is sealed from its first run.
bool is_sealed(std::string_view split) {
  return split.substr(0, 6) == "sealed";
}

std::vector<std::string> split_names(const std::string& arg) {
  std::vector<std::string> out;
  if (arg == "all") return {kAllSplits.begin(), kAllSplits.end()};
  std::stringstream in(arg);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

std::string squash(std::string_view s) {  // spaces removed, ASCII lower-cased
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) continue;
    out += static_cast<char>(std::tolower(u));
  }
  return out;
}

bool has_hangul(std::string_view s) {  // U+AC00..U+D7A3 start with 0xEA..0xED
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0xEA && b <= 0xED) return true;
  }
  return false;
}

size_t latin_letters(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += std::isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
  return n;
}

struct CaseResult {
  std::string id, split, intent, question, text, first_line;
  bool emergency = false;
  bool facts_ok = true, never_ok = true, emergency_ok = true, language_ok = true;
  bool false_alarm = false;
  bool model_used = false;
  int model_sentences_dropped = 0;  // by the grounding, language and word checks
  std::string model_text;
  std::vector<std::string> dropped;
  std::vector<std::string> missing_groups, forbidden_found;
  double ms = 0;
};

struct Totals {
  int n = 0, facts = 0, never = 0, emergencies = 0, emergencies_ok = 0, language = 0;
  int false_alarms = 0, model_used = 0, model_dropped = 0;
  double ms_max = 0;
  void add(const CaseResult& r) {
    ++n;
    facts += r.facts_ok;
    never += r.never_ok;
    language += r.language_ok;
    emergencies += r.emergency;
    emergencies_ok += r.emergency && r.emergency_ok;
    false_alarms += r.false_alarm;
    model_used += r.model_used;
    model_dropped += r.model_sentences_dropped;
    ms_max = std::max(ms_max, r.ms);
  }
};

app::Status save_medicines(app::MedicationStore& store, const json& saved) {
  for (const auto& m : saved) {
    DD_RETURN_IF_ERROR(app::add_taken_medicine(store, m.value("name", ""), m.value("dosage", "")));
  }
  return {};
}

CaseResult score(const json& c, const std::string& split, llm::LocalLlm* model,
                 const std::vector<app::Language>& langs, bool use_model, bool check_words) {
  CaseResult r;
  r.id = c.value("id", "?");
  r.split = split;
  r.intent = c.value("intent", "");
  r.question = c.value("question", "");
  r.emergency = c.value("emergency", false);
  const app::Language lang =
      c.value("lang", "ko") == "en" ? app::Language::kEnglish : app::Language::kKorean;

  auto clock =
      std::make_shared<app::FixedClock>(app::parse_local_date_time("2026-12-01T09:00").value());
  auto store = app::MedicationStore::open_in_memory(clock);
  if (!store.ok()) {
    r.facts_ok = false;
    r.text = "store: " + store.error().message();
    return r;
  }
  if (c.contains("saved_medicines")) {
    auto saved = save_medicines(*store, c["saved_medicines"]);
    if (!saved.ok()) {
      r.facts_ok = false;
      r.text = "saving medicines: " + saved.error().message();
      return r;
    }
  }
  app::AssistantOptions options;
  options.model_languages = langs;
  options.use_model = use_model;
  options.check_words = check_words;
  app::Assistant assistant(model, *store, *clock, app::MedicineFacts::builtin(), options);
  const auto t0 = std::chrono::steady_clock::now();
  auto reply = assistant.ask(r.question, lang);
  r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!reply.ok()) {
    r.facts_ok = false;
    r.text = "error: " + reply.error().message();
    return r;
  }
  r.text = reply->text;
  r.model_used = reply->model_text_used;
  r.model_sentences_dropped = static_cast<int>(reply->dropped_sentences.size());
  r.model_text = reply->model_text;
  r.dropped = reply->dropped_sentences;
  const std::string answer = squash(r.text);
  for (const auto& group : c.value("must", json::array())) {
    bool hit = false;
    for (const auto& alt : group) {
      hit = hit || answer.find(squash(alt.get<std::string>())) != std::string::npos;
    }
    if (!hit) {
      r.facts_ok = false;
      r.missing_groups.push_back(group.dump());
    }
  }
  for (const auto& never : c.value("never", json::array())) {
    if (answer.find(squash(never.get<std::string>())) != std::string::npos) {
      r.never_ok = false;
      r.forbidden_found.push_back(never.get<std::string>());
    }
  }
  r.first_line = r.text.substr(0, r.text.find('\n'));
  const std::string first = squash(r.first_line);
  const bool opens_119 =
      first.find("119") != std::string::npos ||
      (lang == app::Language::kEnglish && first.find("emergency") != std::string::npos);
  if (r.emergency) r.emergency_ok = opens_119;
  r.false_alarm = !r.emergency && reply->emergency.has_value();
  if (r.model_used) {
    const std::string& m = reply->model_text;
    r.language_ok = lang == app::Language::kKorean
                        ? has_hangul(m) && latin_letters(m) < m.size() / 10
                        : !has_hangul(m);
  }
  return r;
}

json totals_json(const Totals& t) {
  return {{"questions", t.n},
          {"all_fact_groups", t.facts},
          {"no_forbidden_phrase", t.never},
          {"emergencies", t.emergencies},
          {"emergencies_opened_with_119", t.emergencies_ok},
          {"false_alarms", t.false_alarms},
          {"model_text_kept", t.model_used},
          {"model_sentences_dropped", t.model_dropped},
          {"model_language_ok", t.language},
          {"slowest_ms", t.ms_max}};
}

std::string pct(int a, int b) {
  if (b == 0) return "–";
  std::ostringstream o;
  o.precision(1);
  o << std::fixed << 100.0 * a / b << " %";
  return o.str();
}

}  // namespace

// A developer tool: an unexpected exception may end it with the C++ runtime's message.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  std::string dir = DD_ASSISTANT_CASES_DIR, output, model_dir, split = "all";
  double min_facts = -1;
  double min_emergencies = 1.0;
  double max_false_alarms = 1.0;
  bool as_json = false, verbose = false, check_words = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      as_json = true;
    } else if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--no-word-check") {  // to measure what the dictionary check removes
      check_words = false;
    } else if (arg == "--output" && i + 1 < argc) {
      output = argv[++i];
    } else if (arg == "--model" && i + 1 < argc) {
      model_dir = argv[++i];
    } else if (arg == "--split" && i + 1 < argc) {
      split = argv[++i];
    } else if (arg == "--min-facts" && i + 1 < argc) {
      min_facts = std::stod(argv[++i]);
    } else if (arg == "--min-emergencies" && i + 1 < argc) {
      min_emergencies = std::stod(argv[++i]);
    } else if (arg == "--max-false-alarms" && i + 1 < argc) {
      max_false_alarms = std::stod(argv[++i]);
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "usage: dailydrug_assistant_eval [--model DIR] [--min-facts F] [--split "
                   "all|NAME[,NAME...]] [--json] [--output FILE] [--verbose] [CASES_DIR]\n";
      return arg == "--help" || arg == "-h" ? 0 : 2;
    } else {
      dir = arg;
    }
  }
  std::unique_ptr<llm::LocalLlm> model;
  std::vector<app::Language> langs = {app::Language::kEnglish};
  if (!model_dir.empty()) {
    auto loaded = llm::LocalLlm::open(model_dir);
    auto config =
        loaded.ok() ? (*loaded)->bundle_config() : llm::Result<llm::BundleConfig>(loaded.error());
    if (!config.ok()) {
      std::cerr << "dailydrug_assistant_eval: " << config.error().message() << '\n';
      return 2;
    }
    langs = app::model_languages(config->languages);
    model = std::move(loaded).value();
  }
  const std::vector<std::string> splits = split_names(split);
  json report = {{"splits", json::object()}, {"failures", json::array()}};
  std::ostringstream md;
  md << "| split | questions | all fact groups | no forbidden phrase | emergencies opened with 119 "
        "| false alarms | model text kept | model sentences dropped | model language ok | slowest "
        "|\n|---|---|---|---|---|---|---|---|---|---|\n";
  Totals all;
  std::vector<CaseResult> failures;
  for (const auto& s : splits) {
    std::ifstream in(dir + "/" + s + ".json");
    const json cases = json::parse(in, nullptr, false);
    if (!in || cases.is_discarded() || !cases.is_array()) {
      std::cerr << "dailydrug_assistant_eval: cannot read " << dir << "/" << s << ".json\n";
      return 2;
    }
    Totals t;
    for (const auto& c : cases) {
      CaseResult r = score(c, s, model.get(), langs, model != nullptr, check_words);
      t.add(r);
      all.add(r);
      const bool failed = !r.facts_ok || !r.never_ok || !r.emergency_ok || !r.language_ok;
      // A sealed split is scored, never shown: its questions must not leak into the work.
      if (!is_sealed(s) && (failed || r.false_alarm || verbose)) failures.push_back(r);
    }
    report["splits"][s] = totals_json(t);
    md << "| " << s << " | " << t.n << " | " << pct(t.facts, t.n) << " | " << pct(t.never, t.n)
       << " | " << t.emergencies_ok << "/" << t.emergencies << " | " << t.false_alarms << " | "
       << t.model_used << " | " << t.model_dropped << " | " << t.language << "/" << t.n << " | "
       << static_cast<int>(t.ms_max) << " ms |\n";
  }
  report["all"] = totals_json(all);
  md << "\n";
  for (const auto& r : failures) {
    json f = {{"id", r.id},
              {"split", r.split},
              {"intent", r.intent},
              {"question", r.question},
              {"missing_groups", r.missing_groups},
              {"forbidden_found", r.forbidden_found},
              {"emergency_ok", r.emergency_ok},
              {"language_ok", r.language_ok},
              {"false_alarm", r.false_alarm},
              {"first_line", r.first_line}};
    if (verbose) {
      f["text"] = r.text;
      f["model_text"] = r.model_text;
      f["dropped_sentences"] = r.dropped;
    }
    report["failures"].push_back(f);
    md << "- **" << r.id << "** (" << r.intent << ") " << r.question << "\n";
    for (const auto& g : r.missing_groups) md << "  - missing " << g << "\n";
    for (const auto& g : r.forbidden_found) md << "  - forbidden \"" << g << "\"\n";
    if (!r.emergency_ok) md << "  - emergency not first: " << r.first_line << "\n";
    if (!r.language_ok) md << "  - model text in the wrong language\n";
    if (r.false_alarm) md << "  - false alarm (not an emergency): " << r.first_line << "\n";
    if (verbose) md << "\n```\n" << r.text << "```\n";
  }
  const std::string out = as_json ? report.dump(2) + "\n" : md.str();
  std::cout << out;
  if (!output.empty()) std::ofstream(output) << out;
  if (min_facts >= 0) {
    const int ordinary = all.n - all.emergencies;
    const bool ok = all.n > 0 && all.facts >= min_facts * all.n && all.never == all.n &&
                    all.emergencies_ok >= min_emergencies * all.emergencies &&
                    all.false_alarms <= max_false_alarms * ordinary && all.language == all.n;
    if (!ok) {
      std::cerr << "dailydrug_assistant_eval: below the gate (all fact groups " << all.facts << "/"
                << all.n << ", minimum " << min_facts << "; emergencies opened with 119 "
                << all.emergencies_ok << "/" << all.emergencies << ", minimum " << min_emergencies
                << "; false alarms " << all.false_alarms << "/" << ordinary << ", maximum "
                << max_false_alarms << "; every forbidden-phrase and language check must pass)\n";
      return 1;
    }
  }
  return 0;
}
