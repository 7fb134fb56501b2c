// Broken bundle files → the right typed LocalLlmError, never a crash. The matrix: each bundle file
// (model.pte, a .ptd data file, tokenizer.json, model_config.json) × each fault (zero-length,
// truncated, bit-flipped, wrong format version), through the three ways the runtime meets them:
//   1. ModelBundle::open with verification (what LocalLlm does on first load): the listed sizes
//      and SHA-256 catch every change to a listed file → ModelCorrupted; a broken config →
//      ConfigurationInvalid.
//   2. The same fault with model_config.json rewritten to match the broken file (verification
//      cannot help: a file corrupted before it was listed, or a copy trusted on size only). Then
//      the loaders themselves must refuse it with a typed error, or, where the change is
//      harmless, load a runner that still generates. Each load runs in a child process, so a
//      crash fails the test with the fault that caused it (RelistedBundleFaultTest).
//   3. The tokenizer loader on its own (load_tokenizer).
#include <signal.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/local_llm.h"
#include "dailydrug/llm/runner.h"
#include "dailydrug/llm/tokenizer.h"
#include "flat_tensor_check.h"
#include "reliability_util.h"

// GCC names the sanitizer a tree is built with by __SANITIZE_*__, clang by __has_feature.
#if defined(__has_feature)
#define DD_HAS_FEATURE(x) __has_feature(x)
#else
#define DD_HAS_FEATURE(x) 0
#endif

using namespace dailydrug::llm;
using namespace dailydrug::reliability;

namespace {

const fs::path kTinyBundle = fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle";

enum class Fault { kZeroLength, kTruncated, kBitFlip, kWrongVersion };
const char* name_of(Fault f) {
  switch (f) {
    case Fault::kZeroLength:
      return "zero-length";
    case Fault::kTruncated:
      return "truncated";
    case Fault::kBitFlip:
      return "bit-flipped";
    case Fault::kWrongVersion:
      return "wrong-version";
  }
  return "?";
}

/// `data` with the fault applied. `seed` picks the truncation point / flipped bit.
std::string apply(Fault f, const std::string& file, const std::string& data, uint32_t seed) {
  std::mt19937 rng(seed);
  switch (f) {
    case Fault::kZeroLength:
      return "";
    case Fault::kTruncated:
      return data.substr(0, std::uniform_int_distribution<size_t>(1, data.size() - 1)(rng));
    case Fault::kBitFlip: {
      std::string out = data;
      const size_t at = std::uniform_int_distribution<size_t>(0, out.size() - 1)(rng);
      out[at] = static_cast<char>(out[at] ^ (1 << (rng() % 8)));
      return out;
    }
    case Fault::kWrongVersion: {
      std::string out = data;
      if (file == "model.pte" || file == "weights.ptd") {
        // The flatbuffer file identifier at bytes 4..8 ("ET12" / "FT01"): a future format.
        out.replace(4, 4, file == "model.pte" ? "ET99" : "FT99");
      } else if (file == "tokenizer.json") {
        auto j = nlohmann::json::parse(out);
        j["version"] = "2.0";
        out = j.dump();
      } else {
        auto j = nlohmann::json::parse(out);
        j["format_version"] = 99;
        out = j.dump(2);
      }
      return out;
    }
  }
  return data;
}

/// A real .ptd (ExecuTorch FlatTensor file, 272 bytes) holding one named 16-byte blob, written by
/// the executorch wheel's own serializer (kept here as bytes: .ptd files are not committed):
///   FlatTensorSerializer().serialize(DataPayload(buffers=[bytes(range(1, 5)) * 4],
///       named_data={"dd_reliability_blob": DataEntry(0, 16, None)}))
const unsigned char kOneBlobPtd[] = {
    0x48, 0x00, 0x00, 0x00, 0x46, 0x54, 0x30, 0x31, 0x46, 0x48, 0x30, 0x31, 0x28, 0x00, 0x00, 0x00,
    0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00,
    0x0c, 0x00, 0x00, 0x00, 0x04, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x38, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00,
    0x08, 0x00, 0x04, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00,
    0x64, 0x64, 0x5f, 0x72, 0x65, 0x6c, 0x69, 0x61, 0x62, 0x69, 0x6c, 0x69, 0x74, 0x79, 0x5f, 0x62,
    0x6c, 0x6f, 0x62, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0c, 0x00,
    0x00, 0x00, 0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04, 0x01, 0x02, 0x03, 0x04,
};

/// A copy of the tiny bundle in `dir`, plus kOneBlobPtd as "weights.ptd" listed with role "data"
/// (the tiny program keeps its weights inside and does not use the blob).
void make_bundle(const fs::path& dir, bool with_ptd) {
  fs::create_directories(dir);
  for (const char* f : {"model.pte", "tokenizer.json", "model_config.json"}) {
    fs::copy_file(kTinyBundle / f, dir / f);
  }
  if (!with_ptd) return;
  write_file(dir / "weights.ptd",
             std::string(reinterpret_cast<const char*>(kOneBlobPtd), sizeof kOneBlobPtd));
  auto cfg = nlohmann::json::parse(read_file(dir / "model_config.json"));
  cfg["files"].push_back({{"path", "weights.ptd"},
                          {"role", "data"},
                          {"size_bytes", fs::file_size(dir / "weights.ptd")},
                          {"sha256", sha256_file((dir / "weights.ptd").string()).value()}});
  write_file(dir / "model_config.json", cfg.dump(2));
}

/// Rewrites model_config.json so that its listed size and SHA-256 match the files as they are.
void relist(const fs::path& dir) {
  auto cfg = nlohmann::json::parse(read_file(dir / "model_config.json"));
  for (auto& f : cfg["files"]) {
    const fs::path p = dir / f["path"].get<std::string>();
    f["size_bytes"] = fs::file_size(p);
    f["sha256"] = sha256_file(p.string()).value();
  }
  write_file(dir / "model_config.json", cfg.dump(2));
}

std::string kind_or_ok(const Status& s) {
  return s.ok() ? "ok" : std::string(to_string(s.error().kind));
}

/// In a child: open (sizes only), build a runner, generate 2 tokens. The child's exit code is the
/// ErrorKind number of the first error, 0 if everything worked; a signal means a crash.
int load_and_generate_in_child(const fs::path& dir) {
  return run_in_child([&] {
    // A crash shows as the signal itself, also in the ASan tree (whose runtime would otherwise
    // turn a SEGV inside the uninstrumented ExecuTorch into a report and exit code 86).
    ::signal(SIGSEGV, SIG_DFL);
    ::signal(SIGBUS, SIG_DFL);
    auto b = ModelBundle::open(dir.string(), ModelBundle::Verify::kQuick);
    if (!b.ok()) return static_cast<int>(b.error().kind);
    auto r = Runner::from_bundle(*b);
    if (!r.ok()) return static_cast<int>(r.error().kind);
    GenerationRequest q;
    q.prompt = "hi";
    q.temperature = 0.0f;
    q.max_output_tokens = 2;
    auto out = (*r)->generate(q);
    return out.ok() ? 0 : static_cast<int>(out.error().kind);
  });
}

std::string describe_child(int status) {
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    if (code == 0) return "ok";
    if (code >= 1 && code <= 13) return std::string(to_string(static_cast<ErrorKind>(code)));
    return "exit " + std::to_string(code);
  }
  return describe_status(status);
}

