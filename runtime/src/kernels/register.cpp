// ExecuTorch kernels for DailyDrug's custom operators, registered with ExecuTorch's kernel
// registry when this object is loaded (static initializer). The schemas are declared for export
// in tools/export/dailydrug_export/custom_ops.py and must match:
//
//   dailydrug::update_cache.out(Tensor value, Tensor(a!) cache, SymInt start_pos, *,
//                               Tensor(b!) out) -> Tensor(b!)
//   dailydrug::sdpa.out(Tensor query, Tensor key_cache, Tensor value_cache, SymInt start_pos, *,
//                       Tensor(a!) out) -> Tensor(a!)
//
// A bad shape or dtype fails the kernel through the runtime context (the method returns
// InvalidArgument and the caller sees a typed error); nothing aborts.
#include <executorch/runtime/core/exec_aten/util/tensor_util.h>
#include <executorch/runtime/kernel/kernel_includes.h>
#include <executorch/runtime/kernel/operator_registry.h>

#include <string>

#include "attention.h"
#include "register.h"

namespace dailydrug::kernels {

namespace {

using executorch::aten::ScalarType;
using executorch::aten::Tensor;
using executorch::runtime::Error;
using executorch::runtime::KernelRuntimeContext;

bool is_fp32_4d(const Tensor& t) {
  return t.scalar_type() == ScalarType::Float && t.dim() == 4 &&
         executorch::runtime::tensor_is_contiguous(t);
}

void fail(KernelRuntimeContext& ctx, const char* op, const std::string& why) {
  ET_LOG(Error, "%s: %s", op, why.c_str());
  ctx.fail(Error::InvalidArgument);
}

// value [B, S, H, D] into cache [B, L, H, D] at start_pos; out is a 1-element placeholder the
// functional form returns (the cache itself is the result).
Tensor& update_cache_out(KernelRuntimeContext& ctx, const Tensor& value, Tensor& cache,
                         int64_t start_pos, Tensor& out) {
  constexpr const char* kOp = "dailydrug::update_cache";
  if (!is_fp32_4d(value) || !is_fp32_4d(cache)) {
    fail(ctx, kOp, "value and cache must be contiguous 4-D float32 tensors");
    return out;
  }
  AttentionShape s;
  s.batch = value.size(0);
  s.seq_len = value.size(1);
  s.kv_heads = s.q_heads = value.size(2);
  s.head_dim = value.size(3);
  s.cache_len = cache.size(1);
  s.start_pos = start_pos;
  if (cache.size(0) != s.batch || cache.size(2) != s.kv_heads || cache.size(3) != s.head_dim) {
    fail(ctx, kOp, "cache [B, L, H, D] does not match value [B, S, H, D]");
    return out;
  }
  if (std::string why = check_attention_shape(s); !why.empty()) {
    fail(ctx, kOp, why);
    return out;
  }
  update_cache(value.const_data_ptr<float>(), cache.mutable_data_ptr<float>(), s);
  return out;
}

Tensor& sdpa_out(KernelRuntimeContext& ctx, const Tensor& q, const Tensor& k_cache,
                 const Tensor& v_cache, int64_t start_pos, Tensor& out) {
  constexpr const char* kOp = "dailydrug::sdpa";
  if (!is_fp32_4d(q) || !is_fp32_4d(k_cache) || !is_fp32_4d(v_cache)) {
    fail(ctx, kOp, "query and caches must be contiguous 4-D float32 tensors");
    return out;
  }
  AttentionShape s;
  s.batch = q.size(0);
  s.seq_len = q.size(1);
  s.q_heads = q.size(2);
  s.head_dim = q.size(3);
  s.kv_heads = k_cache.size(2);
  s.cache_len = k_cache.size(1);
  s.start_pos = start_pos;
  for (const Tensor* c : {&k_cache, &v_cache}) {
    if (c->size(0) != s.batch || c->size(1) != s.cache_len || c->size(2) != s.kv_heads ||
        c->size(3) != s.head_dim) {
      fail(ctx, kOp, "key and value caches must both be [B, L, Hkv, D] matching the query");
      return out;
    }
  }
  if (std::string why = check_attention_shape(s); !why.empty()) {
    fail(ctx, kOp, why);
    return out;
  }
  if (out.scalar_type() != ScalarType::Float ||
      executorch::runtime::resize_tensor(out, q.sizes()) != Error::Ok) {
    fail(ctx, kOp, "output cannot take the query's shape [B, S, Hq, D] as float32");
    return out;
  }
  sdpa(q.const_data_ptr<float>(), k_cache.const_data_ptr<float>(), v_cache.const_data_ptr<float>(),
       out.mutable_data_ptr<float>(), s);
  return out;
}

// Boxed entry points: the stack holds the schema's arguments in order, `out` last. (ExecuTorch's
// make_boxed_kernel helper accepts only one mutable tensor, and update_cache has two.)
using executorch::runtime::EValue;
using executorch::runtime::Span;

bool stack_is(KernelRuntimeContext& ctx, Span<EValue*> stack, size_t n, const char* op) {
  if (stack.size() < n) {
    fail(ctx, op,
         "called with " + std::to_string(stack.size()) + " arguments, expected " +
             std::to_string(n));
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    const bool want_int = (i == n - 2);  // start_pos sits just before out
    if (want_int ? !stack[i]->isInt() : !stack[i]->isTensor()) {
      fail(ctx, op, "argument " + std::to_string(i) + " has the wrong type");
      return false;
    }
  }
  return true;
}

void update_cache_boxed(KernelRuntimeContext& ctx, Span<EValue*> stack) {
  if (!stack_is(ctx, stack, 4, "dailydrug::update_cache")) return;
  update_cache_out(ctx, stack[0]->toTensor(), stack[1]->toTensor(), stack[2]->toInt(),
                   stack[3]->toTensor());
}

void sdpa_boxed(KernelRuntimeContext& ctx, Span<EValue*> stack) {
  if (!stack_is(ctx, stack, 5, "dailydrug::sdpa")) return;
  sdpa_out(ctx, stack[0]->toTensor(), stack[1]->toTensor(), stack[2]->toTensor(), stack[3]->toInt(),
           stack[4]->toTensor());
}

Error register_all() {
  static const executorch::runtime::Kernel kernels[] = {
      executorch::runtime::Kernel("dailydrug::update_cache.out", update_cache_boxed),
      executorch::runtime::Kernel("dailydrug::sdpa.out", sdpa_boxed),
  };
  return executorch::runtime::register_kernels({kernels, 2});
}

// Registered when the image that contains this object is loaded: dd_llm links it whole-archive,
// the Python module libdd_kernels_py.so carries its own copy for the exporter's verification.
// ExecuTorch aborts on a second registration of the same name, so a process must load only one
// of them (no target links both dd_llm and the module; the C API library dd_llm_c holds dd_llm).
const Error registration = register_all();

}  // namespace

bool kernels_registered() {
  return registration == Error::Ok;
}

}  // namespace dailydrug::kernels
