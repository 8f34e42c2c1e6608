// Running independent jobs on J forked worker processes (zablab-sim fuzz --jobs J).
//
// Why processes and not threads: the simulator and the core are single-threaded by design (no
// locks, and nothing promises that a static cache somewhere is thread-safe); a forked child runs
// a seed exactly as the parent would, and a seed that crashes the simulator only loses its
// worker. Each job's result is one line of text sent back through a pipe; the parent hands out
// job numbers one at a time, so a fast worker takes more, and can stop handing them out (fuzz
// stops at the first failure) while the jobs already running finish.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace zablab::simcli {

struct JobResult {
  bool ok = true;    // false: the worker died while running it (why says how)
  std::string line;  // what `work` returned
  std::string why;
};

// Runs work(i) for i = 0, 1, ... n-1 while start(i) says so (asked just before job i is handed
// out; once it says false no later job starts). With jobs <= 1 everything runs in this process,
// in order. `work` must return one line (no '\n'). done(i, result) is called in this process as
// results arrive, in any order when jobs > 1.
void run_jobs(std::size_t n, int jobs, const std::function<std::string(std::size_t)>& work,
              const std::function<bool(std::size_t)>& start,
              const std::function<void(std::size_t, const JobResult&)>& done);

}  // namespace zablab::simcli
