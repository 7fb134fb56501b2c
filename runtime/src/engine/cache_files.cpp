#include "cache_files.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

namespace dailydrug::llm::cache_files {

namespace fs = std::filesystem;

std::string temp_path(const std::string& dir, const std::string& stem) {
  return (fs::path(dir) / (stem + ".tmp-" + std::to_string(getpid()))).string();
}

bool is_stale_temp(const std::string& name) {
  const auto at = name.rfind(".tmp-");
  if (at == std::string::npos) return false;
  const std::string digits = name.substr(at + 5);
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const pid_t pid = static_cast<pid_t>(std::stol(digits));
  return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH;
}

int keep_newest(const std::string& dir, const std::string& suffix, size_t keep) {
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().ends_with(suffix) && e.is_regular_file(ec)) {
      files.emplace_back(e.last_write_time(ec), e.path());
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  int removed = 0;
  for (size_t i = keep; i < files.size(); ++i) removed += fs::remove(files[i].second, ec);
  return removed;
}

}  // namespace dailydrug::llm::cache_files
