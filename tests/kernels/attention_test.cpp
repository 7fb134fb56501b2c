// DailyDrug's attention kernels (runtime/src/kernels) against a plain reference: attention the
// textbook way in double precision, with K/V repeated per query head and an explicit causal mask
// offset by start_pos, over the whole cache. Random shapes cover GQA ratios, chunked prefill at
// several start positions and positions at the end of the cache. The ExecuTorch entry points
// (dailydrug::update_cache.out, dailydrug::sdpa.out from the kernel registry) must reject bad
// shapes with a kernel error, never crash.
#include <executorch/extension/tensor/tensor.h>
#include <executorch/runtime/kernel/kernel_runtime_context.h>
#include <executorch/runtime/kernel/operator_registry.h>
#include <executorch/runtime/platform/runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "attention.h"
#include "register.h"

namespace {

using dailydrug::kernels::AttentionShape;
namespace et = ::executorch;

std::vector<float> random_vector(size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Reference: for every query row, scores against every cache position with a mask (-inf after
// the query's own position), softmax in double, weighted sum of repeated V.
std::vector<float> reference_sdpa(const std::vector<float>& q, const std::vector<float>& k,
                                  const std::vector<float>& v, const AttentionShape& s) {
  const int64_t D = s.head_dim, G = s.q_heads / s.kv_heads;
  std::vector<float> out(q.size());
  std::vector<double> w(static_cast<size_t>(s.cache_len));
  for (int64_t b = 0; b < s.batch; ++b) {
    for (int64_t i = 0; i < s.seq_len; ++i) {
      for (int64_t h = 0; h < s.q_heads; ++h) {
        const float* qv = &q[((b * s.seq_len + i) * s.q_heads + h) * D];
        double mx = -INFINITY;
        for (int64_t j = 0; j < s.cache_len; ++j) {
          if (j > s.start_pos + i) {
            w[j] = -INFINITY;
            continue;
          }
          const float* kv = &k[((b * s.cache_len + j) * s.kv_heads + h / G) * D];
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += double(qv[d]) * kv[d];
          w[j] = dot / std::sqrt(double(D));
          mx = std::max(mx, w[j]);
        }
        double sum = 0;
        for (auto& x : w) sum += (x = std::exp(x - mx));
        for (int64_t d = 0; d < D; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < s.cache_len; ++j) {
            acc += w[j] / sum * v[((b * s.cache_len + j) * s.kv_heads + h / G) * D + d];
          }
          out[((b * s.seq_len + i) * s.q_heads + h) * D + d] = static_cast<float>(acc);
        }
      }
    }
  }
  return out;
}

struct Case {
  int64_t batch, seq, q_heads, kv_heads, head_dim, cache_len, start_pos;
};

AttentionShape shape_of(const Case& c) {
  AttentionShape s;
  s.batch = c.batch;
  s.seq_len = c.seq;
  s.q_heads = c.q_heads;
  s.kv_heads = c.kv_heads;
  s.head_dim = c.head_dim;
  s.cache_len = c.cache_len;
  s.start_pos = c.start_pos;
  return s;
}

}  // namespace

TEST(AttentionKernelTest, MatchesReferenceOverShapesAndPositions) {
  const std::vector<Case> cases = {
      {1, 1, 4, 4, 8, 16, 0},        // decode at the first position, no GQA
      {1, 1, 9, 3, 64, 1024, 1000},  // SmolLM2-135M decode deep in the cache (GQA 3)
      {1, 1, 9, 3, 64, 1024, 1023},  // the very last cache position
      {1, 7, 9, 3, 64, 64, 57},      // a chunk that ends exactly at the end of the cache
      {1, 127, 9, 3, 64, 1024, 0},   // a full prefill chunk from position 0
      {1, 13, 8, 1, 16, 40, 5},      // multi-query attention (8 heads share one K/V head)
      {2, 5, 6, 2, 12, 32, 9},       // batch 2, odd head_dim (not a multiple of 8)
      {1, 3, 14, 2, 7, 20, 17},      // GQA 7, tiny odd head_dim
  };
  std::mt19937 rng(42);
  for (const Case& c : cases) {
    const AttentionShape s = shape_of(c);
    ASSERT_EQ(dailydrug::kernels::check_attention_shape(s), "");
    auto q = random_vector(c.batch * c.seq * c.q_heads * c.head_dim, rng);
    auto k = random_vector(c.batch * c.cache_len * c.kv_heads * c.head_dim, rng);
    auto v = random_vector(k.size(), rng);
    std::vector<float> out(q.size(), NAN);
    dailydrug::kernels::sdpa(q.data(), k.data(), v.data(), out.data(), s);
    const auto want = reference_sdpa(q, k, v, s);
    float worst = 0;
    for (size_t i = 0; i < out.size(); ++i) worst = std::max(worst, std::abs(out[i] - want[i]));
    EXPECT_LT(worst, 2e-5f) << "B" << c.batch << " S" << c.seq << " Hq" << c.q_heads << " Hkv"
                            << c.kv_heads << " D" << c.head_dim << " L" << c.cache_len << " start "
                            << c.start_pos;
  }
}

// The reference comparison above runs whichever inner loops this build has: on aarch64 that
// must be the NEON ones, or the ARM path would go untested under qemu.
TEST(AttentionKernelTest, BuildUsesTheTargetsInnerLoops) {
#if defined(__aarch64__)
  EXPECT_STREQ(dailydrug::kernels::attention_path(), "neon");
#elif defined(__x86_64__)
  EXPECT_STREQ(dailydrug::kernels::attention_path(), "x86-64");
#else
  EXPECT_STREQ(dailydrug::kernels::attention_path(), "portable");
#endif
}

TEST(AttentionKernelTest, NeverReadsPositionsAfterTheQuery) {
  // Positions after start_pos + S - 1 hold NaN: any read of them would poison the output.
  const Case c{1, 4, 6, 2, 16, 32, 10};
  const AttentionShape s = shape_of(c);
  std::mt19937 rng(7);
  auto q = random_vector(c.seq * c.q_heads * c.head_dim, rng);
  auto k = random_vector(c.cache_len * c.kv_heads * c.head_dim, rng);
  auto v = random_vector(k.size(), rng);
  const size_t filled = static_cast<size_t>((c.start_pos + c.seq) * c.kv_heads * c.head_dim);
  auto kn = k, vn = v;
  std::fill(kn.begin() + filled, kn.end(), NAN);
  std::fill(vn.begin() + filled, vn.end(), NAN);
  std::vector<float> a(q.size()), b(q.size());
  dailydrug::kernels::sdpa(q.data(), k.data(), v.data(), a.data(), s);
  dailydrug::kernels::sdpa(q.data(), kn.data(), vn.data(), b.data(), s);
  EXPECT_EQ(a, b);
}

TEST(AttentionKernelTest, UpdateCacheWritesOnlyTheChunk) {
  const Case c{2, 3, 4, 4, 5, 10, 6};
  const AttentionShape s = shape_of(c);
  std::mt19937 rng(3);
  auto value = random_vector(c.batch * c.seq * c.kv_heads * c.head_dim, rng);
  std::vector<float> cache(c.batch * c.cache_len * c.kv_heads * c.head_dim, -1.0f);
  dailydrug::kernels::update_cache(value.data(), cache.data(), s);
  const int64_t row = c.kv_heads * c.head_dim;
  for (int64_t b = 0; b < c.batch; ++b) {
    for (int64_t p = 0; p < c.cache_len; ++p) {
      for (int64_t e = 0; e < row; ++e) {
        const float got = cache[(b * c.cache_len + p) * row + e];
        if (p >= c.start_pos && p < c.start_pos + c.seq) {
          EXPECT_EQ(got, value[(b * c.seq + p - c.start_pos) * row + e]);
        } else {
          EXPECT_EQ(got, -1.0f) << "b " << b << " position " << p;
        }
      }
    }
  }
}

TEST(AttentionKernelTest, ShapeCheckNamesTheProblem) {
  AttentionShape s = shape_of({1, 4, 6, 4, 8, 16, 0});
  EXPECT_NE(dailydrug::kernels::check_attention_shape(s).find("multiple"), std::string::npos);
  s = shape_of({1, 4, 6, 2, 8, 16, 13});
  EXPECT_NE(dailydrug::kernels::check_attention_shape(s).find("do not fit"), std::string::npos);
  s = shape_of({1, 4, 6, 2, 8, 16, -1});
  EXPECT_NE(dailydrug::kernels::check_attention_shape(s), "");
  s = shape_of({1, 0, 6, 2, 8, 16, 0});
  EXPECT_NE(dailydrug::kernels::check_attention_shape(s), "");
  s = shape_of({1, 4, 6, 2, 8, 16, 12});  // exactly fills the cache
  EXPECT_EQ(dailydrug::kernels::check_attention_shape(s), "");
}

// --- the registered ExecuTorch operators ----------------------------------------------------

namespace {

using et::extension::make_tensor_ptr;
using et::extension::TensorPtr;
using et::runtime::Error;
using et::runtime::EValue;

TensorPtr tensor(std::vector<int32_t> sizes, float fill = 0.5f) {
  size_t n = 1;
  for (auto d : sizes) n *= static_cast<size_t>(d);
  return make_tensor_ptr(std::move(sizes), std::vector<float>(n, fill));
}

// Run a registered kernel on the stack `args` (out last); the context's failure state.
Error run_op(const char* name, std::vector<EValue> args) {
  et::runtime::runtime_init();
  auto op = et::runtime::get_op_function_from_registry(name, {});
  if (!op.ok()) return op.error();
  std::vector<EValue*> stack;
  stack.reserve(args.size());
  for (auto& a : args) stack.push_back(&a);
  et::runtime::KernelRuntimeContext ctx;
  (*op)(ctx, {stack.data(), stack.size()});
  return ctx.failure_state();
}

}  // namespace

TEST(AttentionOperatorTest, KernelsAreRegistered) {
  EXPECT_TRUE(dailydrug::kernels::kernels_registered());
  et::runtime::runtime_init();
  EXPECT_TRUE(et::runtime::registry_has_op_function("dailydrug::update_cache.out"));
  EXPECT_TRUE(et::runtime::registry_has_op_function("dailydrug::sdpa.out"));
}

TEST(AttentionOperatorTest, SdpaOperatorComputesAndResizesOutput) {
  std::mt19937 rng(11);
  const Case c{1, 3, 4, 2, 8, 12, 5};
  auto qv = random_vector(c.seq * c.q_heads * c.head_dim, rng);
  auto kv = random_vector(c.cache_len * c.kv_heads * c.head_dim, rng);
  auto vv = random_vector(kv.size(), rng);
  auto q = make_tensor_ptr({1, 3, 4, 8}, qv);
  auto k = make_tensor_ptr({1, 12, 2, 8}, kv);
  auto v = make_tensor_ptr({1, 12, 2, 8}, vv);
  // A dynamically shaped output planned for up to 8 tokens, as a program's memory plan gives it.
  auto out =
      make_tensor_ptr({1, 8, 4, 8}, std::vector<float>(8 * 4 * 8, 0.0f), {}, {},
                      et::aten::ScalarType::Float, et::aten::TensorShapeDynamism::DYNAMIC_BOUND);
  ASSERT_EQ(run_op("dailydrug::sdpa.out",
                   {EValue(*q), EValue(*k), EValue(*v), EValue(int64_t{5}), EValue(*out)}),
            Error::Ok);
  ASSERT_EQ(out->size(1), 3);
  const auto want = reference_sdpa(qv, kv, vv, shape_of(c));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(out->const_data_ptr<float>()[i], want[i], 2e-5f);
  }
}

