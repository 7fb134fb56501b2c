// Which cores inference should run on. Phones pair fast cores with slow ones (big.LITTLE, e.g.
// 1+3+4 or 2+6); a thread pool that also takes the slow cores makes every parallel step wait for
// them (ExecuTorch's tracker reports 10-20x slower decoding). num_threads = -1 therefore counts
// the performance cores, from what Linux and Android publish in sysfs for each core:
//   cpuN/cpu_capacity            the scheduler's relative performance, 1024 for the fastest core
//                                (arm64 kernels with energy-aware scheduling: every phone)
//   cpuN/cpufreq/cpuinfo_max_freq  the core's top clock in kHz, when there is no cpu_capacity
// Thread-safety: the functions read files and keep no state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dailydrug::llm {

/// The cores a process may run on, as sysfs describes them.
struct CoreLayout {
  enum class Source { kNone, kCapacity, kMaxFrequency };
  Source source = Source::kNone;  // which file gave `speed` (kNone: neither was readable)
  std::vector<int> cpus;          // core numbers, ascending
  std::vector<int64_t> speed;     // per core: cpu_capacity, or cpuinfo_max_freq in kHz
  /// Cores counted as performance cores:
  /// - kCapacity: capacity >= half the fastest core's. Capacity is normalised performance, so
  ///   a middle cluster (Cortex-A7xx next to an X core) counts and a LITTLE one does not.
  /// - kMaxFrequency: faster than the slowest cluster. A clock says less (a LITTLE core can run
  ///   at two thirds of a big one's clock), so only the slowest cluster is left out.
  /// - all cores alike, or kNone: every core.
  int performance = 0;
  int total() const { return static_cast<int>(cpus.size()); }
};

/// Reads the layout under `cpu_dir` (normally /sys/devices/system/cpu) for the cores in
/// `allowed` (empty: every cpuN folder found). A core whose file is missing or unreadable makes
/// the whole layout fall back to the next source (capacity, then max frequency, then none), so
/// cores are never compared across sources. Never fails: with no readable cpuN folder the
/// layout is `allowed` (or one core) with source kNone.
CoreLayout read_core_layout(const std::string& cpu_dir, const std::vector<int>& allowed = {});

/// The cores this process may run on (sched_getaffinity; Android puts background apps on the
/// LITTLE cores this way). Empty when the affinity cannot be read.
std::vector<int> allowed_cpus();

/// Threads for num_threads = -1 on `layout`: the performance cores on a big.LITTLE layout (the
/// LITTLE ones are left to the UI and the system); on cores all alike, all of them up to 4 and
/// one fewer above that. At least 1.
int automatic_thread_count(const CoreLayout& layout);

}  // namespace dailydrug::llm
