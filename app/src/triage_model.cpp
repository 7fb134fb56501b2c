#include "triage_model.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "dailydrug/app/utf8_text.h"

namespace dailydrug::app {
namespace embedded {
extern const char kTriageModel[];
extern const std::size_t kTriageModel_size;
}  // namespace embedded

namespace triage_model {
namespace {

struct Gram {
  double idf = 0;
  double weight = 0;
};

struct Model {
  double intercept = 0;
  double threshold = 0;
  std::vector<Check> checks;
  std::unordered_map<std::string_view, Gram> grams;
};

double number(std::string_view text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Splits a line at its tabs.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (size_t at = 0;;) {
    const size_t tab = line.find('\t', at);
    out.push_back(line.substr(at, tab == std::string_view::npos ? tab : tab - at));
    if (tab == std::string_view::npos) return out;
    at = tab + 1;
  }
}

// The table is compiled in and checked by the tests, so a line it cannot read is skipped rather
// than reported: there is no input here that a user wrote.
Model parse(std::string_view table) {
  Model model;
  for (size_t at = 0; at < table.size();) {
    size_t end = table.find('\n', at);
    if (end == std::string_view::npos) end = table.size();
    const std::string_view line = table.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line.front() == '#') continue;
    const auto f = fields(line);
    if (f.size() == 2 && f[0] == "intercept") model.intercept = number(f[1]);
    if (f.size() == 2 && f[0] == "threshold") model.threshold = number(f[1]);
    if (f.size() == 3 && f[0] == "check") model.checks.push_back({f[2], number(f[1])});
    if (f.size() == 3 && f[0] != "check") model.grams[f[0]] = {number(f[1]), number(f[2])};
  }
  return model;
}

const Model& model() {
  static const Model parsed =
      parse(std::string_view(embedded::kTriageModel, embedded::kTriageModel_size));
  return parsed;
}

// The 1-, 2- and 3-grams of code points in `k`, with their counts (scikit-learn's "char"
// analyzer).
std::unordered_map<std::string_view, int> grams_of(std::string_view k) {
  std::vector<size_t> starts;
  for (size_t at = 0; at < k.size(); at += decode_utf8(k, at).length) starts.push_back(at);
  starts.push_back(k.size());
  std::unordered_map<std::string_view, int> counts;
  for (size_t n = 1; n <= 3; ++n) {
    for (size_t i = 0; i + n < starts.size(); ++i) {
      ++counts[k.substr(starts[i], starts[i + n] - starts[i])];
    }
  }
  return counts;
}

}  // namespace

double decision_value(std::string_view k) {
  const Model& m = model();
  // TF-IDF with sublinear term frequencies, scaled to length 1 over the known n-grams, then
  // the linear model: as TfidfVectorizer(sublinear_tf=True) and LogisticRegression compute it.
  double norm = 0;
  double dot = 0;
  for (const auto& [gram, count] : grams_of(k)) {
    const auto it = m.grams.find(gram);
    if (it == m.grams.end()) continue;
    const double value = (1.0 + std::log(static_cast<double>(count))) * it->second.idf;
    norm += value * value;
    dot += value * it->second.weight;
  }
  return m.intercept + (norm > 0 ? dot / std::sqrt(norm) : 0.0);
}

double threshold() {
  return model().threshold;
}

const std::vector<Check>& recorded_checks() {
  return model().checks;
}

}  // namespace triage_model
}  // namespace dailydrug::app
