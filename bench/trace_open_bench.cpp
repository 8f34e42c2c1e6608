// How long zablab-viz takes to open a recorded trace and index it, without a window: the time to
// the first chunk (what the first frame waits for) and to the last record (when every moment can
// be scrubbed), with the process's peak memory. bench/RESULTS.md, visualizer section.
//
//   zablab-trace-open-bench big.db [--repeat N]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gui/model/source.h"
#include "gui/model/timeline.h"
#include "sim/record/trace_db.h"

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: zablab-trace-open-bench TRACE [--repeat N]\n");
    return 64;
  }
  const std::string path = argv[1];
  int repeat = 1;
  if (argc >= 4 && std::strcmp(argv[2], "--repeat") == 0) repeat = std::max(1, std::atoi(argv[3]));
  for (int run = 0; run < repeat; ++run) {
    {  // Reading alone (SQLite rows into records), for comparison.
      const double start = now();
      zablab::sim::record::EventReader reader(path);
      std::vector<zablab::sim::TraceRecord> batch;
      std::size_t n = 0;
      while (!reader.done()) {
        batch.clear();
        n += reader.read(100000, batch);
      }
      std::printf("%s: reading %zu rows alone %.3f s\n", path.c_str(), n, now() - start);
    }
    const double start = now();
    std::string error;
    auto source = zablab::gui::ReplaySource::open(path, error);
    if (!source) {
      std::fprintf(stderr, "zablab-trace-open-bench: %s\n", error.c_str());
      return 1;
    }
    const double opened = now();
    zablab::gui::Timeline timeline;
    source->pull(timeline);
    const double first = now();
    while (source->loading()) source->pull(timeline);
    const double all = now();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("%s: %zu records, %zu messages: opened %.3f s, first chunk indexed %.3f s, every record indexed %.3f s, "
                "peak RSS %.0f MiB\n",
                path.c_str(), timeline.size(), timeline.messages().size(), opened - start, first - start, all - start,
                static_cast<double>(usage.ru_maxrss) / 1024);
  }
  return 0;
}
