// The packed-weight cache (runtime/src/engine/weight_cache.h) on the tiny bundle and on the real
// test bundle: the first load writes a checksummed file, later loads map it, and the outputs are
// the same token for token as a load without the cache. A damaged file is never mapped (it is
// removed and rebuilt), a killed writer's temp file is cleaned up, at most kKeepFiles files stay,
// and a folder that cannot hold the cache means packing as before, not an error.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../scratch_dir.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/runner.h"
#include "weight_cache.h"

namespace fs = std::filesystem;
using namespace dailydrug::llm;

namespace {

const std::string kTiny = (fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle").string();

struct Loaded {
  std::string cache;            // ExecutorchModel::weight_cache()
  std::vector<TokenId> output;  // greedy ids of a fixed request
};

/// The fixed greedy request every load here is judged by.
GenerationRequest greedy(const std::string& prompt) {
  GenerationRequest r;
  r.prompt = prompt;
  r.temperature = 0.0f;
  r.repetition_penalty = 1.0f;
  r.max_output_tokens = 24;
  r.timeout_ms = 0;
  return r;
}

Loaded load_and_generate(const std::string& bundle_dir, const std::string& cache_dir,
                         const std::string& prompt = "hello there") {
  auto bundle = ModelBundle::open(bundle_dir, ModelBundle::Verify::kQuick);
  EXPECT_TRUE(bundle.ok()) << bundle.error().message();
  ModelLoadOptions options;
  options.weight_cache_dir = cache_dir;
  auto runner = Runner::from_bundle(*bundle, options);
  EXPECT_TRUE(runner.ok()) << runner.error().message();
  if (!runner.ok()) return {};
  auto g = (*runner)->generate(greedy(prompt));
  EXPECT_TRUE(g.ok()) << g.error().message();
  return {(*runner)->model().weight_cache(), g.ok() ? g->output_ids : std::vector<TokenId>{}};
}

/// load_and_generate in a child process, whose result comes back through a file in `dir`.
Loaded load_in_child(const fs::path& dir, const std::string& prompt) {
  const fs::path result = dir / "child-result";
  const pid_t pid = fork();
  if (pid == 0) {
    const Loaded l = load_and_generate(DD_TEST_BUNDLE_DIR, dir.string(), prompt);
    std::ofstream out(result);
    out << l.cache << " " << l.output.size();
    for (const TokenId t : l.output) out << " " << t;
    out.close();
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  Loaded l;
  std::ifstream in(result);
  size_t n = 0;
  in >> l.cache >> n;
  l.output.resize(n);
  for (auto& t : l.output) in >> t;
  fs::remove(result);
  return l;
}

/// Writes the byte at `offset` of `path` back with one bit flipped (a write, as damage comes).
void flip_byte(const fs::path& path, std::streamoff offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x40));
}

/// The packed-weight files of the folder: not the records of their checks (".checked"), nor the
/// prefix snapshots a generation leaves beside them (prefix_snapshot_test covers those).
std::vector<fs::path> cache_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto ext = e.path().extension();
    if (ext != ".snapshot" && ext != ".checked") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(WeightCacheTest, FirstLoadWritesLaterLoadsMapAndOutputsAreIdentical) {
  dd_test::ScratchDir dir("dd_wcache");
  const Loaded plain = load_and_generate(kTiny, "");
  EXPECT_EQ(plain.cache, "off");
  ASSERT_FALSE(plain.output.empty());

  const Loaded first = load_and_generate(kTiny, dir.path().string());
  EXPECT_EQ(first.cache, "write");
  const auto files = cache_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const std::string name = files[0].filename().string();
  // <key>-<xxh3>.xnnpack, and the name's checksum is the file's
  ASSERT_TRUE(name.ends_with(".xnnpack")) << name;
  EXPECT_EQ(name.substr(name.size() - 8 - 16, 16), weight_cache::file_xxh3(files[0].string()));

  const Loaded second = load_and_generate(kTiny, dir.path().string());
  EXPECT_EQ(second.cache, "hit");
  EXPECT_EQ(first.output, plain.output);
  EXPECT_EQ(second.output, plain.output);
  // Loading again in the same process (LocalLlm's unload and reload) maps the same file again.
  const Loaded third = load_and_generate(kTiny, dir.path().string());
  EXPECT_EQ(third.cache, "hit");
  EXPECT_EQ(third.output, plain.output);
  // Mapping the file for use does not change it.
  EXPECT_EQ(cache_files(dir.path()), files);
  EXPECT_EQ(name.substr(name.size() - 8 - 16, 16), weight_cache::file_xxh3(files[0].string()));
}

TEST(WeightCacheTest, TwoRunnersOfOneBundleShareTheCacheFile) {
  dd_test::ScratchDir dir("dd_wcache");
  const Loaded plain = load_and_generate(kTiny, "");
  ASSERT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  auto bundle = ModelBundle::open(kTiny, ModelBundle::Verify::kQuick);
  ASSERT_TRUE(bundle.ok());
  ModelLoadOptions options;
  options.weight_cache_dir = dir.path().string();
  auto a = Runner::from_bundle(*bundle, options);
  auto b = Runner::from_bundle(*bundle, options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->model().weight_cache(), "hit");
  EXPECT_EQ((*b)->model().weight_cache(), "hit");
  auto ga = (*a)->generate(greedy("hello there"));
  auto gb = (*b)->generate(greedy("hello there"));
  ASSERT_TRUE(ga.ok() && gb.ok());
  EXPECT_EQ(ga->output_ids, plain.output);
  EXPECT_EQ(gb->output_ids, plain.output);
}

TEST(WeightCacheTest, ADamagedFileIsRemovedAndRebuiltNeverMapped) {
  dd_test::ScratchDir dir("dd_wcache");
  const Loaded plain = load_and_generate(kTiny, "");
  ASSERT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  auto files = cache_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  flip_byte(files[0], 4096);  // in the packed weights, not the index at the end
  const Loaded rebuilt = load_and_generate(kTiny, dir.path().string());
  EXPECT_EQ(rebuilt.cache, "write");
  EXPECT_EQ(rebuilt.output, plain.output);
  files = cache_files(dir.path());
  ASSERT_EQ(files.size(), 1u);  // the damaged one is gone, a good one took its place
  const std::string name = files[0].filename().string();
  EXPECT_EQ(name.substr(name.size() - 8 - 16, 16), weight_cache::file_xxh3(files[0].string()));
  EXPECT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "hit");
}

