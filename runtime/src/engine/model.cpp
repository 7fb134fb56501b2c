#include "dailydrug/llm/model.h"

#include <executorch/extension/module/module.h>
#include <executorch/extension/tensor/tensor.h>
#include <executorch/runtime/backend/backend_options_map.h>
#include <executorch/runtime/backend/options.h>
#include <executorch/runtime/platform/platform.h>
#include <executorch/runtime/platform/runtime.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "dailydrug/llm/log.h"
#include "flat_tensor_check.h"
#include "weight_cache.h"

// The wheel does not ship extension/threadpool/threadpool.h (it includes pthreadpool.h), but
// libexecutorch_threadpool.so exports these symbols; we declare the two members we call. The
// class is only used through a pointer the library hands us, so its layout does not matter here.
namespace executorch::extension::threadpool {
class ThreadPool {
 public:
  size_t get_thread_count() const;
  bool _unsafe_reset_threadpool(uint32_t num_threads);
};
ThreadPool* get_threadpool();
}  // namespace executorch::extension::threadpool

namespace dailydrug::llm {

namespace et = ::executorch;
using et::extension::Module;

namespace {

void forward_et_log(et_timestamp_t, et_pal_log_level_t level, const char* filename, const char*,
                    size_t line, const char* message, size_t length) {
  LogLevel ours = LogLevel::kInfo;
  switch (level) {
    case kDebug:
      ours = LogLevel::kDebug;
      break;
    case kInfo:
      ours = LogLevel::kInfo;
      break;
    case kError:
      ours = LogLevel::kError;
      break;
    case kFatal:
      ours = LogLevel::kFatal;
      break;
    default:
      break;
  }
  std::string text = "[executorch ";
  text += filename ? std::filesystem::path(filename).filename().string() : "?";
  text += ":" + std::to_string(line) + "] ";
  text.append(message, length);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  log_message(ours, text);
}

void init_executorch_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    et::runtime::register_pal(et::runtime::PalImpl::create(forward_et_log, __FILE__));
    et::runtime::runtime_init();
  });
}

std::string et_error(et::runtime::Error e) {
  return std::string(et::runtime::to_string(e)) + " (ExecuTorch error " +
         std::to_string(static_cast<unsigned>(e)) + ")";
}

// A program exported with program-data separation (LoRA: foundation.ptd + adapter.ptd) fails to
// load its method when weights are missing: InvalidState without any data file, NotFound when a
// named weight is in none of the files given.
std::string missing_data_hint(et::runtime::Error err, size_t n_data_files) {
  if (err == et::runtime::Error::InvalidState && n_data_files == 0) {
    return "; the program may keep its weights in .ptd data files (e.g. foundation.ptd and "
           "adapter.ptd): load it with them, as its bundle lists them";
  }
  if (err == et::runtime::Error::NotFound) {
    return "; a weight the program needs is in none of the " + std::to_string(n_data_files) +
           " data file(s) given";
  }
  return "";
}

// Module keeps its loaded Methods to itself; the KV cache buffers are reached through one.
class StatefulModule final : public Module {
 public:
  using Module::Module;
  et::runtime::Method* loaded_method(const std::string& name) {
    auto it = methods_.find(name);
    return it == methods_.end() ? nullptr : it->second.method.get();
  }
};

/// The tensors `names` of `method` as StateTensors, or "" filled with why they cannot be used.
std::string find_state(et::runtime::Method& method, const std::vector<std::string>& names,
                       int64_t positions, std::vector<StateTensor>& out) {
  out.clear();
  for (const auto& name : names) {
    auto t = method.get_attribute(name);
    if (!t.ok()) return "the program has no buffer named " + name + ": " + et_error(t.error());
    StateTensor st;
    st.name = name;
    st.data = static_cast<std::byte*>(t->mutable_data_ptr());
    st.element_size = t->element_size();
    const auto sizes = t->sizes();
    const auto order = t->dim_order();
    st.sizes.assign(sizes.begin(), sizes.end());
    st.position_dim = st.sizes.size();
    for (size_t d = 0; d < st.sizes.size(); ++d) {
      if (order[d] != static_cast<executorch::aten::DimOrderType>(d)) {
        return name + " is not laid out row-major";
      }
      if (st.sizes[d] == positions && st.position_dim == st.sizes.size()) st.position_dim = d;
    }
    if (st.data == nullptr || st.position_dim == st.sizes.size()) {
      return name + " has no dimension of the cache length " + std::to_string(positions);
    }
    out.push_back(std::move(st));
  }
  return "";
}

}  // namespace

