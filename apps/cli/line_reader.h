// Where zablab-cli's commands come from, and how its output reaches the terminal.
//
// Output is one mutex-guarded writer for stdout and stderr (each line flushed), shared by the
// main thread (command output) and the client's io thread (watch events), so lines never mix.
//
// LineReader: with GNU readline (built with ZABLAB_CLI_READLINE, when libreadline-dev is
// installed) interactive input has line editing and history, and events that arrive while the user
// types are printed above the prompt, which is then redrawn. Without it, or when stdin is not a
// terminal, lines are read plainly.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace zablab::cli {

class Output {
 public:
  // Writes text (add the '\n' yourself) and flushes.
  void out(std::string_view text);
  void err(std::string_view text);
  // Events from the io thread: printed at once, or handed to the interactive reader.
  void async_out(std::string_view text);

  // Set while an interactive reader waits for input; it then prints async text itself.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void print_async(std::string_view text) = 0;
  };
  void set_sink(Sink* sink);

 private:
  void write_locked(int fd, std::string_view text);
  std::mutex mu_;
  Sink* sink_ = nullptr;
};

class LineReader {
 public:
  virtual ~LineReader() = default;
  // The next line without its newline; nullopt at end of input.
  virtual std::optional<std::string> read_line(const std::string& prompt) = 0;
  virtual void add_history(const std::string& line) { (void)line; }
  // "readline" or "none".
  virtual std::string_view editing() const = 0;
};

// interactive: stdin is a terminal (prompts are shown; readline is used when built in).
std::unique_ptr<LineReader> make_line_reader(Output& output, bool interactive);

}  // namespace zablab::cli