TEST(WeightCacheTest, AFileCheckedBeforeIsHashedAgainOnlyAfterAWrite) {
  dd_test::ScratchDir dir("dd_wcache");
  ASSERT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  const auto files = cache_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const std::string name = files[0].filename().string();
  const std::string key = name.substr(0, name.rfind('-'));
  EXPECT_TRUE(fs::exists(files[0].string() + ".checked"));
  const auto prepare = [&] {
    auto plan = weight_cache::prepare(dir.path().string(), key, 0);
    (void)weight_cache::finish(plan, false);
    return plan;
  };
  // Written and hashed by the first load: later ones map it without reading it.
  for (int i = 0; i < 2; ++i) {
    const auto plan = prepare();
    EXPECT_EQ(plan.mode, weight_cache::Mode::kHit);
    EXPECT_FALSE(plan.hashed);
  }
  // A write, even of the same bytes, changes the file's identity: hashed again, then trusted.
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    char c = 0;
    f.get(c);
    f.seekp(0);
    f.put(c);
  }
  auto plan = prepare();
  EXPECT_EQ(plan.mode, weight_cache::Mode::kHit);
  EXPECT_TRUE(plan.hashed);
  EXPECT_FALSE(prepare().hashed);
  // A record that does not match the file (another file's, or garbage) is no record.
  std::ofstream(files[0].string() + ".checked") << "0 0 0 0.0\n";
  EXPECT_TRUE(prepare().hashed);
  // A damaged byte written right after the check is seen, whatever the clock's granularity.
  flip_byte(files[0], 4096);
  plan = prepare();
  EXPECT_EQ(plan.mode, weight_cache::Mode::kWrite);
  EXPECT_FALSE(fs::exists(files[0]));
  EXPECT_FALSE(fs::exists(files[0].string() + ".checked"));
}