struct ExecutorchModel::Impl {
  std::unique_ptr<StatefulModule> module;
  std::vector<int64_t> token_buf;  // [1, n] int64 input, reused across calls
  int64_t pos_buf = 0;
};

ExecutorchModel::ExecutorchModel() : impl_(std::make_unique<Impl>()) {}
ExecutorchModel::~ExecutorchModel() = default;

Status ExecutorchModel::set_num_threads(int n) {
  if (n > kMaxThreads) {
    return Error::configuration_invalid(
        "num_threads", std::to_string(n) + " is more than " + std::to_string(kMaxThreads));
  }
  init_executorch_once();
  auto* pool = et::extension::threadpool::get_threadpool();
  if (pool == nullptr) return Error::configuration_invalid("num_threads", "no thread pool");
  const int want = n > 0 ? n : automatic_thread_count();
  if (static_cast<int>(pool->get_thread_count()) == want) return Status::Ok();
  if (!pool->_unsafe_reset_threadpool(static_cast<uint32_t>(want))) {
    return Error::configuration_invalid("num_threads",
                                        "ExecuTorch refused " + std::to_string(want) + " threads");
  }
  return Status::Ok();
}

int ExecutorchModel::num_threads() {
  init_executorch_once();
  auto* pool = et::extension::threadpool::get_threadpool();
  return pool ? static_cast<int>(pool->get_thread_count()) : 1;
}

