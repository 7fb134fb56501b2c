#include "dailydrug/llm/local_llm.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sha256.h"

namespace dailydrug::llm {

namespace fs = std::filesystem;

int64_t available_memory_mb() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb / 1024;
  }
  return -1;
}

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status fsync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return Error::asset_copy_failed(p.string(), std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Error::asset_copy_failed(p.string(), std::strerror(err));
  return Status::Ok();
}

/// Copy one file, hashing as it goes; fsync before returning. Reports progress per chunk.
Status copy_file_verified(const fs::path& src, const fs::path& dst, const BundleFile& want,
                          uint64_t& done, uint64_t total, const CopyProgress& progress) {
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(src.c_str(), "rb"), std::fclose);
  if (!in) return Error::asset_copy_failed(want.path, std::strerror(errno));
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(dst.c_str(), "wb"), std::fclose);
  if (!out) return Error::asset_copy_failed(want.path, std::strerror(errno));
  Sha256 sha;
  std::vector<char> buf(1 << 20);
  uint64_t copied = 0;
  for (;;) {
    const size_t n = std::fread(buf.data(), 1, buf.size(), in.get());
    if (n > 0) {
      if (std::fwrite(buf.data(), 1, n, out.get()) != n) {
        return Error::asset_copy_failed(
            want.path, errno == ENOSPC ? "no space left on device" : std::strerror(errno));
      }
      sha.update(buf.data(), n);
      copied += n;
      done += n;
      if (progress) progress(done, total, want.path);
    }
    if (n < buf.size()) {
      if (std::ferror(in.get())) return Error::asset_copy_failed(want.path, "read error");
      break;
    }
  }
  if (std::fflush(out.get()) != 0 || ::fsync(::fileno(out.get())) != 0) {
    return Error::asset_copy_failed(
        want.path, errno == ENOSPC ? "no space left on device" : std::strerror(errno));
  }
  if (copied != want.size_bytes) {
    return Error::asset_copy_failed(want.path, "source has " + std::to_string(copied) +
                                                   " bytes, model_config.json says " +
                                                   std::to_string(want.size_bytes));
  }
  if (sha.hex() != want.sha256) {
    return Error::asset_copy_failed(want.path, "SHA-256 of the copy does not match");
  }
  return Status::Ok();
}

}  // namespace

Status copy_bundle(const std::string& src_dir, const std::string& dst_dir,
                   const CopyProgress& progress) {
  const fs::path src(src_dir), dst(dst_dir);
  std::error_code ec;
  const fs::path src_cfg = src / "model_config.json";
  if (!fs::is_regular_file(src_cfg, ec)) {
    return Error::asset_copy_failed(src_cfg.string(), "missing in the assets folder");
  }
  const std::string cfg_text = read_text(src_cfg);
  auto cfg = ModelBundle::parse_config(cfg_text);
  if (!cfg.ok()) {
    return Error::asset_copy_failed(src_cfg.string(), cfg.error().message());
  }
  // Already copied and intact: keep it.
  if (fs::is_regular_file(dst / "model_config.json", ec) &&
      read_text(dst / "model_config.json") == cfg_text &&
      ModelBundle::open(dst_dir, ModelBundle::Verify::kSizes).ok()) {
    return Status::Ok();
  }
  uint64_t total = 0, done = 0;
  for (const auto& f : cfg->files) total += f.size_bytes;
  const fs::path parent = dst.has_parent_path() ? dst.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) return Error::asset_copy_failed(parent.string(), ec.message());
  const fs::path stage =
      parent / ("." + dst.filename().string() + ".tmp-" + std::to_string(::getpid()));
  fs::remove_all(stage, ec);
  fs::create_directories(stage, ec);
  if (ec) return Error::asset_copy_failed(stage.string(), ec.message());
  auto fail = [&](Error e) {
    std::error_code ignore;
    fs::remove_all(stage, ignore);
    return Status(std::move(e));
  };
  for (const auto& f : cfg->files) {
    Status s = copy_file_verified(src / f.path, stage / f.path, f, done, total, progress);
    if (!s.ok()) return fail(s.take_error());
  }
  // model_config.json last: a staging folder without it is incomplete by construction.
  {
    std::ofstream out(stage / "model_config.json", std::ios::binary);
    out << cfg_text;
    if (!out.flush()) return fail(Error::asset_copy_failed("model_config.json", "write failed"));
  }
  if (Status s = fsync_path(stage / "model_config.json", false); !s.ok()) {
    return fail(s.take_error());
  }
  if (Status s = fsync_path(stage, true); !s.ok()) return fail(s.take_error());
  const fs::path old = parent / ("." + dst.filename().string() + ".old-" +
                                 std::to_string(::getpid()));
  if (fs::exists(dst, ec)) {
    fs::rename(dst, old, ec);
    if (ec) return fail(Error::asset_copy_failed(dst.string(), ec.message()));
  }
  fs::rename(stage, dst, ec);
  if (ec) {
    std::error_code ignore;
    if (fs::exists(old, ignore)) fs::rename(old, dst, ignore);  // put the previous one back
    return fail(Error::asset_copy_failed(dst.string(), ec.message()));
  }
  (void)fsync_path(parent, true);
  fs::remove_all(old, ec);
  return Status::Ok();
}

