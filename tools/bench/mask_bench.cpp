// dailydrug-maskbench: what constrained decoding's token mask costs, per token and before the
// first token, on a bundle's tokenizer. A schema and a document valid against it are replayed
// token by token (the document's own tokenization, as a model would have written it); before
// each token the JSON constraint computes the mask and the stage applies it to a row of logits.
//
//   dailydrug-maskbench --tokenizer FILE --schema FILE --document FILE [--reps 5] [--json OUT]
//
// Printed as JSON, with the document's token ids (tools/bench/compare_llguidance.py replays them
// through llguidance):
//   tokenizer_setup_ms  building the vocabulary trie (once per tokenizer and process)
//   first_mask_ms       compiling the schema and the first mask (each new schema)
//   mask_us             TokenMask::allowed before each token (the mask alone): median, p99, max
//   apply_us            JsonConstraintStage::apply (the mask and the -inf it writes into the
//                       logits, what the sampler chain runs): median, p99, max
//   slowest             the 5 slowest masks of the last replay and the text before each
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dailydrug/llm/json_constraint.h"
#include "dailydrug/llm/tokenizer.h"

using namespace dailydrug::llm;
using Clock = std::chrono::steady_clock;

namespace {

double us_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

nlohmann::json percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
  };
  return {
      {"median", at(0.5)}, {"p99", at(0.99)}, {"max", v.empty() ? 0.0 : v.back()}, {"n", v.size()}};
}

int fail(const std::string& what) {
  std::fprintf(stderr, "dailydrug-maskbench: %s\n", what.c_str());
  return 4;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// A developer tool: an unexpected exception may end it with the C++ runtime's message.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"dailydrug-maskbench: the cost of the JSON constraint's token mask"};
  std::string tokenizer_path, schema_path, document_path, json_out;
  int reps = 5;
  app.add_option("--tokenizer", tokenizer_path, "tokenizer.json of a bundle")->required();
  app.add_option("--schema", schema_path, "JSON Schema file")->required();
  app.add_option("--document", document_path, "A JSON document valid against it")->required();
  app.add_option("--reps", reps, "Replays of the document")->check(CLI::Range(1, 1000));
  app.add_option("--json", json_out, "Also write the results here");
  CLI11_PARSE(app, argc, argv);

  auto tokenizer = load_tokenizer(tokenizer_path);
  if (!tokenizer.ok()) return fail(tokenizer.error().message());
  const Tokenizer& tok = **tokenizer;
  std::string document = slurp(document_path);
  while (!document.empty() && std::isspace(static_cast<unsigned char>(document.back()))) {
    document.pop_back();  // the file's final newline is not part of the value
  }
  auto ids = tok.encode(document, /*parse_special=*/false);
  if (!ids.ok()) return fail(ids.error().message());

  auto t0 = Clock::now();
  const TokenMask mask(tok);
  const double setup_ms = us_since(t0) / 1000.0;

  std::vector<double> mask_us, apply_us, first_ms;
  std::vector<std::pair<double, size_t>> by_position;  // (mask µs, token index) of the last rep
  std::vector<float> logits(static_cast<size_t>(tok.vocab_size()), 0.0f);
  std::vector<uint8_t> allowed;
  for (int rep = 0; rep < reps; ++rep) {
    t0 = Clock::now();
    auto grammar = JsonGrammar::compile(slurp(schema_path));
    if (!grammar.ok()) return fail(grammar.error().message());
    JsonConstraintStage stage(mask, tok, *grammar, {});
    JsonMatcher matcher(*grammar);  // the mask alone follows its own matcher
    for (size_t i = 0; i < ids->size(); ++i) {
      const TokenId id = (*ids)[i];
      const auto t_apply = Clock::now();
      auto masked = stage.apply(logits);
      const double a = us_since(t_apply);
      if (i == 0) first_ms.push_back(us_since(t0) / 1000.0);
      apply_us.push_back(a);
      const auto t_mask = Clock::now();
      mask.allowed(matcher, allowed);
      mask_us.push_back(us_since(t_mask));
      if (rep == reps - 1) by_position.emplace_back(mask_us.back(), i);
      if (!masked.ok() || std::isinf((*masked)[static_cast<size_t>(id)])) {
        return fail("token " + std::to_string(i) + " (id " + std::to_string(id) +
                    ") of the document is masked: the document does not follow the schema");
      }
      if (auto s = stage.accept(id); !s.ok()) return fail(s.error().message());
      matcher.advance(tok.token_bytes(id));
    }
  }
  std::sort(first_ms.begin(), first_ms.end());
  // Where the slowest masks were: the document's text before those tokens.
  std::sort(by_position.rbegin(), by_position.rend());
  nlohmann::json slowest = nlohmann::json::array();
  for (size_t k = 0; k < std::min<size_t>(5, by_position.size()); ++k) {
    const size_t i = by_position[k].second;
    auto before = tok.decode(std::span(*ids).subspan(i > 12 ? i - 12 : 0, i > 12 ? 12 : i));
    slowest.push_back({{"token", i},
                       {"mask_us", by_position[k].first},
                       {"after", before.ok() ? *before : std::string()}});
  }
  const nlohmann::json out = {{"engine", "dailydrug"},
                              {"vocab_size", tok.vocab_size()},
                              {"document_tokens", ids->size()},
                              {"document_ids", *ids},
                              {"reps", reps},
                              {"tokenizer_setup_ms", setup_ms},
                              {"first_mask_ms", first_ms[first_ms.size() / 2]},
                              {"mask_us", percentiles(mask_us)},
                              {"apply_us", percentiles(apply_us)},
                              {"slowest", slowest}};
  std::printf("%s\n", out.dump(2).c_str());
  if (!json_out.empty()) std::ofstream(json_out) << out.dump(2) << "\n";
  return 0;
}