Result<std::unique_ptr<ExecutorchModel>> ExecutorchModel::load(const std::string& pte_path,
                                                               const ModelLoadOptions& options) {
  init_executorch_once();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(pte_path, ec)) return Error::model_not_found(pte_path);
  if (std::filesystem::file_size(pte_path, ec) == 0 || ec) {
    return Error::model_corrupted(pte_path, "empty file");
  }
  for (const auto& ptd : options.data_files) {
    if (!std::filesystem::is_regular_file(ptd, ec)) return Error::model_not_found(ptd);
    // ExecuTorch does not verify a .ptd before trusting its offsets (a corrupt one can crash it).
    if (std::string bad = flat_tensor::check_file(ptd); !bad.empty()) {
      return Error::model_corrupted(ptd, "not a valid ExecuTorch data file: " + bad);
    }
  }
  DD_RETURN_IF_ERROR(set_num_threads(options.num_threads));

  auto model = std::unique_ptr<ExecutorchModel>(new ExecutorchModel());
  model->path_ = pte_path;
  Module::LoadMode mode = Module::LoadMode::File;
  if (options.use_mmap) {
    mode = options.mlock ? Module::LoadMode::MmapUseMlockIgnoreErrors : Module::LoadMode::Mmap;
  }
  auto& module = model->impl_->module;
  module = options.data_files.empty()
               ? std::make_unique<StatefulModule>(pte_path, mode)
               : std::make_unique<StatefulModule>(pte_path, options.data_files, mode);

  // InternalConsistency runs the flatbuffer verifier: a truncated or bit-flipped program is
  // refused here instead of being dereferenced later.
  if (auto err = module->load(et::runtime::Program::Verification::InternalConsistency);
      err != et::runtime::Error::Ok) {
    return Error::model_corrupted(pte_path, "not a valid ExecuTorch program: " + et_error(err));
  }
  auto names = module->method_names();
  if (!names.ok()) return Error::model_corrupted(pte_path, et_error(names.error()));
  if (!names->count("forward")) {
    return Error::model_load_failed(pte_path + " has no forward method");
  }
  // The packed-weight cache goes to XNNPACK as per-load options (never process-wide ones, so a
  // program that did not ask for it cannot pick up another's file).
  uint64_t program_bytes = std::filesystem::file_size(pte_path, ec);
  for (const auto& ptd : options.data_files) program_bytes += std::filesystem::file_size(ptd, ec);
  const auto cache =
      weight_cache::prepare(options.weight_cache_dir, options.weight_cache_key, program_bytes);
  if (!options.weight_cache_dir.empty() && !cache.note.empty()) {
    log_message(LogLevel::kInfo, "packed-weight cache: " + cache.note);
  }
  et::runtime::BackendOptions<2> xnnpack_options;
  et::runtime::LoadBackendOptionsMap backend_options;
  if (cache.mode != weight_cache::Mode::kOff) {
    (void)xnnpack_options.set_option("weight_cache_enabled", true);
    (void)xnnpack_options.set_option("packed_cache_path", cache.path.c_str());
    (void)backend_options.set_options("XnnpackBackend", xnnpack_options.view());
  }
  const auto method_err =
      module->load_method("forward", nullptr, nullptr,
                          cache.mode == weight_cache::Mode::kOff ? nullptr : &backend_options);
  if (const std::string line = weight_cache::finish(cache, method_err == et::runtime::Error::Ok);
      !line.empty()) {
    log_message(LogLevel::kInfo, "packed-weight cache: " + line);
  }
  model->weight_cache_ = weight_cache::to_string(cache.mode);
  if (auto err = method_err; err != et::runtime::Error::Ok) {
    return Error::model_load_failed("loading forward of " + pte_path + " failed: " + et_error(err) +
                                    (err == et::runtime::Error::OperatorMissing
                                         ? "; the program needs operators this runtime lacks "
                                           "(ExecuTorch's llama:: LLM custom ops? our "
                                           "dailydrug:: attention ops are built in)"
                                         : "") +
                                    missing_data_hint(err, options.data_files.size()));
  }

  ModelMetadata& meta = model->meta_;
  auto get_int = [&](const char* name, int64_t fallback) -> int64_t {
    if (!names->count(name)) return fallback;
    auto v = module->get(name);
    if (!v.ok()) return fallback;
    if (v->isInt()) return v->toInt();
    if (v->isBool()) return v->toBool() ? 1 : 0;
    return fallback;
  };
  meta.max_seq_len = get_int("get_max_seq_len", 0);
  meta.max_context_len = get_int("get_max_context_len", meta.max_seq_len);
  meta.vocab_size = get_int("get_vocab_size", 0);
  meta.n_layers = get_int("get_n_layers", 0);
  meta.use_kv_cache = get_int("use_kv_cache", 0) != 0;
  meta.enable_dynamic_shape = get_int("enable_dynamic_shape", 0) != 0;
  meta.use_sdpa_with_kv_cache = get_int("use_sdpa_with_kv_cache", 0) != 0;
  if (names->count("get_bos_id")) meta.bos_id = static_cast<TokenId>(get_int("get_bos_id", 0));
  if (names->count("get_eos_ids")) {
    auto eos = module->execute("get_eos_ids");
    if (eos.ok()) {
      for (const auto& v : *eos) {
        if (v.isInt()) meta.eos_ids.push_back(static_cast<TokenId>(v.toInt()));
      }
    }
  }
  if (meta.max_seq_len <= 0 || meta.vocab_size <= 0) {
    return Error::model_load_failed(pte_path +
                                    " lacks the LLM metadata methods "
                                    "(get_max_seq_len, get_vocab_size)");
  }
  if (!meta.use_kv_cache) {
    return Error::model_load_failed(pte_path + " was exported without a KV cache");
  }

  auto mm = module->method_meta("forward");
  if (!mm.ok() || mm->num_inputs() != 2) {
    return Error::model_load_failed(pte_path + ": forward must take (tokens, input_pos)");
  }
  auto tin = mm->input_tensor_meta(0);
  if (!tin.ok() || tin->sizes().size() != 2) {
    return Error::model_load_failed(pte_path + ": forward's tokens must be [1, T]");
  }
  // With dynamic shapes the meta carries the upper bound; ExecuTorch's export bound is
  // max_seq_len - 1 tokens per call.
  meta.max_tokens_per_call =
      meta.enable_dynamic_shape ? std::min<int64_t>(tin->sizes()[1], meta.max_seq_len - 1) : 1;
  meta.max_tokens_per_call = std::max<int64_t>(1, meta.max_tokens_per_call);
  // [1, vocab] (the last position) or [1, R, vocab] (the last min(T, R) positions, with R the
  // bound of the dynamic dimension); forward_rows() checks every call's shape against it.
  if (mm->num_outputs() >= 1) {
    auto tout = mm->output_tensor_meta(0);
    if (tout.ok() && tout->sizes().size() == 3 && tout->sizes()[1] > 1) {
      meta.logits_rows = std::min<int64_t>(tout->sizes()[1], meta.max_tokens_per_call);
    }
  }
  model->impl_->token_buf.reserve(static_cast<size_t>(meta.max_tokens_per_call));
  if (!options.state_buffers.empty()) {
    model->state_note_ = find_state(*module->loaded_method("forward"), options.state_buffers,
                                    meta.max_context_len, model->state_);
    if (!model->state_note_.empty()) model->state_.clear();
  } else {
    model->state_note_ = "the bundle names no KV cache buffers";
  }
  if (options.warm_up) {
    const TokenId token = meta.bos_id.value_or(0);
    if (auto ran = model->forward(std::span<const TokenId>(&token, 1), 0); !ran.ok()) {
      return Error::model_load_failed("the first forward call of " + pte_path +
                                      " failed: " + ran.error().message());
    }
  }
  return model;
}

