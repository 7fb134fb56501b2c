// The first-use asset copy (copy_bundle / LocalLlm, runtime/…/local_llm.h) under a kill -9 and a
// full disk. The cache folder holds a valid bundle v1; a child copies v2 (the same model plus a
// 24 MiB notice file, so the copy takes a while) over it and is killed at random moments, or runs
// with RLIMIT_FSIZE so that a write really fails (EFBIG). After each: the cache bundle verifies in
// full (SHA-256) and is exactly v1 or exactly v2 — never a mix or a half file; the next copy
// succeeds and leaves no staging folder behind; the bundle still loads and generates.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/local_llm.h"
#include "reliability_util.h"

using namespace dailydrug::llm;
using namespace dailydrug::reliability;

namespace {

const fs::path kTinyBundle = fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle";

std::string sha256_hex(const fs::path& p) {
  return sha256_file(p.string()).value();
}

/// assets/v1: the tiny bundle. assets/v2: the same plus a 24 MiB notice file (role "notice",
/// which the runner does not load), and another model_name.
class AssetCopyCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1_ = dir_ / "assets" / "v1";
    v2_ = dir_ / "assets" / "v2";
    dst_ = dir_ / "cache" / "tiny";
    fs::create_directories(dir_ / "assets");
    fs::copy(kTinyBundle, v1_, fs::copy_options::recursive);
    fs::copy(kTinyBundle, v2_, fs::copy_options::recursive);
    std::string big;
    big.reserve(24u << 20);
    for (int i = 0; big.size() < (24u << 20); ++i) {
      big += "Line " + std::to_string(i) + " of the model's license and notices.\n";
    }
    write_file(v2_ / "NOTICE.txt", big);
    auto cfg = nlohmann::json::parse(read_file(v2_ / "model_config.json"));
    cfg["model_name"] = "tiny-v2";
    cfg["files"].push_back({{"path", "NOTICE.txt"},
                            {"role", "notice"},
                            {"size_bytes", big.size()},
                            {"sha256", sha256_hex(v2_ / "NOTICE.txt")}});
    write_file(v2_ / "model_config.json", cfg.dump(2));
    v1_config_ = read_file(v1_ / "model_config.json");
    v2_config_ = read_file(v2_ / "model_config.json");
    ASSERT_TRUE(copy_bundle(v1_.string(), dst_.string(), {}).ok());
  }

  /// The cache bundle verifies in full and is exactly v1 or v2; returns which (1, 2) or 0.
  int cache_version() const {
    auto b = ModelBundle::open(dst_.string(), ModelBundle::Verify::kFull);
    if (!b.ok()) {
      ADD_FAILURE() << "cache bundle does not verify: " << b.error().message();
      return 0;
    }
    const std::string cfg = read_file(dst_ / "model_config.json");
    if (cfg == v1_config_) return 1;
    if (cfg == v2_config_) return 2;
    ADD_FAILURE() << "cache model_config.json is neither v1 nor v2";
    return 0;
  }

  /// Entries of the cache folder other than the bundle itself (staging or old copies).
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_ / "cache")) {
      if (e.path().filename() != "tiny") out.push_back(e.path().filename().string());
    }
    return out;
  }

  ScratchDir dir_;
  fs::path v1_, v2_, dst_;
  std::string v1_config_, v2_config_;
};

/// Generates 2 tokens from the bundle at `dir` in a child process (ExecuTorch's thread pool is
/// never started in the test process, so forking stays safe). Returns the child's wait status.
int generate_in_child(const std::string& dir) {
  return run_in_child([&] {
    LocalLlmConfig c;
    c.bundle = dir;
    c.memory_threshold_mb = 1;
    auto llm = LocalLlm::create(c);
    if (!llm.ok()) return 20;
    GenerationRequest r;
    r.prompt = "hello";
    r.temperature = 0.0f;
    r.max_output_tokens = 2;
    auto out = (*llm)->generate(r);
    return out.ok() ? 0 : 21;
  });
}

}  // namespace

