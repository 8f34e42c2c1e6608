#include "apps/cli/line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#ifdef ZABLAB_CLI_READLINE
#include <fcntl.h>
#include <poll.h>

#include <cstdio>
// readline.h needs stdio.h first.
#include <readline/history.h>
#include <readline/readline.h>
#endif

namespace zablab::cli {

// ------------------------------------------------------------------------------------ Output

void Output::write_locked(int fd, std::string_view text) {
  const char* p = text.data();
  std::size_t left = text.size();
  for (int guard = 0; guard < 10000 && left > 0; ++guard) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the reader went away: nothing useful to do
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void Output::out(std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  write_locked(1, text);
}

void Output::err(std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  write_locked(2, text);
}

void Output::async_out(std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sink_) {
    sink_->print_async(text);
  } else {
    write_locked(1, text);
  }
}

void Output::set_sink(Sink* sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = sink;
}

// ------------------------------------------------------------------------------------ plain

namespace {

class PlainReader final : public LineReader {
 public:
  PlainReader(Output& output, bool interactive) : output_(output), interactive_(interactive) {}
  std::optional<std::string> read_line(const std::string& prompt) override {
    if (interactive_) output_.out(prompt);
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  std::string_view editing() const override { return "none"; }

 private:
  Output& output_;
  bool interactive_;
};

#ifdef ZABLAB_CLI_READLINE

// GNU readline through its callback interface: the main thread polls stdin and a wake-up pipe,
// so text from the io thread is printed above the line being edited, never into it.
class ReadlineReader final : public LineReader, public Output::Sink {
 public:
  explicit ReadlineReader(Output& output) : output_(output) {
    if (::pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
    for (int fd : wake_)
      if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    rl_readline_name = "zablab-cli";
  }
  ~ReadlineReader() override {
    for (int fd : wake_)
      if (fd >= 0) ::close(fd);
  }

  std::optional<std::string> read_line(const std::string& prompt) override {
    self_ = this;
    done_ = false;
    eof_ = false;
    line_.clear();
    rl_callback_handler_install(prompt.c_str(), &ReadlineReader::on_line);
    installed_ = true;
    output_.set_sink(this);
    flush_pending();
    for (;;) {
      pollfd fds[2] = {{0, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      const int n = ::poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        eof_ = true;
        break;
      }
      if (wake_[0] >= 0 && (fds[1].revents & POLLIN)) {
        char buf[64];
        while (::read(wake_[0], buf, sizeof buf) > 0) {
        }
        flush_pending();
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        rl_callback_read_char();
        if (done_) break;
      }
    }
    if (installed_) rl_callback_handler_remove();
    installed_ = false;
    output_.set_sink(nullptr);
    flush_pending();
    if (eof_) return std::nullopt;
    return line_;
  }

  void add_history(const std::string& line) override {
    if (!line.empty()) ::add_history(line.c_str());
  }
  std::string_view editing() const override { return "readline"; }

  // From the io thread, under the Output lock: queue and wake the main thread.
  void print_async(std::string_view text) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.append(text);
    }
    if (wake_[1] >= 0) {
      const ssize_t ignored = ::write(wake_[1], "x", 1);
      (void)ignored;
    }
  }

 private:
  static void on_line(char* line) {
    ReadlineReader* self = self_;
    if (line == nullptr) {
      self->eof_ = true;
      std::fputs("\n", rl_outstream ? rl_outstream : stdout);
    } else {
      self->line_ = line;
      std::free(line);
    }
    self->done_ = true;
    rl_callback_handler_remove();  // no new prompt until the command ran
    self->installed_ = false;
  }

  void flush_pending() {
    std::string text;
    {
      std::lock_guard<std::mutex> lock(mu_);
      text.swap(pending_);
    }
    if (text.empty()) return;
    if (installed_) {
      rl_clear_visible_line();
      std::fflush(rl_outstream ? rl_outstream : stdout);
    }
    const char* p = text.data();
    std::size_t left = text.size();
    for (int guard = 0; guard < 10000 && left > 0; ++guard) {
      const ssize_t n = ::write(1, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    if (installed_) {
      rl_on_new_line();
      rl_redisplay();
    }
  }

  static inline ReadlineReader* self_ = nullptr;
  Output& output_;
  int wake_[2] = {-1, -1};
  std::mutex mu_;
  std::string pending_;
  std::string line_;
  bool done_ = false;
  bool eof_ = false;
  bool installed_ = false;
};

#endif  // ZABLAB_CLI_READLINE

}  // namespace

std::unique_ptr<LineReader> make_line_reader(Output& output, bool interactive) {
#ifdef ZABLAB_CLI_READLINE
  if (interactive) return std::make_unique<ReadlineReader>(output);
#endif
  return std::make_unique<PlainReader>(output, interactive);
}

}  // namespace zablab::cli
