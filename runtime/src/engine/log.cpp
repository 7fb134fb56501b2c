#include "dailydrug/llm/log.h"

#include <memory>
#include <mutex>

namespace dailydrug::llm {
namespace {
std::mutex g_mutex;
std::shared_ptr<const LogSink> g_sink;  // replaced wholesale, so readers copy the pointer only
}  // namespace

void set_log_sink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_sink = sink ? std::make_shared<const LogSink>(std::move(sink)) : nullptr;
}

void log_message(LogLevel level, std::string_view message) {
  std::shared_ptr<const LogSink> sink;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    sink = g_sink;
  }
  if (sink) (*sink)(level, message);
}

}  // namespace dailydrug::llm
