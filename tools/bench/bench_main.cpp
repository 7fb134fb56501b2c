// dailydrug-bench: named workloads on a model bundle, repeated, with median/min/max, written as
// JSON and markdown.
//
//   dailydrug-bench --model DIR [--reps 5] [--threads -1] [--json out.json] [--markdown out.md]
//
// Workloads:
//   load            bundle open + program mmap load + tokenizer (fresh Runner each rep)
//   prefill_<N>     N prompt tokens from an empty cache (tokens/s)
//   decode_<N>      N greedy tokens after a short prompt (tokens/s, first token excluded)
//   ttft_cold       a chat request with the bundle's system prompt, empty cache
//   ttft_warm       the same system prompt cached, a different user question
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/local_llm.h"
#include "dailydrug/llm/runner.h"

using namespace dailydrug::llm;
using Clock = std::chrono::steady_clock;

namespace {

struct Series {
  std::string name;
  std::string unit;
  std::vector<double> values;
  nlohmann::json summary() const {
    auto v = values;
    std::sort(v.begin(), v.end());
    const double median = v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2]
                                                         : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
    return {{"workload", name}, {"unit", unit}, {"median", median},
            {"min", v.empty() ? 0 : v.front()}, {"max", v.empty() ? 0 : v.back()},
            {"reps", v.size()}};
  }
};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int fail(const Error& e) {
  std::fprintf(stderr, "error [%s]: %s\n", std::string(to_string(e.kind)).c_str(),
               e.message().c_str());
  return 4;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dailydrug-bench: speed of the local model runtime on a bundle"};
  std::string model_dir, json_out, md_out;
  int reps = 5, threads = -1, prefill_n = 100, decode_n = 64;
  app.add_option("--model", model_dir, "Bundle folder")->required();
  app.add_option("--reps", reps, "Repetitions per workload")->check(CLI::Range(1, 100));
  app.add_option("--threads", threads, "ExecuTorch threads (-1 = automatic)");
  app.add_option("--prefill", prefill_n, "Prompt tokens for prefill_N");
  app.add_option("--decode", decode_n, "Generated tokens for decode_N");
  app.add_option("--json", json_out, "Write results as JSON");
  app.add_option("--markdown", md_out, "Write results as a markdown table");
  CLI11_PARSE(app, argc, argv);

  auto bundle = ModelBundle::open(model_dir, ModelBundle::Verify::kSizes);
  if (!bundle.ok()) return fail(bundle.error());
  ModelLoadOptions lo;
  lo.num_threads = threads;

  std::vector<Series> results;
  Series load{"load", "ms", {}};
  std::unique_ptr<Runner> runner;
  for (int i = 0; i < reps; ++i) {
    runner.reset();
    const auto t0 = Clock::now();
    auto b = ModelBundle::open(model_dir, ModelBundle::Verify::kSizes);
    auto r = Runner::from_bundle(*b, lo);
    if (!r.ok()) return fail(r.error());
    // Loading maps the file; the first forward touches the weights. Count both, as a user does.
    GenerationRequest warm;
    warm.prompt = "hi";
    warm.raw = true;
    warm.max_output_tokens = 1;
    warm.temperature = 0.0f;
    runner = std::move(r).value();
    if (auto g = runner->generate(warm); !g.ok()) return fail(g.error());
    load.values.push_back(ms_since(t0));
  }
  results.push_back(load);

  // A prompt of exactly N tokens: repeat a Korean/English medication sentence and cut.
  const std::string sentence =
      "이 약은 하루 세 번 식후 30분에 복용하세요. Take one tablet after each meal. ";
  std::vector<TokenId> ids;
  std::string text;
  while (static_cast<int>(ids.size()) < prefill_n) {
    text += sentence;
    auto enc = runner->tokenizer().encode(text, false);
    if (!enc.ok()) return fail(enc.error());
    ids = *enc;
  }
  ids.resize(static_cast<size_t>(prefill_n));
  auto prompt_text = runner->tokenizer().decode(ids);
  if (!prompt_text.ok()) return fail(prompt_text.error());

  Series prefill{"prefill_" + std::to_string(prefill_n), "tokens/s", {}};
  Series decode{"decode_" + std::to_string(decode_n), "tokens/s", {}};
  Series ttft_cold{"ttft_cold", "ms", {}}, ttft_warm{"ttft_warm", "ms", {}};
  int64_t peak_rss = 0;
  for (int i = 0; i < reps; ++i) {
    GenerationStats st;
    GenerationRequest p;
    p.prompt = *prompt_text;
    p.raw = true;
    p.max_output_tokens = 1;
    p.temperature = 0.0f;
    runner->reset();
    if (auto g = runner->generate(p, {}, [&](const GenerationStats& s) { st = s; }); !g.ok()) {
      return fail(g.error());
    }
    prefill.values.push_back(st.prefill_tokens_per_s);

    GenerationRequest d;
    d.prompt = "The history of aspirin began";
    d.raw = true;
    d.max_output_tokens = decode_n;
    d.temperature = 0.0f;
    d.repetition_penalty = 1.0f;
    d.stop = {};
    runner->reset();
    if (auto g = runner->generate(d, {}, [&](const GenerationStats& s) { st = s; }); !g.ok()) {
      return fail(g.error());
    }
    decode.values.push_back(st.decode_tokens_per_s);

    GenerationRequest c;
    c.prompt = "타이레놀 복용 후 운전해도 될까요?";
    c.max_output_tokens = 1;
    c.temperature = 0.0f;
    runner->reset();
    if (auto g = runner->generate(c, {}, [&](const GenerationStats& s) { st = s; }); !g.ok()) {
      return fail(g.error());
    }
    ttft_cold.values.push_back(st.ttft_ms);
    c.prompt = "이부프로펜은 하루에 몇 번 먹나요?";  // same system prompt, new question
    if (auto g = runner->generate(c, {}, [&](const GenerationStats& s) { st = s; }); !g.ok()) {
      return fail(g.error());
    }
    ttft_warm.values.push_back(st.ttft_ms);
    peak_rss = std::max(peak_rss, st.peak_rss_kb);
  }
  results.insert(results.end(), {prefill, decode, ttft_cold, ttft_warm});

  nlohmann::json out;
  out["bundle"] = bundle->config().model_name;
  out["quantization"] = bundle->config().quantization;
  out["bundle_bytes"] = bundle->total_size_bytes();
  out["threads"] = ExecutorchModel::num_threads();
  out["hardware_threads"] = std::thread::hardware_concurrency();
  out["peak_rss_kb"] = peak_rss;
  for (const auto& s : results) out["results"].push_back(s.summary());
  const std::string js = out.dump(2);
  std::printf("%s\n", js.c_str());
  if (!json_out.empty()) std::ofstream(json_out) << js << "\n";
  if (!md_out.empty()) {
    std::ofstream md(md_out);
    md << "| workload | unit | median | min | max | reps |\n|---|---|---|---|---|---|\n";
    char line[256];
    for (const auto& s : results) {
      const auto j = s.summary();
      std::snprintf(line, sizeof line, "| %s | %s | %.1f | %.1f | %.1f | %d |\n",
                    s.name.c_str(), s.unit.c_str(), j["median"].get<double>(),
                    j["min"].get<double>(), j["max"].get<double>(), reps);
      md << line;
    }
    md << "\nBundle " << out["bundle"].get<std::string>() << " ("
       << out["quantization"].get<std::string>() << ", "
       << bundle->total_size_bytes() / 1000000 << " MB), " << out["threads"].get<int>()
       << " threads, peak RSS " << peak_rss / 1024 << " MB.\n";
  }
  return 0;
}