struct Case {
  std::string file;
  Fault fault;
};
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.file + "_" + name_of(info.param.fault);
  for (char& c : n) {
    if (c == '.' || c == '-') c = '_';
  }
  return n;
}

class BundleFaultTest : public ::testing::TestWithParam<Case> {};
class RelistedBundleFaultTest : public ::testing::TestWithParam<Case> {};

}  // namespace

// Layer 1: verification catches every broken listed file; a broken config is named.
TEST_P(BundleFaultTest, VerifiedOpenRefusesWithTheRightKind) {
  const Case c = GetParam();
  ScratchDir dir;
  const fs::path b = dir / "bundle";
  make_bundle(b, true);
  const std::string good = read_file(b / c.file);
  for (uint32_t seed = 1; seed <= (c.fault == Fault::kBitFlip ? 8u : 3u); ++seed) {
    write_file(b / c.file, apply(c.fault, c.file, good, seed));
    auto opened = ModelBundle::open(b.string(), ModelBundle::Verify::kFull);
    if (c.file == "model_config.json") {
      if (c.fault == Fault::kBitFlip) {
        // A flipped bit may still leave a valid config (0.7 -> 0.6), or break a listed hash.
        if (!opened.ok()) {
          EXPECT_TRUE(opened.error().kind == ErrorKind::kConfigurationInvalid ||
                      opened.error().kind == ErrorKind::kModelCorrupted)
              << opened.error().message();
        }
      } else {
        ASSERT_FALSE(opened.ok()) << name_of(c.fault) << " config accepted";
        EXPECT_EQ(opened.error().kind, ErrorKind::kConfigurationInvalid)
            << opened.error().message();
        if (c.fault == Fault::kWrongVersion) {
          EXPECT_EQ(opened.error().subject, "format_version");
        }
      }
    } else {
      ASSERT_FALSE(opened.ok()) << name_of(c.fault) << " " << c.file << " accepted";
      EXPECT_EQ(opened.error().kind, ErrorKind::kModelCorrupted) << opened.error().message();
      EXPECT_NE(opened.error().message().find(c.file), std::string::npos)
          << "the error should name the file: " << opened.error().message();
      // The quick open of the CLI, the server and the bench checks sizes, and hashes .ptd files
      // (ExecuTorch's FlatTensor loader can crash on a corrupt one; layer 2's skip).
      auto quick = ModelBundle::open(b.string(), ModelBundle::Verify::kQuick);
      const bool size_changed = fs::file_size(b / c.file) != good.size();
      if (c.file == "weights.ptd" || size_changed) {
        ASSERT_FALSE(quick.ok()) << name_of(c.fault) << " " << c.file << " accepted by kQuick";
        EXPECT_EQ(quick.error().kind, ErrorKind::kModelCorrupted) << quick.error().message();
      } else {
        EXPECT_TRUE(quick.ok()) << "kQuick hashes only .ptd files: " << quick.error().message();
        // (the .pte's own flatbuffer verifier and the tokenizer's parser catch these: layer 2)
      }
    }
    // LocalLlm in place (no assets folder) verifies the same way on its first load.
    LocalLlmConfig lc;
    lc.bundle = b.string();
    lc.memory_threshold_mb = 1;
    if (c.file != "model_config.json" && c.fault != Fault::kBitFlip) {
      // Size mismatches are caught before any hashing; the load never reaches ExecuTorch.
      auto llm = LocalLlm::create(lc);
      ASSERT_TRUE(llm.ok());
      EXPECT_EQ(kind_or_ok((*llm)->load()), "ModelCorrupted");
    }
  }
}

