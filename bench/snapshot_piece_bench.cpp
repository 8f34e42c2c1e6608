// How long the event loop is held by one snapshot piece: the CPU time of each
// persist::SnapshotWriter::next call over a tree like the benchmarks' (N znodes under one parent,
// values of B bytes), for a given piece size. A request that arrives while a piece is serialized
// waits for it, so the largest of these is what a snapshot adds to a request's latency.
//
//   zablab-snapshot-piece-bench [--nodes N] [--value-size B] [--piece BYTES]
//
// CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), so other processes on the machine inflate it
// less than wall time would.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/data/acl.h"
#include "core/data/data_tree.h"
#include "core/data/txn.h"
#include "core/persist/snapshot_writer.h"

using namespace zablab;

namespace {

double thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

long arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::strtol(argv[i + 1], nullptr, 10);
  return fallback;
}

void create(data::DataTree& tree, std::int64_t zxid, const std::string& path, std::string value) {
  data::Txn t;
  t.header = jute::TxnHeader{9, 1, zxid, 100, op::create};
  t.ops = {{op::create, jute::CreateTxn{path, std::move(value), data::open_acl_unsafe(), false,
                                        static_cast<std::int32_t>(zxid)}}};
  tree.apply(t);
}

}  // namespace

int main(int argc, char** argv) {
  const long nodes = arg(argc, argv, "--nodes", 300000);
  const long value_size = arg(argc, argv, "--value-size", 100);
  const auto piece = static_cast<std::size_t>(arg(argc, argv, "--piece", 64 << 10));
  data::DataTree tree;
  create(tree, 1, "/zablab-load", "x");
  char name[64];
  for (long i = 0; i < nodes; ++i) {
    std::snprintf(name, sizeof name, "/zablab-load/c-%010ld", i);
    create(tree, i + 2, name, std::string(static_cast<std::size_t>(value_size), 'v'));
  }
  persist::SnapshotWriter writer(tree, persist::SnapshotWriter::Form::file, true);
  std::vector<double> cpu_us;
  std::size_t bytes = 0;
  while (!writer.done()) {
    std::string out;
    const double t0 = thread_cpu_us();
    writer.next(out, piece);
    cpu_us.push_back(thread_cpu_us() - t0);
    bytes += out.size();
  }
  std::sort(cpu_us.begin(), cpu_us.end());
  double total = 0;
  for (double u : cpu_us) total += u;
  std::printf("{\"nodes\":%ld,\"value_size\":%ld,\"piece\":%zu,\"pieces\":%zu,\"bytes\":%zu,"
              "\"piece_cpu_us_p50\":%.0f,\"piece_cpu_us_p99\":%.0f,\"piece_cpu_us_max\":%.0f,\"total_cpu_ms\":%.0f}\n",
              nodes, value_size, piece, cpu_us.size(), bytes, cpu_us[cpu_us.size() / 2],
              cpu_us[cpu_us.size() * 99 / 100], cpu_us.back(), total / 1000);
}
