#include "prefix_snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL  // header-only: no libxxhash to link or ship
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "cache_files.h"

namespace dailydrug::llm {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "DDKVSNP1";
constexpr const char* kSuffix = ".snapshot";

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_text(std::string& out, std::string_view s) {
  put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

/// Positions [0, n) of a tensor are `outer` blocks of n * `row` bytes, `stride` bytes apart.
struct Blocks {
  uint64_t outer = 1, row = 0, stride = 0, positions = 0;
};

Blocks blocks_of(const StateTensor& t) {
  Blocks b;
  b.row = t.element_size;
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    const auto size = static_cast<uint64_t>(t.sizes[d]);
    if (d < t.position_dim) b.outer *= size;
    if (d > t.position_dim) b.row *= size;
  }
  b.positions = static_cast<uint64_t>(t.sizes[t.position_dim]);
  b.stride = b.positions * b.row;
  return b;
}

/// read() or write() the whole buffer, resuming after EINTR and short counts.
template <typename Fn, typename Ptr>
bool whole(Fn io, int fd, Ptr data, size_t size) {
  while (size > 0) {
    const ssize_t n = io(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

/// A file written under a temp name, hashed as it goes; moved into place by commit().
class SnapshotWriter {
 public:
  SnapshotWriter(std::string temp, std::string final_path)
      : temp_(std::move(temp)), final_(std::move(final_path)) {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    XXH3_64bits_reset(&hash_);
  }
  ~SnapshotWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  bool write(const void* data, size_t size) {
    if (fd_ < 0 || !whole(::write, fd_, static_cast<const char*>(data), size)) return false;
    XXH3_64bits_update(&hash_, data, size);
    return true;
  }
  /// Append the checksum, close and rename into place. Returns "" or why it failed.
  std::string commit() {
    if (fd_ < 0) return std::string("cannot create ") + temp_ + ": " + std::strerror(errno);
    const uint64_t sum = XXH3_64bits_digest(&hash_);
    const bool written = whole(::write, fd_, reinterpret_cast<const char*>(&sum), sizeof sum);
    const int err = errno;
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!written || !closed) return std::string("cannot write ") + temp_ + ": " + strerror(err);
    std::error_code ec;
    fs::rename(temp_, final_, ec);
    if (ec) return "cannot rename " + temp_ + ": " + ec.message();
    committed_ = true;
    return "";
  }

 private:
  std::string temp_, final_;
  int fd_ = -1;
  XXH3_state_t hash_{};
  bool committed_ = false;
};

/// The whole file at `path` when it has exactly `size` bytes; empty otherwise.
std::vector<char> read_exactly(const std::string& path, uint64_t size, std::string& why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = "no snapshot";
    return {};
  }
  struct stat st {};
  std::vector<char> data;
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != size) {
    why = "the file has " + std::to_string(st.st_size) + " bytes, expected " + std::to_string(size);
  } else {
    data.resize(size);
    if (!whole(::read, fd, data.data(), data.size())) {
      why = "cannot read the file";
      data.clear();
    }
  }
  ::close(fd);
  return data;
}

}  // namespace

PrefixSnapshots::PrefixSnapshots(std::string dir, std::string key, std::vector<StateTensor> state)
    : dir_(std::move(dir)), key_(std::move(key)), state_(std::move(state)) {}

uint64_t PrefixSnapshots::id(std::span<const TokenId> prefix) const {
  std::string bytes = key_;
  bytes.append(reinterpret_cast<const char*>(prefix.data()), prefix.size_bytes());
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::string PrefixSnapshots::path_for(std::span<const TokenId> prefix) const {
  return path_of(id(prefix));
}

std::string PrefixSnapshots::path_of(uint64_t id) const {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(id));
  return (fs::path(dir_) / (std::string("kv-") + hex + kSuffix)).string();
}

std::string PrefixSnapshots::header(std::span<const TokenId> prefix) const {
  std::string h;
  put_text(h, key_);
  put<uint32_t>(h, static_cast<uint32_t>(prefix.size()));
  h.append(reinterpret_cast<const char*>(prefix.data()), prefix.size_bytes());
  put<uint32_t>(h, static_cast<uint32_t>(state_.size()));
  for (const auto& t : state_) {
    put_text(h, t.name);
    put<uint32_t>(h, static_cast<uint32_t>(t.element_size));
    put<uint32_t>(h, static_cast<uint32_t>(t.position_dim));
    put<uint32_t>(h, static_cast<uint32_t>(t.sizes.size()));
    for (int64_t s : t.sizes) put<int64_t>(h, s);
    const Blocks b = blocks_of(t);
    put<uint64_t>(h, b.outer * prefix.size() * b.row);
  }
  return h;
}

