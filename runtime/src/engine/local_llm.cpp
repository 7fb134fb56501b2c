#include "dailydrug/llm/local_llm.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

/// Removes what an interrupted copy_bundle into `dst` left next to it: ".<name>.tmp-<pid>" and
/// ".<name>.old-<pid>" folders whose process no longer runs (killed, or the device powered off).
/// A copy by a live process (another app instance) is left alone.
void remove_stale_staging(const fs::path& parent, const std::string& name) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string f = e.path().filename().string();
    for (const char* kind : {".tmp-", ".old-"}) {
      const std::string prefix = "." + name + kind;
      if (f.size() <= prefix.size() || f.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string pid_text = f.substr(prefix.size());
      if (pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
      const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
      const bool alive = pid > 0 && pid != ::getpid() &&
                         (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
      if (!alive) {
        std::error_code ignore;
        fs::remove_all(e.path(), ignore);
      }
    }
  }
}

/// Atomically swaps the folders `a` and `b` (both exist). False where the kernel or the file
/// system cannot (then the caller falls back to two renames).
bool exchange_folders(const fs::path& a, const fs::path& b) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
#else
  (void)a;
  (void)b;
  return false;
#endif
}

}  // namespace

Status copy_bundle(const std::string& src_dir, const std::string& dst_dir,
                   const CopyProgress& progress, bool* copied) {
  if (copied) *copied = false;
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
  // Already copied and intact: keep it (after removing what an interrupted copy left behind).
  if (fs::is_regular_file(dst / "model_config.json", ec) &&
      read_text(dst / "model_config.json") == cfg_text &&
      ModelBundle::open(dst_dir, ModelBundle::Verify::kQuick).ok()) {
    remove_stale_staging(dst.has_parent_path() ? dst.parent_path() : fs::path("."),
                         dst.filename().string());
    return Status::Ok();
  }
  uint64_t total = 0, done = 0;
  for (const auto& f : cfg->files) total += f.size_bytes;
  const fs::path parent = dst.has_parent_path() ? dst.parent_path() : fs::path(".");
  fs::create_directories(parent, ec);
  if (ec) return Error::asset_copy_failed(parent.string(), ec.message());
  remove_stale_staging(parent, dst.filename().string());
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
  // Replace a previous copy in one step where the kernel can: a kill between two renames would
  // leave no bundle at `dst` at all.
  if (fs::exists(dst, ec) && exchange_folders(stage, dst)) {
    (void)fsync_path(parent, true);
    fs::remove_all(stage, ec);  // now the previous copy
    if (copied) *copied = true;
    return Status::Ok();
  }
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
  if (copied) *copied = true;
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
  bool copied = false;
  DD_RETURN_IF_ERROR(copy_bundle(src, dst, progress, &copied));
  // Every byte of a fresh copy was hashed while copying; a kept copy was checked by size only
  // and is hashed by this first load (load_locked).
  if (copied) verified_ = true;
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
                                                          : ModelBundle::Verify::kQuick;
  auto opened = ModelBundle::open(dir, verify);
  if (!opened.ok() && opened.error().kind == ErrorKind::kModelCorrupted &&
      !config_.assets_dir.empty()) {
    // The kept copy changed on disk since it was made (storage corruption, a partial restore):
    // make it again from the assets, hashing as it copies.
    std::error_code ec;
    fs::remove_all(dir, ec);
    DD_ASSIGN_OR_RETURN(dir, prepare_bundle_dir(progress));
    opened = ModelBundle::open(dir, ModelBundle::Verify::kQuick);
  }
  if (!opened.ok()) return opened.take_error();
  ModelBundle bundle = std::move(opened).value();
  verified_ = true;
  const BundleConfig& c = bundle.config();
  const int64_t required = config_.memory_threshold_mb.value_or(c.min_memory_mb);
  const int64_t available = available_memory_mb();
  if (available >= 0 && available < required) {
    return Error::insufficient_memory(required, available);
  }
  ModelLoadOptions opts;
  opts.num_threads = config_.thread_count != -1 ? config_.thread_count : c.default_threads;
  if (config_.weight_cache_dir) {
    opts.weight_cache_dir = *config_.weight_cache_dir;
  } else if (!config_.cache_dir.empty()) {
    opts.weight_cache_dir = (fs::path(config_.cache_dir) / ".packed-weights").string();
  }
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