Result<std::unique_ptr<LocalLlm>> LocalLlm::create(LocalLlmConfig config) {
  if (config.bundle.empty()) return Error::configuration_invalid("bundle", "empty");
  if (!config.assets_dir.empty() && config.cache_dir.empty()) {
    return Error::configuration_invalid("cache_dir", "required when assets_dir is set");
  }
  if (!config.assets_dir.empty() &&
      (config.bundle.find('/') != std::string::npos || config.bundle == "..")) {
    return Error::configuration_invalid("bundle", "must be a folder name inside assets_dir");
  }
  if (config.thread_count != -1 && (config.thread_count < 1 || config.thread_count > 256)) {
    return Error::configuration_invalid("thread_count", "must be -1 or 1..256");
  }
  if (config.max_cache_tokens && *config.max_cache_tokens < 1) {
    return Error::configuration_invalid("max_cache_tokens", "must be >= 1");
  }
  if (config.memory_threshold_mb && *config.memory_threshold_mb < 0) {
    return Error::configuration_invalid("memory_threshold_mb", "must be >= 0");
  }
  return std::unique_ptr<LocalLlm>(new LocalLlm(std::move(config)));
}

Result<std::string> LocalLlm::prepare_bundle_dir(const CopyProgress& progress) {
  if (config_.assets_dir.empty()) return config_.bundle;
  const std::string src = (fs::path(config_.assets_dir) / config_.bundle).string();
  const std::string dst = (fs::path(config_.cache_dir) / config_.bundle).string();
  DD_RETURN_IF_ERROR(copy_bundle(src, dst, progress));
  verified_ = true;  // every byte was hashed while copying (or the intact copy was kept)
  return dst;
}

Status LocalLlm::load(const CopyProgress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  return load_locked(progress);
}

Status LocalLlm::load_locked(const CopyProgress& progress) {
  if (runner_) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  DD_ASSIGN_OR_RETURN(std::string dir, prepare_bundle_dir(progress));
  const auto verify = config_.verify_sha256 && !verified_ ? ModelBundle::Verify::kFull
                                                          : ModelBundle::Verify::kSizes;
  DD_ASSIGN_OR_RETURN(ModelBundle bundle, ModelBundle::open(dir, verify));
  verified_ = true;
  const BundleConfig& c = bundle.config();
  const int64_t required = config_.memory_threshold_mb.value_or(c.min_memory_mb);
  const int64_t available = available_memory_mb();
  if (available >= 0 && available < required) {
    return Error::insufficient_memory(required, available);
  }
  ModelLoadOptions opts;
  opts.num_threads = config_.thread_count != -1 ? config_.thread_count : c.default_threads;
  DD_ASSIGN_OR_RETURN(auto runner, Runner::from_bundle(bundle, opts));
  if (config_.max_cache_tokens) runner->set_max_cache_tokens(*config_.max_cache_tokens);
  ModelInfo info;
  info.name = c.model_name;
  info.path = dir;
  info.size_bytes = bundle.total_size_bytes();
  info.context_length = runner->context_limit();
  info.max_tokens = c.max_tokens;
  info.quantization = c.quantization;
  info.threads = ExecutorchModel::num_threads();
  info.load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  info.loaded = true;
  std::lock_guard<std::mutex> rl(runner_mutex_);
  runner_ = std::move(runner);
  info_ = std::move(info);
  return Status::Ok();
}

Result<GenerationResponse> LocalLlm::generate(const GenerationRequest& request,
                                              const TextCallback& on_text,
                                              const StatsCallback& on_stats) {
  std::lock_guard<std::mutex> lock(mutex_);
  DD_RETURN_IF_ERROR(load_locked({}));
  return runner_->generate(request, on_text, on_stats);
}

void LocalLlm::cancel() {
  std::lock_guard<std::mutex> rl(runner_mutex_);
  if (runner_) runner_->cancel();
}

Status LocalLlm::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!runner_) return Error::inference_not_initialized("the model is not loaded");
  runner_->reset();
  return Status::Ok();
}

void LocalLlm::unload() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::unique_ptr<Runner> gone;
  {
    std::lock_guard<std::mutex> rl(runner_mutex_);
    gone = std::move(runner_);
    info_.loaded = false;
  }
}

bool LocalLlm::is_loaded() const {
  std::lock_guard<std::mutex> rl(runner_mutex_);
  return runner_ != nullptr;
}

ModelInfo LocalLlm::info() const {
  std::lock_guard<std::mutex> rl(runner_mutex_);
  return info_;
}

}  // namespace dailydrug::llm
