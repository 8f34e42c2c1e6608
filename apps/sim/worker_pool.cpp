#include "apps/sim/worker_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <vector>

namespace zablab::simcli {
namespace {

bool write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

struct Worker {
  pid_t pid = -1;
  int to_child = -1;    // job numbers, one a line; closed: no more work
  int from_child = -1;  // "i\tresult" lines
  std::string buffer;
  std::optional<std::size_t> busy;
};

// The child: reads job numbers until EOF, answers each with "i\t<line>\n". Never returns.
[[noreturn]] void child_loop(int in, int out, const std::function<std::string(std::size_t)>& work) {
  std::string pending;
  char buf[256];
  while (true) {
    const std::size_t nl = pending.find('\n');
    if (nl != std::string::npos) {
      const std::size_t i = std::stoull(pending.substr(0, nl));
      pending.erase(0, nl + 1);
      std::string line;
      try {
        line = work(i);
      } catch (...) {
        // Never unwind into the parent's code in this copy of the process: the parent sees
        // the worker exit while busy and reports the job as lost.
        ::_exit(4);
      }
      for (char& c : line)
        if (c == '\n') c = ' ';
      if (!write_all(out, std::to_string(i) + "\t" + line + "\n")) ::_exit(3);
      continue;
    }
    const ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
  }
  std::cout.flush();
  std::cerr.flush();
  ::_exit(0);
}

class Pool {
 public:
  Pool(const std::function<std::string(std::size_t)>& work) : work_(work) {}
  ~Pool() {
    for (auto& w : workers_) close_worker(w, true);
  }

  void spawn() {
    int req[2];
    int res[2];
    if (::pipe(req) != 0) throw std::runtime_error(std::string("fuzz --jobs: pipe: ") + std::strerror(errno));
    if (::pipe(res) != 0) {
      ::close(req[0]);
      ::close(req[1]);
      throw std::runtime_error(std::string("fuzz --jobs: pipe: ") + std::strerror(errno));
    }
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fuzz --jobs: fork: ") + std::strerror(errno));
    if (pid == 0) {
      // Only this worker's ends stay open, or a sibling would never see EOF.
      for (const auto& w : workers_) {
        if (w.to_child >= 0) ::close(w.to_child);
        if (w.from_child >= 0) ::close(w.from_child);
      }
      ::close(req[1]);
      ::close(res[0]);
      child_loop(req[0], res[1], work_);
    }
    ::close(req[0]);
    ::close(res[1]);
    Worker w;
    w.pid = pid;
    w.to_child = req[1];
    w.from_child = res[0];
    workers_.push_back(std::move(w));
  }

  std::vector<Worker>& workers() { return workers_; }

  // Stops feeding the worker; with `reap`, waits for it too.
  static void close_worker(Worker& w, bool reap) {
    if (w.to_child >= 0) {
      ::close(w.to_child);
      w.to_child = -1;
    }
    if (reap) {
      if (w.from_child >= 0) {
        ::close(w.from_child);
        w.from_child = -1;
      }
      if (w.pid > 0) {
        int status = 0;
        while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
        }
        w.pid = -1;
      }
    }
  }

 private:
  const std::function<std::string(std::size_t)>& work_;
  std::vector<Worker> workers_;
};

std::string exit_text(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "stopped";
}

}  // namespace

void run_jobs(std::size_t n, int jobs, const std::function<std::string(std::size_t)>& work,
              const std::function<bool(std::size_t)>& start,
              const std::function<void(std::size_t, const JobResult&)>& done) {
  if (jobs <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n && start(i); ++i) done(i, JobResult{true, work(i), {}});
    return;
  }
  // A worker that dies would make writing to its pipe raise SIGPIPE: see the EOF instead.
  struct sigaction ignore {};
  struct sigaction old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);

  Pool pool(work);
  std::size_t next = 0;
  bool stopped = false;
  auto feed = [&](Worker& w) {
    if (!stopped && next < n && start(next)) {
      w.busy = next;
      if (write_all(w.to_child, std::to_string(next) + "\n")) {
        ++next;
        return;
      }
      w.busy.reset();  // it died: its EOF will tell
      return;
    }
    stopped = true;
    Pool::close_worker(w, false);
  };
  const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(jobs), n);
  for (std::size_t k = 0; k < count; ++k) pool.spawn();
  for (auto& w : pool.workers()) feed(w);

  while (true) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t k = 0; k < pool.workers().size(); ++k) {
      const Worker& w = pool.workers()[k];
      if (w.from_child < 0) continue;
      fds.push_back(pollfd{w.from_child, POLLIN, 0});
      which.push_back(k);
    }
    if (fds.empty()) break;
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("fuzz --jobs: poll: ") + std::strerror(errno));
    }
    for (std::size_t f = 0; f < fds.size(); ++f) {
      if (fds[f].revents == 0) continue;
      Worker& w = pool.workers()[which[f]];
      char buf[65536];
      const ssize_t got = ::read(w.from_child, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) {
        w.buffer.append(buf, static_cast<std::size_t>(got));
        std::size_t nl;
        while ((nl = w.buffer.find('\n')) != std::string::npos) {
          const std::string line = w.buffer.substr(0, nl);
          w.buffer.erase(0, nl + 1);
          const std::size_t tab = line.find('\t');
          const std::size_t i = std::stoull(line.substr(0, tab));
          w.busy.reset();
          done(i, JobResult{true, tab == std::string::npos ? std::string() : line.substr(tab + 1), {}});
          feed(w);
        }
        continue;
      }
      // EOF: the worker is gone, normally (no more work) or not.
      ::close(w.from_child);
      w.from_child = -1;
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      w.pid = -1;
      if (w.to_child >= 0) {
        ::close(w.to_child);
        w.to_child = -1;
      }
      if (w.busy) {
        const std::size_t i = *w.busy;
        w.busy.reset();
        done(i, JobResult{false, {}, "the worker running it " + exit_text(status)});
      }
      // A worker only ends normally once fed no more; if there is more to do, replace it.
      if (!stopped && next < n) {
        pool.spawn();
        feed(pool.workers().back());
      }
    }
  }
  ::sigaction(SIGPIPE, &old, nullptr);
}

}  // namespace zablab::simcli