uint64_t PrefixSnapshots::data_bytes(size_t positions) const {
  uint64_t total = 0;
  for (const auto& t : state_) {
    const Blocks b = blocks_of(t);
    if (positions > b.positions) return UINT64_MAX;  // more tokens than the cache holds
    total += b.outer * positions * b.row;
  }
  return total;
}

bool PrefixSnapshots::restore(std::span<const TokenId> prefix) {
  const uint64_t body = data_bytes(prefix.size());
  if (state_.empty() || prefix.size() < kMinTokens || body > kMaxFileBytes) {
    note_ = "no snapshot for a prefix of " + std::to_string(prefix.size()) + " tokens";
    return false;
  }
  const uint64_t key = id(prefix);
  const std::string path = path_of(key);
  const std::string head = header(prefix);
  const uint64_t head_at = kMagic.size() + sizeof(uint64_t);
  const uint64_t size = head_at + head.size() + body + sizeof(uint64_t);
  std::string why;
  const std::vector<char> file = read_exactly(path, size, why);
  if (file.empty()) {
    note_ = why + " (" + path + ")";
    return false;
  }
  uint64_t head_size = 0;
  uint64_t sum = 0;
  std::memcpy(&head_size, file.data() + kMagic.size(), sizeof head_size);
  std::memcpy(&sum, file.data() + size - sizeof sum, sizeof sum);
  if (std::string_view(file.data(), kMagic.size()) != kMagic || head_size != head.size() ||
      std::memcmp(file.data() + head_at, head.data(), head.size()) != 0) {
    note_ = "ignored " + path + ": written for another program, prompt or layout";
    return false;
  }
  if (XXH3_64bits(file.data(), size - sizeof sum) != sum) {
    note_ = "ignored " + path + ": damaged (checksum mismatch)";
    return false;
  }
  const char* from = file.data() + head_at + head.size();
  for (const auto& t : state_) {
    const Blocks b = blocks_of(t);
    const uint64_t n = prefix.size() * b.row;
    for (uint64_t o = 0; o < b.outer; ++o, from += n) std::memcpy(t.data + o * b.stride, from, n);
  }
  done_.insert(key);
  note_ = "restored " + std::to_string(prefix.size()) + " tokens from " + path;
  return true;
}

bool PrefixSnapshots::save(std::span<const TokenId> prefix) {
  const uint64_t key = id(prefix);
  const uint64_t body = data_bytes(prefix.size());
  if (state_.empty() || prefix.size() < kMinTokens || done_.count(key)) return false;
  done_.insert(key);  // one attempt per prefix and process, whatever happens below
  if (body > kMaxFileBytes) {
    note_ = "not saved: a snapshot of " + std::to_string(prefix.size()) + " tokens is too large";
    return true;
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (cache_files::is_stale_temp(e.path().filename().string())) fs::remove(e.path(), ec);
  }
  const std::string path = path_of(key);
  SnapshotWriter out(cache_files::temp_path(dir_, fs::path(path).stem().string()), path);
  const std::string head = header(prefix);
  const uint64_t head_size = head.size();
  bool ok = out.write(kMagic.data(), kMagic.size()) && out.write(&head_size, sizeof head_size) &&
            out.write(head.data(), head.size());
  for (const auto& t : state_) {
    const Blocks b = blocks_of(t);
    for (uint64_t o = 0; ok && o < b.outer; ++o) {
      ok = out.write(t.data + o * b.stride, prefix.size() * b.row);
    }
  }
  const std::string failed = ok ? out.commit() : "cannot write a snapshot in " + dir_;
  if (!failed.empty()) {
    note_ = "not saved: " + failed;
    return true;
  }
  const int evicted = cache_files::keep_newest(dir_, kSuffix, kKeepFiles);
  note_ = "saved " + std::to_string(prefix.size()) + " tokens to " + path +
          (evicted > 0 ? " (" + std::to_string(evicted) + " older snapshot(s) removed)" : "");
  return true;
}

}  // namespace dailydrug::llm