TEST(WeightCacheTest, RecordsOfRemovedFilesAreRemoved) {
  dd_test::ScratchDir dir("dd_wcache");
  const fs::path orphan = dir.path() / "w1-gone-0123456789abcdef.xnnpack.checked";
  std::ofstream(orphan) << "1 2 3 4.5\n";
  EXPECT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  EXPECT_FALSE(fs::exists(orphan));
}

TEST(WeightCacheTest, ATruncatedFileIsRemovedAndRebuilt) {
  dd_test::ScratchDir dir("dd_wcache");
  ASSERT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  const auto files = cache_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const auto size = fs::file_size(files[0]);
  fs::resize_file(files[0], size / 2);
  EXPECT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  // rebuilt whole: the same bytes, so the same name
  EXPECT_EQ(cache_files(dir.path()), files);
  EXPECT_EQ(fs::file_size(files[0]), size);
  EXPECT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "hit");
}

TEST(WeightCacheTest, TempFilesOfDeadWritersAreRemovedLiveOnesKept) {
  dd_test::ScratchDir dir("dd_wcache");
  // pid 1 is alive; a pid above the kernel's pid_max (4194304) never is.
  const fs::path live = dir.path() / "w1-0123.tmp-1", dead = dir.path() / "w1-0123.tmp-99999999";
  std::ofstream(live) << "half";
  std::ofstream(dead) << "half";
  EXPECT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  EXPECT_TRUE(fs::exists(live));
  EXPECT_FALSE(fs::exists(dead));
}

TEST(WeightCacheTest, AtMostKeepFilesStayTheLeastRecentlyUsedGoFirst) {
  dd_test::ScratchDir dir("dd_wcache");
  std::vector<fs::path> old;
  for (int i = 0; i < weight_cache::kKeepFiles; ++i) {  // other programs' files, used earlier
    old.push_back(dir.path() / ("w1-other" + std::to_string(i) + "-0000000000000000.xnnpack"));
    std::ofstream(old.back()) << "x";
    fs::last_write_time(old.back(), fs::file_time_type::clock::now() - std::chrono::hours(10 - i));
  }
  EXPECT_EQ(load_and_generate(kTiny, dir.path().string()).cache, "write");
  EXPECT_FALSE(fs::exists(old[0])) << "the least recently used file stays";
  for (size_t i = 1; i < old.size(); ++i) EXPECT_TRUE(fs::exists(old[i])) << i;
  EXPECT_EQ(cache_files(dir.path()).size(), static_cast<size_t>(weight_cache::kKeepFiles));
}

TEST(WeightCacheTest, AFolderThatCannotHoldTheCacheMeansPackingNotAnError) {
  dd_test::ScratchDir dir("dd_wcache");
  const fs::path not_a_dir = dir.path() / "file";
  std::ofstream(not_a_dir) << "x";
  const Loaded plain = load_and_generate(kTiny, "");
  const Loaded l = load_and_generate(kTiny, (not_a_dir / "weights").string());
  EXPECT_EQ(l.cache, "off");
  EXPECT_EQ(l.output, plain.output);
  // Not enough free space for the file: no cache either.
  const auto plan = weight_cache::prepare(dir.path().string(), "w1-k", uint64_t{1} << 62);
  EXPECT_EQ(plan.mode, weight_cache::Mode::kOff);
  EXPECT_NE(plan.note.find("free space"), std::string::npos) << plan.note;
}