Result<std::span<const float>> ExecutorchModel::forward(std::span<const TokenId> tokens,
                                                        int64_t start_pos) {
  DD_ASSIGN_OR_RETURN(auto rows, forward_rows(tokens, start_pos));
  return rows.subspan(rows.size() - static_cast<size_t>(meta_.vocab_size));
}

Result<std::span<const float>> ExecutorchModel::forward_rows(std::span<const TokenId> tokens,
                                                             int64_t start_pos) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n == 0 || n > meta_.max_tokens_per_call) {
    return Error::generation_failed("forward takes 1.." +
                                    std::to_string(meta_.max_tokens_per_call) + " tokens, got " +
                                    std::to_string(n));
  }
  if (start_pos < 0 || start_pos + n > meta_.max_context_len) {
    return Error::context_length_exceeded(meta_.max_context_len, start_pos + n);
  }
  for (TokenId t : tokens) {
    if (t < 0 || t >= meta_.vocab_size) {
      return Error::generation_failed("token id " + std::to_string(t) + " out of range");
    }
  }
  Impl& im = *impl_;
  im.token_buf.assign(tokens.begin(), tokens.end());
  im.pos_buf = start_pos;
  auto tok = et::extension::from_blob(im.token_buf.data(),
                                      {1, static_cast<executorch::aten::SizesType>(n)},
                                      executorch::aten::ScalarType::Long);
  auto pos = et::extension::from_blob(&im.pos_buf, {1}, executorch::aten::ScalarType::Long);
  auto out = im.module->forward({tok, pos});
  if (!out.ok()) {
    return Error::generation_failed("forward failed at position " + std::to_string(start_pos),
                                    et_error(out.error()));
  }
  if (out->empty() || !(*out)[0].isTensor()) {
    return Error::generation_failed("forward returned no logits tensor");
  }
  const auto& t = (*out)[0].toTensor();
  if (t.scalar_type() != executorch::aten::ScalarType::Float) {
    return Error::generation_failed("logits are not float32");
  }
  const auto numel = static_cast<int64_t>(t.numel());
  const int64_t want = std::min(n, meta_.logits_rows) * meta_.vocab_size;
  if (numel != want) {
    return Error::generation_failed("logits have " + std::to_string(numel) + " values, expected " +
                                    std::to_string(std::min(n, meta_.logits_rows)) + " rows of " +
                                    std::to_string(meta_.vocab_size));
  }
  return std::span<const float>(t.const_data_ptr<float>(), static_cast<size_t>(numel));
}

}  // namespace dailydrug::llm
