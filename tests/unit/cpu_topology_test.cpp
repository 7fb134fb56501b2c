// The performance-core count behind num_threads = -1 (cpu_topology.h) on fake sysfs trees with
// the core layouts of real phones (cpuN/cpu_capacity, cpuN/cpufreq/cpuinfo_max_freq in kHz), and
// with the files missing that the fallbacks are for.
#include "dailydrug/llm/cpu_topology.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "dailydrug/llm/model.h"

namespace dailydrug::llm {
namespace {

namespace fs = std::filesystem;

// One cluster: `count` cores with this cpu_capacity and cpuinfo_max_freq (0: file absent).
struct Cluster {
  int count;
  int64_t capacity;
  int64_t max_khz;
};

class FakeSysfs {
 public:
  explicit FakeSysfs(const std::string& name)
      : root_(fs::path(DD_TEST_WORK_DIR) / "fake-sysfs" / name) {
    fs::remove_all(root_);
    fs::create_directories(root_);
    // Siblings sysfs has next to the cpuN folders, which must not count as cores.
    for (const char* other : {"cpufreq", "cpuidle", "hotplug"}) {
      fs::create_directories(root_ / other);
    }
    write(root_ / "online", "0-7");
  }
  void add(const std::vector<Cluster>& clusters) {
    for (const Cluster& c : clusters) {
      for (int i = 0; i < c.count; ++i, ++next_) {
        const fs::path cpu = root_ / ("cpu" + std::to_string(next_));
        fs::create_directories(cpu / "cpufreq");
        if (c.capacity > 0) write(cpu / "cpu_capacity", std::to_string(c.capacity));
        if (c.max_khz > 0) write(cpu / "cpufreq" / "cpuinfo_max_freq", std::to_string(c.max_khz));
      }
    }
  }
  std::string dir() const { return root_.string(); }

