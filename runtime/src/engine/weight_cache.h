// The packed-weight cache: a file of XNNPACK's packed weights per program, so that a load after
// the first maps the file instead of repacking every weight (internal header).
//
// XNNPACK repacks each linear layer's weights into its own layout when a program is loaded; for
// the default 0.5B bundle that is ~90 % of the program's load time and ~340 MB of fresh pages.
// The executorch wheel's XNNPACK backend can write those packed bytes to a file and map them on
// later loads (backend runtime options "weight_cache_enabled" and "packed_cache_path"; each entry
// is keyed by the SHA-256 of the source weight and XNNPACK's kernel seed, so a file never hands a
// program weights it does not have). Around that we add what a cache users rely on needs:
//
//   <dir>/<key>-<xxh3>.xnnpack   a complete cache file; <xxh3> is the XXH3-64 of its bytes, checked
//                                before it is used (a damaged file is deleted and rebuilt, never
//                                mapped)
//   <dir>/<that name>.checked    the file's identity (device, inode, size, modification time)
//                                when its bytes last matched its name: while the identity is
//                                unchanged the file is used without hashing it again (hashing
//                                343 MB was ~40 ms of every load of the default bundle). Any
//                                write to the file changes the identity; a bit flipped on the
//                                storage without a write does not (the program file itself is
//                                not re-hashed per load either).
//   <dir>/<key>.tmp-<pid>        the file being written by process <pid> during its load; renamed
//                                to the name above only after that load succeeded (a killed or
//                                failed load leaves no cache file; stale temps are removed)
//
// `key` names the program (Runner::from_bundle: a hash of the bundle's weight-file SHA-256s and
// of this layout's version; XNNPACK's kernel seed in every entry and the backend's own format
// version in the file cover a changed runtime). A fresh write needs free space for the whole file
// (~ the program's size plus a margin); with less, the cache is not used (mapped writes to a full
// disk would fault). At most kKeepFiles cache files stay in a folder (least recently used first
// out).
//
// Thread-safety: the functions are safe to call from any thread; one load uses one plan.
#pragma once

#include <cstdint>
#include <string>

namespace dailydrug::llm::weight_cache {

inline constexpr int kKeepFiles = 3;

enum class Mode {
  kOff,    // no cache for this load (none asked for, or not usable: see `note`)
  kHit,    // `path` is a verified complete cache file: ExecuTorch maps it
  kWrite,  // `path` is this process's temp file: ExecuTorch writes it during the load
};

struct Plan {
  Mode mode = Mode::kOff;
  std::string dir, key;
  std::string path;     // the file ExecuTorch gets (kHit, kWrite)
  std::string note;     // why kOff, or what was cleaned up (for the log)
  bool hashed = false;  // kHit: the file was hashed now (it had no record of an earlier check)
};

/// Decides how a load of the program `key` uses the folder `dir` (created if missing).
/// `program_bytes`: the size of the program and its data files (the free space a write needs).
Plan prepare(const std::string& dir, const std::string& key, uint64_t program_bytes);

/// After the load: on success a kWrite temp becomes `<key>-<xxh3>.xnnpack` (and old files beyond
/// kKeepFiles are removed); on failure it is deleted. Returns a line for the log ("" for kOff).
std::string finish(const Plan& plan, bool load_ok);

/// XXH3-64 of a file's bytes as 16 lower-case hex digits ("" when it cannot be read).
std::string file_xxh3(const std::string& path);

/// "off", "hit" or "write" (stats and logs).
const char* to_string(Mode mode);

}  // namespace dailydrug::llm::weight_cache
