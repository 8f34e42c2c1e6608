// Text that came from a client or a peer, made safe to put in a log line.
//
// A log line is one line: a client that can put a newline in it can forge the lines after it
// ("... authenticated as super"), one that can put 500 KB in it floods the log. So everything a
// client or peer chose (an auth scheme, a path, a decode error quoting its bytes) goes through
// loggable() before it is logged, and the runtime's log sink passes every whole message through
// one_line() as a last line of defence. Both are pure functions (no locale, no allocation beyond
// the result), usable from core/.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zablab::util {

// The most bytes of one client-chosen field that reach a log line.
inline constexpr std::size_t kLoggableBytes = 256;
// The most bytes of one whole log message (a debug trace line of a 1 MB create, say): with the
// timestamp and level, a line stays under 4 KiB.
inline constexpr std::size_t kLogMessageBytes = 4000;

// Escapes control characters (\n, \r, \t as such, others as \xNN), DEL, backslash, C1 controls,
// U+2028/U+2029 and bytes that are not well-formed UTF-8 (\xNN); keeps printable ASCII and
// well-formed UTF-8. Longer than max_bytes: the first max_bytes bytes, escaped, then
// "...(N bytes)" with N the whole length.
std::string loggable(std::string_view untrusted, std::size_t max_bytes = kLoggableBytes);

// For a whole message the server composed: control characters (and DEL) escaped as \xNN, so it
// stays one line, everything else kept (backslashes, UTF-8); bounded like loggable().
std::string one_line(std::string_view message, std::size_t max_bytes = kLogMessageBytes);

}  // namespace zablab::util