// Layer 2: the config is rewritten to match the broken file; the loaders must refuse it (typed)
// or, if the change is harmless, still work. Never a crash.
TEST_P(RelistedBundleFaultTest, BrokenFileIsRefusedByItsLoaderOrHarmless) {
  const Case c = GetParam();
  ScratchDir dir;
  const fs::path b = dir / "bundle";
  make_bundle(b, c.file == "weights.ptd");
  const std::string good = read_file(b / c.file);
  const uint32_t seeds = c.fault == Fault::kBitFlip ? 12u : c.fault == Fault::kTruncated ? 4u : 1u;
  int refused = 0;
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    write_file(b / c.file, apply(c.fault, c.file, good, seed * 7919));
    relist(b);
    const int status = load_and_generate_in_child(b);
    const std::string got = describe_child(status);
    SCOPED_TRACE(c.file + " " + name_of(c.fault) + " seed " + std::to_string(seed) + ": " + got);
    ASSERT_TRUE(WIFEXITED(status)) << "crashed";
    if (got == "ok") {
      // Only a bit flip may be harmless (a weight, a string's content).
      EXPECT_EQ(c.fault, Fault::kBitFlip);
      continue;
    }
    ++refused;
    if (c.file == "tokenizer.json") {
      EXPECT_EQ(got, "TokenizerNotInitialized");
    } else if (c.fault == Fault::kBitFlip && got == "GenerationFailed") {
      // A flipped bit the flatbuffer verifier cannot see (an operator argument) can still make
      // the program fail when it runs: a typed error from forward(), the runner stays usable.
    } else {
      EXPECT_TRUE(got == "ModelCorrupted" || got == "ModelLoadFailed") << got;
    }
  }
  if (c.fault != Fault::kBitFlip) {
    EXPECT_EQ(refused, static_cast<int>(seeds));
  }
}

// Every single-bit flip and every truncation of a real .ptd: our FlatTensor check
// (runtime/src/flat_tensor) refuses it, or ExecuTorch loads it without crashing. Before the check,
// 162 of these 2,176 flips crashed ExecuTorch 1.5.1's FlatTensor loader (SIGSEGV).
TEST(FlatTensorCheckTest, TheWheelsOwnFileIsAccepted) {
  EXPECT_EQ(flat_tensor::check_head(kOneBlobPtd, sizeof kOneBlobPtd, sizeof kOneBlobPtd), "");
}

TEST(FlatTensorCheckTest, EveryTruncationIsRefused) {
  for (size_t n = 0; n < sizeof kOneBlobPtd; ++n) {
    EXPECT_NE(flat_tensor::check_head(kOneBlobPtd, n, n), "") << "truncated to " << n;
  }
}

