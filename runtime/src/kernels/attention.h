// DailyDrug's attention kernels: the KV-cache update in place and scaled dot-product attention
// over the filled cache positions only, with grouped-query attention (GQA) read directly from
// the shared K/V heads (no repeated K/V). fp32, row-major, no allocation by the caller.
//
// These are the computations behind the ExecuTorch operators `dailydrug::update_cache.out` and
// `dailydrug::sdpa.out` (registered in register.cpp, declared for export in
// tools/export/dailydrug_export/custom_ops.py). Layouts follow ExecuTorch's own LLM custom ops:
// the sequence axis comes before the head axis, so one cache update is one contiguous copy.
#pragma once

#include <cstdint>
#include <string>

namespace dailydrug::kernels {

// Shape of one attention call. Every count is in elements.
struct AttentionShape {
  int64_t batch = 1;
  int64_t seq_len = 0;    // query tokens in this call (S)
  int64_t q_heads = 0;    // Hq
  int64_t kv_heads = 0;   // Hkv; Hq must be a multiple (GQA group = Hq / Hkv)
  int64_t head_dim = 0;   // D
  int64_t cache_len = 0;  // L: positions the cache holds
  int64_t start_pos = 0;  // cache position of the first query token
};

// Which inner loops this build uses: "neon" (AArch64 Advanced SIMD intrinsics), "x86-64"
// (portable loops, with an AVX2+FMA clone picked at load time when GCC builds them) or
// "portable" (any other target: the compiler's vectorisation of the portable loops).
const char* attention_path();

// Empty when the shape is usable, else why not (for the kernel's error message).
// Needs positive sizes, Hq % Hkv == 0, 0 <= start_pos and start_pos + S <= L.
std::string check_attention_shape(const AttentionShape& s);

// Copy value [B, S, H, D] into cache [B, L, H, D] at positions start_pos .. start_pos + S - 1.
// Uses s.kv_heads as H (q_heads is ignored). The shape must pass check_attention_shape.
void update_cache(const float* value, float* cache, const AttentionShape& s);

// out[b, i, h, :] = softmax_j(q[b, i, h] . k[b, j, h / G] * scale) v[b, j, h / G] over the
// causal window j = 0 .. start_pos + i (positions after the query's own are never read).
//   q   [B, S, Hq, D]     k_cache, v_cache [B, L, Hkv, D]     out [B, S, Hq, D]
// scale <= 0 means 1 / sqrt(D). Rows are split over ExecuTorch's thread pool when the work is
// large enough to pay for it. The shape must pass check_attention_shape.
void sdpa(const float* q, const float* k_cache, const float* v_cache, float* out,
          const AttentionShape& s, float scale = 0.0f);

}  // namespace dailydrug::kernels
