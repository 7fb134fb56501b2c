// One replaceable log sink for the whole library, including ExecuTorch's own runtime messages.
// The library never writes to stdout/stderr itself: with no sink installed, logs are dropped.
#pragma once

#include <functional>
#include <string_view>

namespace dailydrug::llm {

enum class LogLevel { kDebug, kInfo, kError, kFatal };

/// Called from any thread; must be thread-safe and must not call back into the library.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

/// Install (or, with an empty function, remove) the process-wide sink. Thread-safe.
void set_log_sink(LogSink sink);

/// Send one message to the sink (no-op without one).
void log_message(LogLevel level, std::string_view message);

}  // namespace dailydrug::llm