TEST(AttentionOperatorTest, BadShapesFailTheKernelInsteadOfCrashing) {
  auto q = tensor({1, 3, 4, 8});
  auto k = tensor({1, 12, 2, 8});
  auto v = tensor({1, 12, 2, 8});
  auto out = tensor({1, 3, 4, 8});
  auto run_sdpa = [&](const TensorPtr& qq, const TensorPtr& kk, const TensorPtr& vv, int64_t pos) {
    return run_op("dailydrug::sdpa.out",
                  {EValue(*qq), EValue(*kk), EValue(*vv), EValue(pos), EValue(*out)});
  };
  EXPECT_EQ(run_sdpa(q, k, v, 10), Error::InvalidArgument);  // 10 + 3 > 12 positions
  EXPECT_EQ(run_sdpa(q, k, v, -1), Error::InvalidArgument);  // negative position
  EXPECT_EQ(run_sdpa(tensor({1, 3, 3, 8}), k, v, 0), Error::InvalidArgument);   // 3 % 2 heads
  EXPECT_EQ(run_sdpa(tensor({1, 3, 4, 4}), k, v, 0), Error::InvalidArgument);   // head_dim
  EXPECT_EQ(run_sdpa(q, k, tensor({1, 11, 2, 8}), 0), Error::InvalidArgument);  // k != v
  EXPECT_EQ(run_sdpa(tensor({3, 4, 8}), k, v, 0), Error::InvalidArgument);      // 3-D query
  auto ints = make_tensor_ptr({1, 3, 4, 8}, std::vector<int32_t>(96, 1));
  EXPECT_EQ(run_sdpa(ints, k, v, 0), Error::InvalidArgument);  // dtype
  // An output too small for the query (static shape) is an error, not an overflow.
  auto small = tensor({1, 1, 4, 8});
  EXPECT_EQ(run_op("dailydrug::sdpa.out",
                   {EValue(*q), EValue(*k), EValue(*v), EValue(int64_t{0}), EValue(*small)}),
            Error::InvalidArgument);
  // Wrong argument kinds and counts.
  EXPECT_EQ(run_op("dailydrug::sdpa.out", {EValue(*q), EValue(*k), EValue(*v)}),
            Error::InvalidArgument);
  EXPECT_EQ(
      run_op("dailydrug::sdpa.out", {EValue(*q), EValue(*k), EValue(*v), EValue(*q), EValue(*out)}),
      Error::InvalidArgument);

  auto cache = tensor({1, 12, 2, 8}, 0.0f);
  auto dummy = tensor({1});
  auto run_update = [&](const TensorPtr& value, int64_t pos) {
    return run_op("dailydrug::update_cache.out",
                  {EValue(*value), EValue(*cache), EValue(pos), EValue(*dummy)});
  };
  EXPECT_EQ(run_update(tensor({1, 3, 2, 8}), 9), Error::Ok);  // ends at the last slot
  EXPECT_EQ(cache->const_data_ptr<float>()[9 * 16], 0.5f);
  EXPECT_EQ(run_update(tensor({1, 3, 2, 8}), 10), Error::InvalidArgument);  // past the end
  EXPECT_EQ(run_update(tensor({1, 3, 3, 8}), 0), Error::InvalidArgument);   // heads differ
  EXPECT_EQ(run_update(tensor({2, 3, 2, 8}), 0), Error::InvalidArgument);   // batch differs
}