 private:
  static void write(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text << "\n";
  }
  fs::path root_;
  int next_ = 0;
};

struct PhoneCase {
  const char* name;
  std::vector<Cluster> clusters;
  int performance;  // expected performance cores = threads for -1
};

// The chips' published core counts and top clocks; capacities of the size their kernels publish
// (1024 for the fastest core, a LITTLE core a quarter to two fifths of that).
const std::vector<PhoneCase>& phones() {
  static const std::vector<PhoneCase> cases = {
      // Snapdragon 8 Gen 1: 1x Cortex-X2 3.0 GHz + 3x A710 2.5 GHz + 4x A510 1.8 GHz
      {"1+3+4", {{1, 1024, 2995200}, {3, 889, 2496000}, {4, 325, 1785600}}, 4},
      // Helio G99: 2x Cortex-A76 2.2 GHz + 6x A55 2.0 GHz
      {"2+6", {{2, 1024, 2200000}, {6, 382, 2000000}}, 2},
      // Snapdragon 680: 4x Cortex-A73 2.4 GHz + 4x A53 1.9 GHz
      {"4+4", {{4, 1024, 2400000}, {4, 403, 1900000}}, 4},
      // Tensor G3: 1x Cortex-X3 + 4x A715 + 4x A510; the A715s are just over half of the X3
      {"1+4+4", {{1, 1024, 2910000}, {4, 568, 2370000}, {4, 239, 1700000}}, 5},
  };
  return cases;
}

TEST(CpuTopologyTest, CapacityPicksThePerformanceCoresOfPhoneLayouts) {
  for (const PhoneCase& c : phones()) {
    FakeSysfs sys(std::string("cap-") + c.name);
    sys.add(c.clusters);
    const CoreLayout layout = read_core_layout(sys.dir());
    SCOPED_TRACE(c.name);
    EXPECT_EQ(layout.source, CoreLayout::Source::kCapacity);
    EXPECT_EQ(layout.total(), [&] {
      int n = 0;
      for (const Cluster& k : c.clusters) n += k.count;
      return n;
    }());
    EXPECT_EQ(layout.performance, c.performance);
    EXPECT_EQ(automatic_thread_count(layout), c.performance);
  }
}

TEST(CpuTopologyTest, MaxFrequencyLeavesOutTheSlowestClusterWhenThereIsNoCapacity) {
  // Without cpu_capacity the clocks decide; only the slowest cluster is left out, so the
  // Tensor G3's A715s count as on capacity, and so do all but the LITTLE ones elsewhere.
  for (const PhoneCase& c : phones()) {
    std::vector<Cluster> clocks_only = c.clusters;
    for (Cluster& k : clocks_only) k.capacity = 0;
    FakeSysfs sys(std::string("freq-") + c.name);
    sys.add(clocks_only);
    const CoreLayout layout = read_core_layout(sys.dir());
    SCOPED_TRACE(c.name);
    EXPECT_EQ(layout.source, CoreLayout::Source::kMaxFrequency);
    EXPECT_EQ(layout.performance, c.performance);
    EXPECT_EQ(automatic_thread_count(layout), c.performance);
  }
}

TEST(CpuTopologyTest, AllCoresAlikeUseAllUpToFourAndOneFewerAbove) {
  const std::vector<std::pair<int, int>> cores_threads = {{1, 1}, {2, 2}, {4, 4}, {6, 5}, {8, 7}};
  for (const auto& [cores, threads] : cores_threads) {
    for (const bool with_capacity : {true, false}) {
      FakeSysfs sys("equal-" + std::to_string(cores) + (with_capacity ? "-cap" : "-freq"));
      sys.add({{cores, with_capacity ? 1024 : 0, 2000000}});
      const CoreLayout layout = read_core_layout(sys.dir());
      SCOPED_TRACE(std::to_string(cores) + (with_capacity ? " cores, capacity" : " cores, clock"));
      EXPECT_EQ(layout.performance, cores);
      EXPECT_EQ(automatic_thread_count(layout), threads);
    }
  }
}

TEST(CpuTopologyTest, AffinityRestrictsTheCoresCounted) {
  // A background app on Android is confined to the LITTLE cores: no big core to count, and the
  // layout is then all alike.
  FakeSysfs sys("affinity-1+3+4");
  sys.add(phones()[0].clusters);
  const CoreLayout little = read_core_layout(sys.dir(), {4, 5, 6, 7});
  EXPECT_EQ(little.total(), 4);
  EXPECT_EQ(little.performance, 4);
  EXPECT_EQ(automatic_thread_count(little), 4);
  const CoreLayout prime_and_little = read_core_layout(sys.dir(), {0, 6, 7});
  EXPECT_EQ(prime_and_little.performance, 1);
  EXPECT_EQ(automatic_thread_count(prime_and_little), 1);
  // Cores the affinity names but sysfs does not have are ignored.
  EXPECT_EQ(read_core_layout(sys.dir(), {0, 1, 42}).total(), 2);
}

TEST(CpuTopologyTest, MissingOrMixedFilesFallBackWithoutComparingAcrossSources) {
  {  // one core without cpu_capacity: the clocks of all cores decide instead
    FakeSysfs sys("mixed");
    sys.add({{2, 1024, 2200000}, {5, 382, 2000000}, {1, 0, 2000000}});
    const CoreLayout layout = read_core_layout(sys.dir());
    EXPECT_EQ(layout.source, CoreLayout::Source::kMaxFrequency);
    EXPECT_EQ(layout.performance, 2);
  }
  {  // neither file (a VM): every core, as on cores all alike
    FakeSysfs sys("none");
    sys.add({{6, 0, 0}});
    const CoreLayout layout = read_core_layout(sys.dir());
    EXPECT_EQ(layout.source, CoreLayout::Source::kNone);
    EXPECT_EQ(layout.performance, 6);
    EXPECT_EQ(automatic_thread_count(layout), 5);
  }
  {  // no sysfs at all: the allowed cores, else one
    const CoreLayout layout = read_core_layout("/nonexistent/cpu", {0, 1, 2});
    EXPECT_EQ(layout.total(), 3);
    EXPECT_EQ(automatic_thread_count(layout), 3);
    EXPECT_EQ(automatic_thread_count(read_core_layout("/nonexistent/cpu")), 1);
  }
  {  // garbage and zero values count as missing
    FakeSysfs sys("garbage");
    sys.add({{2, 1024, 0}});
    std::ofstream(sys.dir() + "/cpu1/cpu_capacity") << "fast\n";
    EXPECT_EQ(read_core_layout(sys.dir()).source, CoreLayout::Source::kNone);
  }
}

TEST(CpuTopologyTest, ThisMachineGetsAtLeastOneThreadAndNoMoreThanItMayUse) {
  const int threads = automatic_thread_count();
  EXPECT_GE(threads, 1);
  const std::vector<int> allowed = allowed_cpus();
  if (!allowed.empty()) {
    EXPECT_LE(threads, static_cast<int>(allowed.size()));
  }
}

}  // namespace
}  // namespace dailydrug::llm
