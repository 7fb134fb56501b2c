// dailydrug-membw: sustained memory read bandwidth (a STREAM-like read kernel), the reference
// line for decode speed: a decode step must read every weight of the model once, so
// bytes_per_token / read_bandwidth is a lower bound on the time per token.
//
//   dailydrug-membw [--mb 1024] [--reps 5] [--threads 1,2] [--json out.json]
//
// For each thread count: the buffer (far larger than the caches) is split into one contiguous
// slice per thread; every thread sums its slice with independent accumulators (the compiler
// vectorizes it); best and median over reps, in GB/s (1e9 bytes/s).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace {

uint64_t sum_slice(const uint64_t* p, size_t n) {
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 += p[i];
    a1 += p[i + 1];
    a2 += p[i + 2];
    a3 += p[i + 3];
    a4 += p[i + 4];
    a5 += p[i + 5];
    a6 += p[i + 6];
    a7 += p[i + 7];
  }
  for (; i < n; ++i) a0 += p[i];
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

}  // namespace

// A developer tool: an unexpected exception may end it with the C++ runtime's message.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"dailydrug-membw: memory read bandwidth (reference for decode speed)"};
  int mb = 1024, reps = 5;
  std::vector<int> threads = {1, 2};
  std::string json_out;
  app.add_option("--mb", mb, "Buffer size in MiB")->check(CLI::Range(64, 16384));
  app.add_option("--reps", reps, "Repetitions")->check(CLI::Range(1, 100));
  app.add_option("--threads", threads, "Thread counts")->delimiter(',');
  app.add_option("--json", json_out, "Write results as JSON");
  CLI11_PARSE(app, argc, argv);

  const size_t words = static_cast<size_t>(mb) * (1u << 20) / sizeof(uint64_t);
  std::vector<uint64_t> buf(words);
  for (size_t i = 0; i < words; ++i) buf[i] = i * 2654435761u;  // touch every page
  nlohmann::json out;
  out["buffer_mib"] = mb;
  uint64_t sink = 0;
  for (int t : threads) {
    if (t < 1) continue;
    std::vector<double> gbps;
    for (int r = 0; r < reps; ++r) {
      std::vector<uint64_t> sums(static_cast<size_t>(t));
      std::vector<std::thread> pool;
      pool.reserve(static_cast<size_t>(t));
      const size_t per = words / static_cast<size_t>(t);
      const auto t0 = std::chrono::steady_clock::now();
      for (int k = 0; k < t; ++k) {
        pool.emplace_back([&, k] {
          const size_t begin = static_cast<size_t>(k) * per;
          const size_t n = (k == t - 1) ? words - begin : per;
          sums[static_cast<size_t>(k)] = sum_slice(buf.data() + begin, n);
        });
      }
      for (auto& th : pool) th.join();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      for (auto v : sums) sink += v;
      gbps.push_back(static_cast<double>(words * sizeof(uint64_t)) / s / 1e9);
    }
    std::sort(gbps.begin(), gbps.end());
    out["results"].push_back({{"threads", t},
                              {"best_gb_per_s", gbps.back()},
                              {"median_gb_per_s", gbps[gbps.size() / 2]},
                              {"worst_gb_per_s", gbps.front()},
                              {"reps", reps}});
  }
  out["checksum"] = sink;  // keeps the reads from being optimized away
  std::printf("%s\n", out.dump(2).c_str());
  if (!json_out.empty()) std::ofstream(json_out) << out.dump(2) << "\n";
  return 0;
}
