// Prefix snapshots: the KV cache of a fixed prompt prefix (a system prompt) kept in a file, so
// that the first request after a restart restores it instead of prefilling it again (internal
// header; docs/RUNTIME.md, "Prefix snapshots").
//
//   <dir>/kv-<hash>.snapshot   <hash>: XXH3-64 of the key and the prefix's token ids
//
// A file is "DDKVSNP1", the header's size (u64), the header (the key; the prefix's token ids;
// per state tensor its name, element size, position dimension, sizes and byte count), the
// tensors' first n positions, and the XXH3-64 of everything before it (u64). It is used only
// when its header is byte for byte the one this program and prefix would write and the checksum
// holds: damage, a cut file, another program, tokenizer, template or prompt are all ignored, and
// the next save replaces the file. Files are written under a temp name and renamed into place
// (cache_files.h); a folder keeps the kKeepFiles most recently written.
//
// The key names everything the cached values depend on besides the tokens (Runner::from_bundle:
// the SHA-256s of the bundle's files, the chat template, the snapshot layout's version).
//
// Not thread-safe: the Runner that owns it serialises every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "dailydrug/llm/model.h"

namespace dailydrug::llm {

class PrefixSnapshots {
 public:
  static constexpr size_t kKeepFiles = 8;
  static constexpr uint64_t kMaxFileBytes = 256ull << 20;
  /// Shorter prefixes are not kept: prefilling them costs about what reading a file does.
  static constexpr size_t kMinTokens = 16;

  /// Snapshots in `dir` (created on first save) of the positions of `state`.
  PrefixSnapshots(std::string dir, std::string key, std::vector<StateTensor> state);

  /// Replace positions [0, prefix.size()) of the state with the snapshot of `prefix`. Returns
  /// false, the state untouched, when there is no usable one (note() says why).
  bool restore(std::span<const TokenId> prefix);
  /// Write positions [0, prefix.size()) of the state as the snapshot of `prefix`, unless this
  /// object has restored or written it already (or it is too short). Returns whether it tried;
  /// trouble (no space, no folder) is only noted.
  bool save(std::span<const TokenId> prefix);

  /// What the last restore() or save() did, for the log.
  const std::string& note() const { return note_; }
  /// The file that holds the snapshot of `prefix`.
  std::string path_for(std::span<const TokenId> prefix) const;

 private:
  uint64_t id(std::span<const TokenId> prefix) const;
  std::string path_of(uint64_t id) const;
  std::string header(std::span<const TokenId> prefix) const;
  uint64_t data_bytes(size_t positions) const;

  std::string dir_;
  std::string key_;
  std::vector<StateTensor> state_;
  std::set<uint64_t> done_;  // prefixes restored or written by this object
  std::string note_;
};

}  // namespace dailydrug::llm
