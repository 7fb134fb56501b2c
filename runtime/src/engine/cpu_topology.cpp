#include "dailydrug/llm/cpu_topology.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "dailydrug/llm/model.h"

#if defined(__linux__)
#include <sched.h>
#endif

namespace dailydrug::llm {

namespace {

namespace fs = std::filesystem;

std::optional<int64_t> read_number(const fs::path& file) {
  std::ifstream in(file);
  int64_t v = 0;
  if (!(in >> v) || v <= 0) return std::nullopt;
  return v;
}

// cpuN folders (not cpufreq, cpuidle, ...), ascending.
std::vector<int> cpu_folders(const fs::path& dir) {
  std::vector<int> cpus;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 3 && name.compare(0, 3, "cpu") == 0 &&
        std::all_of(name.begin() + 3, name.end(),
                    [](unsigned char c) { return std::isdigit(c); })) {
      cpus.push_back(std::stoi(name.substr(3)));
    }
  }
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

// Every core's value from one file, or nothing when any core lacks it.
std::optional<std::vector<int64_t>> read_all(const fs::path& dir, const std::vector<int>& cpus,
                                             const char* file) {
  std::vector<int64_t> values;
  for (const int cpu : cpus) {
    auto v = read_number(dir / ("cpu" + std::to_string(cpu)) / file);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  return values;
}

int count_performance(CoreLayout::Source source, const std::vector<int64_t>& speed) {
  if (speed.empty()) return 0;
  const auto [lo, hi] = std::minmax_element(speed.begin(), speed.end());
  if (source == CoreLayout::Source::kNone || *lo == *hi) return static_cast<int>(speed.size());
  const int64_t fastest = *hi, slowest = *lo;
  return static_cast<int>(std::count_if(speed.begin(), speed.end(), [&](int64_t s) {
    return source == CoreLayout::Source::kCapacity ? 2 * s >= fastest : s > slowest;
  }));
}

}  // namespace

CoreLayout read_core_layout(const std::string& cpu_dir, const std::vector<int>& allowed) {
  CoreLayout layout;
  const fs::path dir(cpu_dir);
  const std::vector<int> present = cpu_folders(dir);
  if (allowed.empty()) {
    layout.cpus = present;
  } else {
    for (const int cpu : allowed) {
      if (std::binary_search(present.begin(), present.end(), cpu)) layout.cpus.push_back(cpu);
    }
  }
  if (layout.cpus.empty()) {
    layout.cpus = allowed.empty() ? std::vector<int>{0} : allowed;
    layout.performance = layout.total();
    return layout;
  }
  if (auto cap = read_all(dir, layout.cpus, "cpu_capacity")) {
    layout.source = CoreLayout::Source::kCapacity;
    layout.speed = std::move(*cap);
  } else if (auto freq = read_all(dir, layout.cpus, "cpufreq/cpuinfo_max_freq")) {
    layout.source = CoreLayout::Source::kMaxFrequency;
    layout.speed = std::move(*freq);
  }
  layout.performance = layout.source == CoreLayout::Source::kNone
                           ? layout.total()
                           : count_performance(layout.source, layout.speed);
  return layout;
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int i = 0; i < CPU_SETSIZE; ++i) {
      if (CPU_ISSET(i, &set)) cpus.push_back(i);
    }
  }
#endif
  return cpus;
}

int automatic_thread_count(const CoreLayout& layout) {
  const int total = std::max(1, layout.total());
  const int perf = std::clamp(layout.performance, 1, total);
  if (perf < total) return perf;
  return total <= 4 ? total : total - 1;
}

int automatic_thread_count() {
  // Read on every call: Android moves an app between core sets (cpusets) as it goes to the
  // background and back.
  CoreLayout layout = read_core_layout("/sys/devices/system/cpu", allowed_cpus());
  if (layout.source == CoreLayout::Source::kNone && layout.total() <= 1) {
    // Neither sysfs nor the affinity mask (a sandbox): what the C++ library says.
    const int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    layout.cpus.resize(static_cast<size_t>(n));
    layout.performance = n;
  }
  return automatic_thread_count(layout);
}

}  // namespace dailydrug::llm
