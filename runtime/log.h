// Log lines as the real server writes them: one line per message, on stderr,
//   2024-05-01T12:00:00.123Z INFO message
// (UTC wall clock, milliseconds). Only runtime/ and apps/ format lines; core/ calls Env::log().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/env/env.h"

namespace zablab::runtime {

// "DEBUG", "INFO", "WARN", "ERROR".
std::string_view level_name(LogLevel level);

// "debug" | "info" | "warn" | "error" (case-insensitive; "warning" too); nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text);

// "YYYY-mm-ddTHH:MM:SS.mmmZ LEVEL message" (no newline). wall_ms: milliseconds since the epoch.
// The message is passed through util::one_line: control characters escaped, at most
// util::kLogMessageBytes of it kept (core/util/log_text.h).
std::string format_log_line(std::int64_t wall_ms, LogLevel level, std::string_view message);

// Milliseconds since the Unix epoch (system clock).
std::int64_t system_wall_ms();

// Writes `line` plus a newline to stderr in one write(2), so lines of concurrent writers
// (a helper thread, another process sharing the terminal) do not interleave.
void write_stderr_line(std::string_view line);

}  // namespace zablab::runtime