TEST_F(AssetCopyCrashTest, KillDuringTheCopyNeverLeavesAHalfBundle) {
  // How long one copy of v2 takes here, to spread the kills over it.
  const auto t0 = std::chrono::steady_clock::now();
  const int timed = run_in_child([&] {
    return copy_bundle(v2_.string(), (dir_ / "timing" / "tiny").string(), {}).ok() ? 0 : 1;
  });
  ASSERT_EQ(timed, 0);
  const auto copy_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  fs::remove_all(dir_ / "timing");
  std::mt19937 rng(1124);
  constexpr int kKills = 20;
  int seen_v1 = 0, seen_v2 = 0;
  for (int i = 0; i < kKills; ++i) {
    // Start from v1 (the previous bundle) each time.
    ASSERT_TRUE(copy_bundle(v1_.string(), dst_.string(), {}).ok());
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(copy_bundle(v2_.string(), dst_.string(), {}).ok() ? 0 : 1);
    const auto at_us = std::uniform_int_distribution<int64_t>(0, copy_us * 6 / 5)(rng);
    std::this_thread::sleep_for(std::chrono::microseconds(at_us));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
        << describe_status(status);
    const int v = cache_version();
    ASSERT_NE(v, 0) << "after a kill at " << at_us << " us of " << copy_us;
    (v == 1 ? seen_v1 : seen_v2)++;
    // The next copy (the app's next start) succeeds and cleans up after the killed one.
    ASSERT_TRUE(copy_bundle(v2_.string(), dst_.string(), {}).ok());
    EXPECT_EQ(cache_version(), 2);
    EXPECT_EQ(leftovers(), std::vector<std::string>{}) << "after kill " << i;
  }
  std::printf("copy of v2 takes %lld us; after %d kills the cache held v1 %d times, v2 %d times\n",
              static_cast<long long>(copy_us), kKills, seen_v1, seen_v2);
  EXPECT_GT(seen_v1, 0) << "no kill landed during the copy";
  EXPECT_EQ(generate_in_child(dst_.string()), 0);
}

TEST_F(AssetCopyCrashTest, FullDiskFailsTheCopyWithAssetCopyFailedAndKeepsThePreviousBundle) {
  // A child whose file-size limit (4 MiB) makes the notice file's write fail with EFBIG, as a full
  // disk fails it with ENOSPC: a real failing write.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int status = run_in_child([&] {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim {
      4u << 20, 4u << 20
    };
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 30;
    LocalLlmConfig c;
    c.bundle = "v2";
    c.assets_dir = (dir_ / "assets").string();
    c.cache_dir = (dir_ / "cache").string();
    c.memory_threshold_mb = 1;
    auto llm = LocalLlm::create(c);
    if (!llm.ok()) return 31;
    Status s = (*llm)->load();
    const std::string msg =
        s.ok() ? "ok" : std::string(to_string(s.error().kind)) + ": " + s.error().message();
    (void)!::write(fds[1], msg.data(), msg.size());
    // And the bare copy over the existing v1 bundle.
    Status s2 = copy_bundle(v2_.string(), dst_.string(), {});
    const std::string msg2 =
        "\n" + (s2.ok() ? std::string("ok")
                        : std::string(to_string(s2.error().kind)) + ": " + s2.error().message());
    (void)!::write(fds[1], msg2.data(), msg2.size());
    return 0;
  });
  ::close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  ASSERT_EQ(status, 0) << describe_status(status) << "\n" << out;
  const auto nl = out.find('\n');
  ASSERT_NE(nl, std::string::npos) << out;
  const std::string load_msg = out.substr(0, nl), copy_msg = out.substr(nl + 1);
  EXPECT_EQ(load_msg.rfind("AssetCopyFailed: ", 0), 0u) << load_msg;
  EXPECT_NE(load_msg.find("NOTICE.txt"), std::string::npos) << load_msg;
  EXPECT_EQ(copy_msg.rfind("AssetCopyFailed: ", 0), 0u) << copy_msg;
  // Nothing of v2 was left in the cache: no cache/v2, no staging folder, v1 untouched.
  EXPECT_FALSE(fs::exists(dir_ / "cache" / "v2"));
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
  EXPECT_EQ(cache_version(), 1);
  EXPECT_EQ(generate_in_child(dst_.string()), 0);
}

TEST_F(AssetCopyCrashTest, BitRotInTheKeptCacheCopyIsRepairedFromTheAssets) {
  // The app's next start finds its cache copy with the right sizes but a changed byte (storage
  // corruption): the first load hashes the kept copy, finds it corrupt, copies it again from the
  // assets and loads that. Each load runs in a child (ExecuTorch's thread pool never starts in
  // the test process).
  auto load_v1 = [&] {
    return run_in_child([&] {
      LocalLlmConfig c;
      c.bundle = "v1";
      c.assets_dir = (dir_ / "assets").string();
      c.cache_dir = (dir_ / "cache").string();
      c.memory_threshold_mb = 1;
      auto llm = LocalLlm::create(c);
      if (!llm.ok()) return 40;
      Status s = (*llm)->load();
      return s.ok() ? 0 : static_cast<int>(s.error().kind);
    });
  };
  ASSERT_EQ(load_v1(), 0);
  const fs::path pte = dir_ / "cache" / "v1" / "model.pte";
  std::string bytes = read_file(pte);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  write_file(pte, bytes);
  ASSERT_FALSE(
      ModelBundle::open((dir_ / "cache" / "v1").string(), ModelBundle::Verify::kFull).ok());
  const int status = load_v1();
  EXPECT_EQ(status, 0) << describe_status(status);
  auto repaired = ModelBundle::open((dir_ / "cache" / "v1").string(), ModelBundle::Verify::kFull);
  EXPECT_TRUE(repaired.ok()) << "the corrupt copy was kept: " << repaired.error().message();
}
