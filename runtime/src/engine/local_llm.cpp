#include "dailydrug/llm/local_llm.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
                          uint64_t& done, uint64_t total, const CopyProgress& progress,
                          const CancelToken* cancel) {
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(src.c_str(), "rb"), std::fclose);
  if (!in) return Error::asset_copy_failed(want.path, std::strerror(errno));
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(dst.c_str(), "wb"), std::fclose);
  if (!out) return Error::asset_copy_failed(want.path, std::strerror(errno));
  Sha256 sha;
  std::vector<char> buf(1 << 20);
  uint64_t copied = 0;
  for (;;) {
    if (cancel && cancel->cancelled()) return Error::asset_copy_failed(want.path, "cancelled");
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
                   const CopyProgress& progress, bool* copied, const CancelToken* cancel) {
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
    Status s = copy_file_verified(src / f.path, stage / f.path, f, done, total, progress, cancel);
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
  const fs::path old =
      parent / ("." + dst.filename().string() + ".old-" + std::to_string(::getpid()));
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

Result<std::unique_ptr<LocalLlm>> LocalLlm::open(const std::string& dir) {
  LocalLlmConfig config;
  config.bundle = dir;
  DD_ASSIGN_OR_RETURN(auto model, create(std::move(config)));
  DD_RETURN_IF_ERROR(model->load());
  return model;
}

Result<std::string> LocalLlm::prepare_bundle_dir(const CopyProgress& progress,
                                                 const CancelToken* cancel) {
  if (config_.assets_dir.empty()) return config_.bundle;
  const std::string src = (fs::path(config_.assets_dir) / config_.bundle).string();
  const std::string dst = (fs::path(config_.cache_dir) / config_.bundle).string();
  bool copied = false;
  DD_RETURN_IF_ERROR(copy_bundle(src, dst, progress, &copied, cancel));
  // Every byte of a fresh copy was hashed while copying; a kept copy was checked by size only
  // and is hashed by this first load (open_verified).
  if (copied) verified_ = true;
  return dst;
}

std::string LocalLlm::weight_cache_dir() const {
  if (config_.weight_cache_dir) return *config_.weight_cache_dir;
  if (!config_.cache_dir.empty()) return (fs::path(config_.cache_dir) / ".packed-weights").string();
  return {};
}

namespace {

/// What identifies this version of the bundle's files without reading them: per file its path,
/// size, modification time, inode and listed SHA-256. A file replaced or rewritten in place
/// changes it; the packed-weight cache checksums what it derives from the program separately.
std::string files_fingerprint(const fs::path& dir, const BundleConfig& c) {
  std::string out;
  std::vector<std::string> paths{"model_config.json"};
  for (const auto& f : c.files) paths.push_back(f.path);
  for (const auto& path : paths) {
    struct stat st {};
    if (::stat((dir / path).c_str(), &st) != 0) return {};
    out += path + ' ' + std::to_string(st.st_size) + ' ' + std::to_string(st.st_mtim.tv_sec) + '.' +
           std::to_string(st.st_mtim.tv_nsec) + ' ' + std::to_string(st.st_ino) + '\n';
  }
  for (const auto& f : c.files) out += f.sha256 + '\n';
  return out;
}

/// Where the record of a passed SHA-256 check of the bundle in `dir` is kept.
fs::path verified_record(const std::string& cache_dir, const fs::path& dir) {
  std::error_code ec;
  const std::string abs = fs::absolute(dir, ec).lexically_normal().string();
  Sha256 h;
  h.update(abs.data(), abs.size());
  return fs::path(cache_dir) / ("verified-" + h.hex().substr(0, 24));
}

/// Writes `text` to `path` atomically (temporary file + rename); false on any failure.
bool write_atomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

}  // namespace

Result<ModelBundle> LocalLlm::open_verified(const std::string& dir) {
  if (!config_.verify_sha256 || verified_) {
    return ModelBundle::open(dir, ModelBundle::Verify::kQuick);
  }
  const std::string cache = weight_cache_dir();
  if (cache.empty()) return ModelBundle::open(dir, ModelBundle::Verify::kFull);
  DD_ASSIGN_OR_RETURN(ModelBundle quick, ModelBundle::open(dir, ModelBundle::Verify::kQuick));
  const std::string fingerprint = files_fingerprint(dir, quick.config());
  const fs::path record = verified_record(cache, dir);
  if (!fingerprint.empty() && read_text(record) == fingerprint) return quick;
  DD_ASSIGN_OR_RETURN(ModelBundle full, ModelBundle::open(dir, ModelBundle::Verify::kFull));
  // Remembered only if nothing changed while it was hashed; a failed write costs a re-check.
  if (!fingerprint.empty() && files_fingerprint(dir, full.config()) == fingerprint) {
    (void)write_atomically(record, fingerprint);
  }
  return full;
}

LocalLlm::CancelScope::CancelScope(LocalLlm& llm, CancelTokenPtr token)
    : llm_(llm), token_(std::move(token)) {
  if (!token_) return;
  std::lock_guard<std::mutex> lock(llm_.active_mutex_);
  llm_.active_.push_back(token_.get());
}

LocalLlm::CancelScope::~CancelScope() {
  if (!token_) return;
  std::lock_guard<std::mutex> lock(llm_.active_mutex_);
  auto& active = llm_.active_;
  if (auto it = std::find(active.begin(), active.end(), token_.get()); it != active.end()) {
    active.erase(it);
  }
}

Status LocalLlm::load(const CopyProgress& progress, const CancelToken* cancel) {
  std::lock_guard<std::mutex> lock(mutex_);
  return load_locked(progress, cancel);
}

Status LocalLlm::load_locked(const CopyProgress& progress, const CancelToken* cancel) {
  if (runner_) return Status::Ok();
  const auto t0 = std::chrono::steady_clock::now();
  DD_ASSIGN_OR_RETURN(std::string dir, prepare_bundle_dir(progress, cancel));
  auto opened = open_verified(dir);
  if (!opened.ok() && opened.error().kind == ErrorKind::kModelCorrupted &&
      !config_.assets_dir.empty()) {
    // The kept copy changed on disk since it was made (storage corruption, a partial restore):
    // make it again from the assets, hashing as it copies.
    std::error_code ec;
    fs::remove_all(dir, ec);
    DD_ASSIGN_OR_RETURN(dir, prepare_bundle_dir(progress, cancel));
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
  opts.weight_cache_dir = weight_cache_dir();
  opts.warm_up = config_.warm_up;
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
  GenerationRequest own;
  const GenerationRequest* req = &request;
  if (!request.cancel) {  // cancel() needs a token to reach this request
    own = request;
    own.cancel = make_cancel_token();
    req = &own;
  }
  CancelScope scope(*this, req->cancel);
  std::lock_guard<std::mutex> lock(mutex_);
  GenerationResponse cancelled;
  cancelled.finish_reason = FinishReason::kCancelled;
  if (req->cancel->cancelled()) return cancelled;  // while it waited: no load, no prefill
  if (Status s = load_locked({}, req->cancel.get()); !s.ok()) {
    if (req->cancel->cancelled()) return cancelled;  // the copy stopped for it
    return s.take_error();
  }
  return runner_->generate(*req, on_text, on_stats);
}

Result<BundleConfig> LocalLlm::bundle_config() const {
  const fs::path dir = config_.assets_dir.empty() ? fs::path(config_.bundle)
                                                  : fs::path(config_.assets_dir) / config_.bundle;
  std::error_code ec;
  const fs::path file = dir / "model_config.json";
  if (!fs::is_regular_file(file, ec)) return Error::model_not_found(file.string());
  return ModelBundle::parse_config(read_text(file));
}

Result<std::vector<TokenId>> LocalLlm::prompt_tokens(const GenerationRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  DD_RETURN_IF_ERROR(load_locked({}, request.cancel.get()));
  return runner_->prompt_tokens(request);
}

Result<int64_t> LocalLlm::context_limit() {
  std::lock_guard<std::mutex> lock(mutex_);
  DD_RETURN_IF_ERROR(load_locked({}, nullptr));
  return runner_->context_limit();
}

void LocalLlm::cancel() {
  std::lock_guard<std::mutex> lock(active_mutex_);
  for (CancelToken* token : active_) token->cancel();
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

std::shared_ptr<const Tokenizer> LocalLlm::tokenizer() const {
  std::lock_guard<std::mutex> rl(runner_mutex_);
  return runner_ ? runner_->shared_tokenizer() : nullptr;
}

std::string LocalLlm::weight_cache_state() const {
  std::lock_guard<std::mutex> rl(runner_mutex_);
  return runner_ ? runner_->model().weight_cache() : std::string();
}

}  // namespace dailydrug::llm