TEST(FlatTensorCheckTest, EverySingleBitFlipIsRefusedOrHarmlessToExecuTorch) {
  ScratchDir dir;
  const fs::path b = dir / "bundle";
  make_bundle(b, true);
  const std::string good = read_file(b / "weights.ptd");
  // Under a sanitizer a child's load is slow (TSan about half a second: 1,293 of them would take
  // over 10 minutes; ASan a tenth, two minutes) and what the sanitizer checks is the same load
  // every time: TSan loads every 64th accepted flip, ASan every 8th. The main tree (and the
  // arm64 one) loads every one.
#if defined(__SANITIZE_THREAD__) || DD_HAS_FEATURE(thread_sanitizer)
  constexpr int kLoadEvery = 64;
#elif defined(__SANITIZE_ADDRESS__) || DD_HAS_FEATURE(address_sanitizer)
  constexpr int kLoadEvery = 8;
#else
  constexpr int kLoadEvery = 1;
#endif
  int refused = 0, loaded = 0, accepted = 0;
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    std::string bad = good;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    const auto* bytes = reinterpret_cast<const uint8_t*>(bad.data());
    if (!flat_tensor::check_head(bytes, bad.size(), bad.size()).empty()) {
      ++refused;
      continue;
    }
    if (accepted++ % kLoadEvery != 0) continue;
    // Accepted: ExecuTorch must cope (typed error or a working runner), in a child process.
    write_file(b / "weights.ptd", bad);
    relist(b);
    const int status = load_and_generate_in_child(b);
    ASSERT_TRUE(WIFEXITED(status)) << "bit " << bit << ": " << describe_child(status);
    ++loaded;
  }
  std::printf(
      "[ flat tensor ] %zu single-bit flips: %d refused by our check, %d loaded by "
      "ExecuTorch without a crash\n",
      good.size() * 8, refused, loaded);
  EXPECT_GT(refused, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, BundleFaultTest,
    ::testing::Values(
        Case{"model.pte", Fault::kZeroLength}, Case{"model.pte", Fault::kTruncated},
        Case{"model.pte", Fault::kBitFlip}, Case{"model.pte", Fault::kWrongVersion},
        Case{"weights.ptd", Fault::kZeroLength}, Case{"weights.ptd", Fault::kTruncated},
        Case{"weights.ptd", Fault::kBitFlip}, Case{"weights.ptd", Fault::kWrongVersion},
        Case{"tokenizer.json", Fault::kZeroLength}, Case{"tokenizer.json", Fault::kTruncated},
        Case{"tokenizer.json", Fault::kBitFlip}, Case{"tokenizer.json", Fault::kWrongVersion},
        Case{"model_config.json", Fault::kZeroLength}, Case{"model_config.json", Fault::kTruncated},
        Case{"model_config.json", Fault::kBitFlip},
        Case{"model_config.json", Fault::kWrongVersion}),
    case_name);

// Layer 2 has no config cases: the config is what it rewrites (layer 1 covers a broken one).
INSTANTIATE_TEST_SUITE_P(
    Matrix, RelistedBundleFaultTest,
    ::testing::Values(
        Case{"model.pte", Fault::kZeroLength}, Case{"model.pte", Fault::kTruncated},
        Case{"model.pte", Fault::kBitFlip}, Case{"model.pte", Fault::kWrongVersion},
        Case{"weights.ptd", Fault::kZeroLength}, Case{"weights.ptd", Fault::kTruncated},
        Case{"weights.ptd", Fault::kBitFlip}, Case{"weights.ptd", Fault::kWrongVersion},
        Case{"tokenizer.json", Fault::kZeroLength}, Case{"tokenizer.json", Fault::kTruncated},
        Case{"tokenizer.json", Fault::kBitFlip}, Case{"tokenizer.json", Fault::kWrongVersion}),
    case_name);

// Layer 3: the tokenizer loader alone, on every fault of the real SmolLM2 tokenizer.json and a
// SentencePiece-style one: TokenizerNotInitialized (never a crash); a zero-length file is named.
TEST(TokenizerFileFaultTest, BrokenTokenizerFilesAreTokenizerNotInitialized) {
  ScratchDir dir;
  const std::string good =
      read_file(fs::path(DD_TEST_DATA_DIR) / "smollm2-135m-instruct" / "tokenizer.json");
  ASSERT_FALSE(good.empty());
  for (Fault f : {Fault::kZeroLength, Fault::kTruncated, Fault::kWrongVersion}) {
    for (uint32_t seed = 1; seed <= 3; ++seed) {
      write_file(dir / "tokenizer.json", apply(f, "tokenizer.json", good, seed));
      auto t = load_tokenizer((dir / "tokenizer.json").string());
      ASSERT_FALSE(t.ok()) << name_of(f) << " seed " << seed;
      EXPECT_EQ(t.error().kind, ErrorKind::kTokenizerNotInitialized) << t.error().message();
    }
  }
  EXPECT_EQ(load_tokenizer((dir / "missing.json").string()).error().kind,
            ErrorKind::kTokenizerModelNotFound);
}