// kill -9 while a child process loads the real test bundle and so writes its cache file: the
// parent waits until the child's temp file `<key>.tmp-<pid>` exists, kills the child 0-16 ms
// later (a different moment each round), and counts the round as a kill during the write only
// when that temp file is still there after the child is dead (a finished writer has renamed it).
// Most rounds must land during the write, or the test would not test what it says. The next load
// never maps a half file (it writes the cache again or maps a complete one), removes the dead
// child's temp file and gives the same tokens.
TEST(WeightCacheTest, KillDuringTheCacheWriteNeverLeavesAFileThatIsUsed) {
  dd_test::ScratchDir dir("dd_wcache");
  const std::string prompt = "What is ibuprofen used for?";
  const int kRounds = 6;
  const int kDelayMs[kRounds] = {0, 1, 2, 4, 8, 16};
  std::vector<Loaded> after_kill;
  int killed_writing = 0;  // rounds whose kill landed while the temp file was being written
  // The children fork before this process has loaded anything (no thread pool to lose).
  for (int round = 0; round < kRounds; ++round) {
    for (const auto& f : cache_files(dir.path())) fs::remove(f);  // every child writes anew
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto bundle = ModelBundle::open(DD_TEST_BUNDLE_DIR, ModelBundle::Verify::kQuick);
      ModelLoadOptions options;
      options.weight_cache_dir = dir.path().string();
      if (bundle.ok()) (void)Runner::from_bundle(*bundle, options);
      _exit(0);
    }
    const std::string tmp_suffix = ".tmp-" + std::to_string(child);
    auto child_tmp = [&]() -> fs::path {
      for (const auto& f : cache_files(dir.path())) {
        const std::string name = f.filename().string();
        if (name.size() > tmp_suffix.size() &&
            name.compare(name.size() - tmp_suffix.size(), tmp_suffix.size(), tmp_suffix) == 0) {
          return f;
        }
      }
      return {};
    };
    fs::path tmp;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while ((tmp = child_tmp()).empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kDelayMs[round]));
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": the child ended before the kill";
    const bool landed = !tmp.empty() && fs::exists(tmp);
    killed_writing += landed;
    // The next load (in a child too, for the same reason) finds a dead writer's temp, a
    // complete file or nothing.
    after_kill.push_back(load_in_child(dir.path(), prompt));
    for (const auto& f : cache_files(dir.path())) {
      EXPECT_EQ(f.extension(), ".xnnpack") << "left behind: " << f;
      const std::string name = f.filename().string();
      EXPECT_EQ(name.substr(name.size() - 8 - 16, 16), weight_cache::file_xxh3(f.string()));
    }
    if (landed) {
      EXPECT_FALSE(fs::exists(tmp)) << "the dead writer's temp file stays: " << tmp;
    }
  }
  std::printf("killed while the cache file was being written in %d of %d rounds\n", killed_writing,
              kRounds);
  EXPECT_GE(killed_writing, 4) << "the kills did not land during the cache write";
  const Loaded plain = load_and_generate(DD_TEST_BUNDLE_DIR, "", prompt);
  ASSERT_FALSE(plain.output.empty());
  for (size_t round = 0; round < after_kill.size(); ++round) {
    EXPECT_TRUE(after_kill[round].cache == "write" || after_kill[round].cache == "hit")
        << after_kill[round].cache;
    EXPECT_EQ(after_kill[round].output, plain.output) << "round " << round;
  }
}

// The real test bundle (SmolLM2-135M 8-bit, ~250 MB of weights): a cache written by one load and
// mapped by the next gives the same greedy tokens as packing.
TEST(WeightCacheTest, RealBundleGivesTheSameTokensFromTheCache) {
  dd_test::ScratchDir dir("dd_wcache");
  const std::string prompt = "What is ibuprofen used for?";
  const Loaded plain = load_and_generate(DD_TEST_BUNDLE_DIR, "", prompt);
  const Loaded first = load_and_generate(DD_TEST_BUNDLE_DIR, dir.path().string(), prompt);
  const Loaded second = load_and_generate(DD_TEST_BUNDLE_DIR, dir.path().string(), prompt);
  EXPECT_EQ(first.cache, "write");
  EXPECT_EQ(second.cache, "hit");
  ASSERT_FALSE(plain.output.empty());
  EXPECT_EQ(first.output, plain.output);
  EXPECT_EQ(second.output, plain.output);
}
