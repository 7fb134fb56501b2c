// Files in a cache folder that several processes may share (internal header): each file is
// written under a temporary name and renamed into place when complete, so a reader never sees a
// half-written file, and the folder keeps only the most recently used files of a kind. Used by
// the packed-weight cache (weight_cache.h) and the prefix snapshots (prefix_snapshot.h).
#pragma once

#include <cstddef>
#include <string>

namespace dailydrug::llm::cache_files {

/// "<dir>/<stem>.tmp-<pid>": where this process writes a file before renaming it into place.
std::string temp_path(const std::string& dir, const std::string& stem);

/// Whether `name` is a temp file ("<anything>.tmp-<pid>") whose writer is gone (no such process).
bool is_stale_temp(const std::string& name);

/// Keeps the `keep` most recently written regular files of `dir` whose names end in `suffix`;
/// returns how many were removed.
int keep_newest(const std::string& dir, const std::string& suffix, size_t keep);

}  // namespace dailydrug::llm::cache_files
