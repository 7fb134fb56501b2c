#include "attention.h"

#include <executorch/runtime/kernel/thread_parallel_interface.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
// ExecuTorch's thread pool orders the calling thread and the chunks it hands to its workers with
// atomics in uninstrumented code, which TSan cannot see: these say what the pool guarantees (all
// writes before parallel_for are visible in every chunk, every chunk's writes after it returns).
#define DD_TSAN_RELEASE(addr) __tsan_release(addr)
#define DD_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
namespace {
// The synchronisation object of those annotations: a global, so that a chunk can name it
// without reading anything the calling thread wrote (the closure's captures are such writes).
int tsan_handoff = 0;
}  // namespace
#else
#define DD_TSAN_RELEASE(addr) ((void)0)
#define DD_TSAN_ACQUIRE(addr) ((void)0)
#endif

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace dailydrug::kernels {

namespace {

#if defined(__aarch64__) && defined(__ARM_NEON)
// AArch64 (every Android arm64-v8a phone has Advanced SIMD): four 4-lane accumulators, so four
// fused multiply-adds are in flight at a time (their latency is ~4 cycles on Cortex-A7xx/X).
// The fused multiply-add rounds once instead of twice: results differ from the portable loop
// in the last bits, well inside the reference test's tolerance.
constexpr const char* kPath = "neon";

inline float dot(const float* a, const float* b, int64_t n) {
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
    acc1 = vfmaq_f32(acc1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    acc2 = vfmaq_f32(acc2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
    acc3 = vfmaq_f32(acc3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
  }
  for (; i + 4 <= n; i += 4) acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
  float sum = vaddvq_f32(vaddq_f32(vaddq_f32(acc0, acc1), vaddq_f32(acc2, acc3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

inline void axpy(float alpha, const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), alpha));
  for (; i < n; ++i) y[i] += alpha * x[i];
}
#else
// Portable C++ the compiler vectorises for the target (SSE2/AVX2 on x86-64 below).
constexpr const char* kPath =
#if defined(__x86_64__)
    "x86-64";
#else
    "portable";
#endif

// Eight independent partial sums let the compiler keep the loop in vector registers (a single
// running sum is a serial dependency it may not reorder).
inline float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

inline void axpy(float alpha, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}
#endif

// One output row: softmax(q . K[0..n) * scale) V[0..n). On x86-64 (GCC) built twice (AVX2+FMA
// and the x86-64 baseline) and picked at load time by the CPU, since the project compiles
// without -march; other targets get one build for their baseline.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void attend_row(const float* qv, const float* kb, const float* vb, float* o, float* scores,
                int64_t n, int64_t kv_row, int64_t D, float scale) {
  float max_score = -INFINITY;
  for (int64_t j = 0; j < n; ++j) {
    scores[j] = dot(qv, kb + j * kv_row, D) * scale;
    max_score = std::max(max_score, scores[j]);
  }
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    scores[j] = std::exp(scores[j] - max_score);
    sum += scores[j];
  }
  std::fill(o, o + D, 0.0f);
  const float inv = 1.0f / sum;
  for (int64_t j = 0; j < n; ++j) axpy(scores[j] * inv, vb + j * kv_row, o, D);
}

}  // namespace

const char* attention_path() {
  return kPath;
}

std::string check_attention_shape(const AttentionShape& s) {
  if (s.batch <= 0 || s.seq_len <= 0 || s.q_heads <= 0 || s.kv_heads <= 0 || s.head_dim <= 0 ||
      s.cache_len <= 0) {
    return "every size must be positive";
  }
  if (s.q_heads % s.kv_heads != 0) {
    return "query heads (" + std::to_string(s.q_heads) +
           ") are not a multiple of key/value heads (" + std::to_string(s.kv_heads) + ")";
  }
  if (s.start_pos < 0 || s.start_pos > s.cache_len - s.seq_len) {
    return "positions " + std::to_string(s.start_pos) + ".." +
           std::to_string(s.start_pos + s.seq_len - 1) + " do not fit a cache of " +
           std::to_string(s.cache_len);
  }
  return {};
}

void update_cache(const float* value, float* cache, const AttentionShape& s) {
  const int64_t row = s.kv_heads * s.head_dim;  // one position: [H, D]
  for (int64_t b = 0; b < s.batch; ++b) {
    std::memcpy(cache + (b * s.cache_len + s.start_pos) * row, value + b * s.seq_len * row,
                static_cast<size_t>(s.seq_len * row) * sizeof(float));
  }
}

void sdpa(const float* q, const float* k_cache, const float* v_cache, float* out,
          const AttentionShape& s, float scale) {
  const int64_t D = s.head_dim;
  const int64_t group = s.q_heads / s.kv_heads;
  const int64_t kv_row = s.kv_heads * D;  // stride of one cache position
  const int64_t q_row = s.q_heads * D;    // stride of one query token
  if (scale <= 0.0f) scale = 1.0f / std::sqrt(static_cast<float>(D));

  // One work item = one (batch, token, query head) output row. Items are ordered so that the
  // heads of one GQA group are neighbours: a thread's range re-reads the same K/V rows while
  // they are still in cache.
  const int64_t items = s.batch * s.seq_len * s.q_heads;
  auto rows = [&](int64_t begin, int64_t end) {
    DD_TSAN_ACQUIRE(&tsan_handoff);
    std::vector<float> scores;
    for (int64_t it = begin; it < end; ++it) {
      const int64_t h = it % s.q_heads;
      const int64_t i = (it / s.q_heads) % s.seq_len;
      const int64_t b = it / (s.q_heads * s.seq_len);
      const int64_t g = h / group;
      const int64_t n = s.start_pos + i + 1;  // causal window: positions 0 .. start_pos + i
      const float* qv = q + (b * s.seq_len + i) * q_row + h * D;
      const float* kb = k_cache + b * s.cache_len * kv_row + g * D;
      const float* vb = v_cache + b * s.cache_len * kv_row + g * D;
      float* o = out + (b * s.seq_len + i) * q_row + h * D;

      scores.resize(static_cast<size_t>(n));
      attend_row(qv, kb, vb, o, scores.data(), n, kv_row, D, scale);
    }
    DD_TSAN_RELEASE(&tsan_handoff);
  };
  // Work of a row ~ its window times D multiply-adds (twice: scores and values). Chunks below
  // ~64k multiply-adds cost more in thread hand-off than they save.
  const int64_t avg_window = s.start_pos + (s.seq_len + 1) / 2;
  const int64_t per_item = std::max<int64_t>(1, 2 * avg_window * D);
  const int64_t grain = std::max<int64_t>(1, 65536 / per_item);
  if (items <= grain) {
    rows(0, items);
    return;
  }
  DD_TSAN_RELEASE(&tsan_handoff);
  const bool pooled = ::executorch::extension::parallel_for(0, items, grain, rows);
  DD_TSAN_ACQUIRE(&tsan_handoff);
  if (!pooled) {
    rows(0, items);  // the pool refused the range (it only checks begin/end/grain): run inline
  }
}

}  // namespace dailydrug::kernels
