#include "weight_cache.h"

#include "cache_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define XXH_INLINE_ALL  // header-only: no libxxhash to link or ship
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>
#include <vector>

namespace dailydrug::llm::weight_cache {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSuffix = ".xnnpack";
constexpr const char* kCheckedSuffix = ".checked";
constexpr uint64_t kFreeSpaceMargin = 256ull << 20;  // beyond the program's size

bool is_hex16(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

/// The <xxh3> of "<key>-<xxh3>.xnnpack", or "" when `name` is not a cache file of `key`.
std::string hash_in_name(const std::string& name, const std::string& key) {
  const std::string suffix = kSuffix;
  if (name.size() != key.size() + 1 + 16 + suffix.size() || name.rfind(key + "-", 0) != 0 ||
      !name.ends_with(suffix)) {
    return {};
  }
  std::string hex = name.substr(key.size() + 1, 16);
  return is_hex16(hex) ? hex : std::string{};
}

/// Whether ExecuTorch can use the cache file `path` in this process. Its loader keeps an exclusive
/// flock on a file it maps; another process's loader then fails to lock it, logs an error per
/// weight and packs them all anyway. So a file held by another process is not offered (this
/// process packs, quietly); one this process already handed to ExecuTorch is (ExecuTorch shares
/// its mapping between loads of the same path).
bool claim(const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> ours;
  std::lock_guard<std::mutex> lock(mutex);
  if (ours.count(path)) return true;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // releases the probe's lock
  if (free) ours.insert(path);
  return free;
}

/// A file's identity as the file system reports it ("" when it cannot be read): a write through
/// any path changes its size or its modification time, a replaced file has another inode.
std::string identity_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + " " +
         std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

/// Whether `path` still has the identity recorded when its bytes last matched its name.
bool checked_earlier(const std::string& path) {
  std::ifstream in(path + kCheckedSuffix, std::ios::binary);
  char line[256];  // a record is one short line; whatever else the file holds is no record
  in.read(line, sizeof line);
  const std::string_view recorded(line, static_cast<size_t>(in.gcount()));
  const std::string identity = identity_of(path);
  return !identity.empty() && recorded == identity + "\n";
}

/// Records that `path`'s bytes match its name (the caller has just hashed them), and marks the
/// file as the most recently used. Its modification time is set one second back, so that any
/// later write, which stamps the real time, changes the identity even within one tick of the
/// file system's clock.
void mark_checked(const std::string& dir, const std::string& path) {
  std::error_code ec;
  fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::seconds(1), ec);
  const std::string identity = identity_of(path);
  const std::string name = fs::path(path).filename().string() + kCheckedSuffix;
  const std::string temp = cache_files::temp_path(dir, name);
  {
    std::ofstream out(temp, std::ios::trunc);
    out << identity << "\n";
    if (ec || identity.empty() || !out.flush()) {
      out.close();
      fs::remove(temp, ec);
      return;  // no record: the next load hashes the file again
    }
  }
  fs::rename(temp, fs::path(dir) / name, ec);
  if (ec) fs::remove(temp, ec);
}

/// Whether `name` records a check of a cache file that is gone.
bool is_orphan_record(const fs::path& dir, const std::string& name) {
  if (!name.ends_with(kCheckedSuffix)) return false;
  std::error_code ec;
  return !fs::exists(dir / name.substr(0, name.size() - std::string_view(kCheckedSuffix).size()),
                     ec);
}

}  // namespace

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::kOff:
      return "off";
    case Mode::kHit:
      return "hit";
    case Mode::kWrite:
      return "write";
  }
  return "off";
}

std::string file_xxh3(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  std::vector<char> buf(4u << 20);
  bool ok = state != nullptr && XXH3_64bits_reset(state.get()) == XXH_OK;
  while (ok) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0 && XXH3_64bits_update(state.get(), buf.data(), static_cast<size_t>(n)) == XXH_OK;
  }
  ::close(fd);
  if (!ok) return {};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits_digest(state.get())));
  return hex;
}

Plan prepare(const std::string& dir, const std::string& key, uint64_t program_bytes) {
  Plan plan;
  plan.dir = dir;
  plan.key = key;
  if (dir.empty() || key.empty()) {
    plan.note = dir.empty() ? "no cache folder" : "no cache key for this program";
    return plan;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) {
    plan.note = "cannot create " + dir;
    return plan;
  }
  int cleaned = 0;
  std::string found;  // a complete cache file of this key whose bytes match its name
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (cache_files::is_stale_temp(name) || is_orphan_record(dir, name)) {
      cleaned += fs::remove(e.path(), ec);
      continue;
    }
    const std::string want = hash_in_name(name, key);
    if (want.empty() || !found.empty()) continue;
    const std::string path = e.path().string();
    if (checked_earlier(path)) {
      found = path;
    } else if (file_xxh3(path) == want) {
      found = path;
      plan.hashed = true;
    } else {  // damaged (or cut short): never mapped, rebuilt by this load
      cleaned += fs::remove(e.path(), ec);
      fs::remove(path + kCheckedSuffix, ec);
      plan.note = "removed a damaged cache file " + name;
    }
  }
  if (cleaned > 0 && plan.note.empty()) {
    plan.note = "removed " + std::to_string(cleaned) + " stale file(s)";
  }
  if (!found.empty() && !claim(found)) {
    plan.note = "the cache file is in use by another process: packing the weights this time";
    return plan;
  }
  if (!found.empty()) {
    mark_checked(dir, found);
    plan.mode = Mode::kHit;
    plan.path = found;
    return plan;
  }
  struct statvfs sv {};
  if (::statvfs(dir.c_str(), &sv) != 0 ||
      static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize < program_bytes + kFreeSpaceMargin) {
    plan.note = "not enough free space in " + dir + " for a cache file";
    return plan;
  }
  plan.mode = Mode::kWrite;
  plan.path = cache_files::temp_path(dir, key);
  fs::remove(plan.path, ec);  // a leftover of an earlier load in this process
  return plan;
}

std::string finish(const Plan& plan, bool load_ok) {
  if (plan.mode == Mode::kOff) return {};
  if (plan.mode == Mode::kHit) return "packed weights mapped from " + plan.path;
  std::error_code ec;
  if (!load_ok) {
    fs::remove(plan.path, ec);
    return "load failed: cache file discarded";
  }
  const std::string hash = file_xxh3(plan.path);
  // ExecuTorch ends a file with a 20-byte index trailer; a program with nothing to pack writes
  // no entries, and an unreadable file cannot be named.
  if (hash.empty() || fs::file_size(plan.path, ec) <= 20 || ec) {
    fs::remove(plan.path, ec);
    return "no packed weights written";
  }
  const fs::path final_path = fs::path(plan.dir) / (plan.key + "-" + hash + kSuffix);
  fs::rename(plan.path, final_path, ec);
  if (ec) {
    fs::remove(plan.path, ec);
    return "cache file not kept: " + ec.message();
  }
  mark_checked(plan.dir, final_path.string());
  const int evicted = cache_files::keep_newest(plan.dir, kSuffix, kKeepFiles);
  return "packed weights written to " + final_path.string() +
         (evicted > 0 ? " (" + std::to_string(evicted) + " older cache file(s) removed)" : "");
}

}  // namespace dailydrug::llm::weight_cache
