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
//   decode_cpu_<N>  CPU time (user + system, all threads) per decoded token, from the same
//                   generation with N tokens minus one with 1 token: with --threads 1 this is the
//                   single-core cost, which other processes on a busy machine barely disturb
//   decode_at_<N>   --decode-contexts: 16 greedy tokens after an N-token prompt (tokens/s), i.e.
//                   decode speed with N positions of the KV cache filled; decode_cpu_at_<N> is
//                   its CPU time per token (as decode_cpu_<N>)
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include <sys/resource.h>

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

double cpu_ms() {  // this process, all threads, user + system
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

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
  std::vector<int> decode_contexts = {16, 128, 512, 1000};
  app.add_option("--model", model_dir, "Bundle folder")->required();
  app.add_option("--reps", reps, "Repetitions per workload")->check(CLI::Range(1, 100));
  app.add_option("--threads", threads, "ExecuTorch threads (-1 = automatic)");
  app.add_option("--prefill", prefill_n, "Prompt tokens for prefill_N");
  app.add_option("--decode", decode_n, "Generated tokens for decode_N");
  app.add_option("--decode-contexts", decode_contexts,
                 "Filled cache positions for decode_at_N (empty string: none)")
      ->delimiter(',')
      ->expected(0, 64);
  app.add_option("--json", json_out, "Write results as JSON");
  app.add_option("--markdown", md_out, "Write results as a markdown table");
  CLI11_PARSE(app, argc, argv);

  auto bundle = ModelBundle::open(model_dir, ModelBundle::Verify::kQuick);
  if (!bundle.ok()) return fail(bundle.error());
  ModelLoadOptions lo;
  lo.num_threads = threads;

  std::vector<Series> results;
  Series load{"load", "ms", {}};
  std::unique_ptr<Runner> runner;
  for (int i = 0; i < reps; ++i) {
    runner.reset();
    const auto t0 = Clock::now();
    auto b = ModelBundle::open(model_dir, ModelBundle::Verify::kQuick);
    auto r = Runner::from_bundle(*b, lo);
    if (!r.ok()) return fail(r.error());
    // Loading maps the file; the first forward touches the weights. Count both, as a user does.
    GenerationRequest warm;
    warm.timeout_ms = 0;  // no limit: a busy machine is slow, not broken
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
  int longest = prefill_n;
  for (int n : decode_contexts) longest = std::max(longest, n);
  while (static_cast<int>(ids.size()) < longest) {
    text += sentence;
    auto enc = runner->tokenizer().encode(text, false);
    if (!enc.ok()) return fail(enc.error());
    ids = *enc;
  }
  auto prompt_text = runner->tokenizer().decode(std::span(ids).first(static_cast<size_t>(prefill_n)));
  if (!prompt_text.ok()) return fail(prompt_text.error());

  Series prefill{"prefill_" + std::to_string(prefill_n), "tokens/s", {}};
  Series decode{"decode_" + std::to_string(decode_n), "tokens/s", {}};
  Series ttft_cold{"ttft_cold", "ms", {}}, ttft_warm{"ttft_warm", "ms", {}};
  Series decode_cpu{"decode_cpu_" + std::to_string(decode_n), "CPU ms/token", {}};
  int64_t peak_rss = 0;
  for (int i = 0; i < reps; ++i) {
    GenerationStats st;
    GenerationRequest p;
    p.timeout_ms = 0;  // no limit: a busy machine is slow, not broken
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

    d.timeout_ms = 0;  // no limit: a busy machine is slow, not broken
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
    {  // the same request again with 1 token: the CPU time difference is the decode's
      const double c0 = cpu_ms();
      runner->reset();
      if (auto g = runner->generate(d); !g.ok()) return fail(g.error());
      const double c1 = cpu_ms();
      GenerationRequest d1 = d;
      d1.max_output_tokens = 1;
      runner->reset();
      if (auto g = runner->generate(d1); !g.ok()) return fail(g.error());
      const double c2 = cpu_ms();
      if (st.generated_tokens > 1) {
        decode_cpu.values.push_back(((c1 - c0) - (c2 - c1)) / (st.generated_tokens - 1));
      }
    }

    GenerationRequest c;

    c.timeout_ms = 0;  // no limit: a busy machine is slow, not broken
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
  results.insert(results.end(), {prefill, decode, decode_cpu, ttft_cold, ttft_warm});

  // Decode speed against filled context: the attention and cache cost grow with it.
  constexpr int kContextDecode = 16;
  const int64_t ctx_len = bundle->config().context_length;
  for (int n : decode_contexts) {
    if (n <= 0) continue;  // `--decode-contexts ""` (no context sweep) parses as 0
    if (n + kContextDecode + 8 > ctx_len) {
      std::fprintf(stderr, "decode_at_%d skipped: does not fit a %lld-token context\n", n,
                   static_cast<long long>(ctx_len));
      continue;
    }
    auto text_n = runner->tokenizer().decode(std::span(ids).first(static_cast<size_t>(n)));
    if (!text_n.ok()) return fail(text_n.error());
    Series at{"decode_at_" + std::to_string(n), "tokens/s", {}};
    Series at_cpu{"decode_cpu_at_" + std::to_string(n), "CPU ms/token", {}};
    for (int i = 0; i < reps; ++i) {
      GenerationStats st;
      GenerationRequest d;
      d.timeout_ms = 0;  // no limit: a busy machine is slow, not broken
      d.prompt = *text_n;
      d.raw = true;
      d.max_output_tokens = kContextDecode;
      d.temperature = 0.0f;
      d.repetition_penalty = 1.0f;
      d.stop = {};
      runner->reset();
      if (auto g = runner->generate(d, {}, [&](const GenerationStats& s) { st = s; }); !g.ok()) {
        return fail(g.error());
      }
      at.values.push_back(st.decode_tokens_per_s);
      peak_rss = std::max(peak_rss, st.peak_rss_kb);
      const double c0 = cpu_ms();  // CPU time of the decode: same request minus a 1-token one
      runner->reset();
      if (auto g = runner->generate(d); !g.ok()) return fail(g.error());
      const double c1 = cpu_ms();
      GenerationRequest d1 = d;
      d1.max_output_tokens = 1;
      runner->reset();
      if (auto g = runner->generate(d1); !g.ok()) return fail(g.error());
      const double c2 = cpu_ms();
      if (st.generated_tokens > 1) {
        at_cpu.values.push_back(((c1 - c0) - (c2 - c1)) / (st.generated_tokens - 1));
      }
    }
    results.push_back(at);
    results.push_back(at_cpu);
  }

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
