// zablab-load: a closed-loop load generator for any ZooKeeper-protocol server.
//
// It drives the server through Apache's multi-threaded C client (libzookeeper-mt, async API:
// zoo_aget, zoo_aset, zoo_acreate, zoo_aexists), so it treats zablab-server and Apache ZooKeeper
// exactly alike. N sessions each keep K requests in flight; every reply immediately sends the next
// request. Latency is measured from the zoo_a*() call to its completion callback on the steady
// (monotonic) clock. One run prints one line of JSON on stdout and one human-readable line on
// stderr.
//
//   zablab-load --server 127.0.0.1:2181 --op get --sessions 4 --inflight 32 --duration 5
//   zablab-load --server 127.0.0.1:2181 --op set --latency          # one at a time: round trips
//   zablab-load --server h1:p1,h2:p2,h3:p3 --op set --sessions 3 --inflight 1 --duration 30
//       (kill -USR1 <pid> marks a moment, e.g. a leader kill; the JSON then reports when the first
//        request sent after the mark succeeded)
//
// Everything is bounded: connecting (--connect-timeout), the run (--warmup + --duration), the
// drain of in-flight requests (--drain-timeout) and closing; a watchdog thread prints what it has
// and exits with code 3 if the run overstays all of those by 10 s (e.g. a client call blocked on a
// dead server). Exit codes: 0 ok; 1 could not connect or set up; 2 bad command line; 3 watchdog.
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, like Python's time.monotonic()

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// ----- latency histogram ------------------------------------------------------------------------
// Log-linear (HDR-like): exact below 128 ns, then 64 linear sub-buckets per power of two (< 1.6 %
// relative error). Fixed size, so memory is bounded however long the run.
class Histogram {
 public:
  static constexpr int kBuckets = 128 + 64 * 57;

  void record(std::uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    sum_ += v;
    max_ = std::max(max_, v);
  }
  void merge(const Histogram& o) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
  }
  std::uint64_t total() const { return total_; }
  double mean() const { return total_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(total_); }
  std::uint64_t max() const { return max_; }
  // The value at quantile q (0..1): the middle of the bucket holding the ceil(q*total)-th sample.
  double quantile(double q) const {
    if (total_ == 0) return 0.0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.999999);
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(middle(i), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
  }

 private:
  static int index(std::uint64_t v) {
    if (v < 128) return static_cast<int>(v);
    const int k = 63 - std::countl_zero(v);  // v in [2^k, 2^(k+1)), k >= 7
    const int shift = k - 6;
    const int idx = 128 + (k - 7) * 64 + static_cast<int>((v >> shift) - 64);
    return std::min(idx, kBuckets - 1);
  }
  static double middle(int i) {
    if (i < 128) return i;
    const int k = (i - 128) / 64 + 7;
    const int shift = k - 6;
    const std::uint64_t sub = static_cast<std::uint64_t>((i - 128) % 64 + 64);
    const double lo = static_cast<double>(sub << shift);
    return lo + static_cast<double>((std::uint64_t{1} << shift)) / 2.0;
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

// ----- options ----------------------------------------------------------------------------------
enum class Op { get, set, create, exists, mixed };

struct Options {
  std::string server = "127.0.0.1:2181";
  Op op = Op::get;
  std::string op_name = "get";
  double read_ratio = 0.9;  // mixed only
  int sessions = 4;
  int inflight = 16;
  double duration_s = 5.0;
  double warmup_s = 1.0;
  int value_size = 100;
  int keys = 64;
  std::string root = "/zablab-load";
  int session_timeout_ms = 10000;
  double connect_timeout_s = 15.0;
  double drain_timeout_s = 5.0;
  double stop_after_recovery_s = -1;  // < 0: run the whole --duration
  std::uint64_t total_ops = 0;        // > 0: end once this many requests succeeded (warm-up included)
  bool setup = true;
  std::string label;
  int client_log = 1;  // ZOO_LOG_LEVEL_ERROR; 0 = silent
};

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: zablab-load [options]\n"
               "  --server HOSTS        connection string, host:port[,host:port...] (127.0.0.1:2181)\n"
               "  --op OP               get | set | create | exists | mixed (get)\n"
               "  --read-ratio R        mixed: fraction of gets, the rest are sets (0.9)\n"
               "  --sessions N          client sessions, each with its own connection (4)\n"
               "  --inflight K          requests in flight per session (16)\n"
               "  --latency             one request at a time on one session (= --sessions 1 --inflight 1)\n"
               "  --duration S          measured seconds (5)\n"
               "  --warmup S            unmeasured seconds before that (1)\n"
               "  --value-size B        bytes written by set/create and stored in the keys (100)\n"
               "  --keys M              znodes read/written by get/set/exists (64)\n"
               "  --root PATH           parent znode of everything this tool makes (/zablab-load)\n"
               "  --no-setup            do not create the root and keys (they must exist)\n"
               "  --session-timeout MS  requested session timeout (10000)\n"
               "  --connect-timeout S   give up if a session is not connected by then (15)\n"
               "  --drain-timeout S     wait at most this long for in-flight replies at the end (5)\n"
               "  --total-ops N         end once N requests succeeded, warm-up included (at most N + the\n"
               "                        requests in flight), or at the end of --duration, whichever is first\n"
               "  --stop-after-recovery S  after a USR1 mark, end the run S seconds after the first success\n"
               "                        of a request sent after the mark (default: run the whole duration)\n"
               "  --label TEXT          copied into the JSON\n"
               "  --client-log LEVEL    C client log level: none, error, warn, info, debug (error)\n"
               "kill -USR1 marks a moment; the JSON then has the first success of a request sent after it.\n");
  std::exit(code);
}

double parse_double(const char* flag, const char* v, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(v, &end);
  if (errno != 0 || end == v || *end != '\0' || !(d >= lo && d <= hi)) {
    std::fprintf(stderr, "zablab-load: %s wants a number in [%g, %g], got '%s'\n", flag, lo, hi, v);
    usage(2);
  }
  return d;
}

int parse_int(const char* flag, const char* v, long lo, long hi) {
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
    std::fprintf(stderr, "zablab-load: %s wants an integer in [%ld, %ld], got '%s'\n", flag, lo, hi, v);
    usage(2);
  }
  return static_cast<int>(n);
}

Options parse_options(int argc, char** argv) {
  Options o;
  bool latency = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "zablab-load: %s needs a value\n", argv[i]);
        usage(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      usage(0);
    } else if (a == "--server") {
      o.server = value();
    } else if (a == "--op") {
      o.op_name = value();
      static const std::map<std::string, Op> ops{
          {"get", Op::get}, {"set", Op::set}, {"create", Op::create}, {"exists", Op::exists}, {"mixed", Op::mixed}};
      const auto it = ops.find(o.op_name);
      if (it == ops.end()) {
        std::fprintf(stderr, "zablab-load: unknown --op '%s'\n", o.op_name.c_str());
        usage(2);
      }
      o.op = it->second;
    } else if (a == "--read-ratio") {
      o.read_ratio = parse_double("--read-ratio", value(), 0.0, 1.0);
    } else if (a == "--sessions") {
      o.sessions = parse_int("--sessions", value(), 1, 256);
    } else if (a == "--inflight") {
      o.inflight = parse_int("--inflight", value(), 1, 4096);
    } else if (a == "--latency") {
      latency = true;
    } else if (a == "--duration") {
      o.duration_s = parse_double("--duration", value(), 0.01, 3600.0);
    } else if (a == "--warmup") {
      o.warmup_s = parse_double("--warmup", value(), 0.0, 600.0);
    } else if (a == "--value-size") {
      o.value_size = parse_int("--value-size", value(), 0, 1 << 20);
    } else if (a == "--keys") {
      o.keys = parse_int("--keys", value(), 1, 100000);
    } else if (a == "--root") {
      o.root = value();
      if (o.root.size() < 2 || o.root.front() != '/' || o.root.back() == '/') {
        std::fprintf(stderr, "zablab-load: --root must be an absolute path other than /\n");
        usage(2);
      }
    } else if (a == "--no-setup") {
      o.setup = false;
    } else if (a == "--session-timeout") {
      o.session_timeout_ms = parse_int("--session-timeout", value(), 100, 600000);
    } else if (a == "--connect-timeout") {
      o.connect_timeout_s = parse_double("--connect-timeout", value(), 0.1, 600.0);
    } else if (a == "--drain-timeout") {
      o.drain_timeout_s = parse_double("--drain-timeout", value(), 0.0, 600.0);
    } else if (a == "--total-ops") {
      o.total_ops = static_cast<std::uint64_t>(parse_int("--total-ops", value(), 1, 2000000000));
    } else if (a == "--stop-after-recovery") {
      o.stop_after_recovery_s = parse_double("--stop-after-recovery", value(), 0.0, 3600.0);
    } else if (a == "--label") {
      o.label = value();
    } else if (a == "--client-log") {
      static const std::map<std::string, int> levels{
          {"none", 0}, {"error", 1}, {"warn", 2}, {"info", 3}, {"debug", 4}};
      const auto it = levels.find(value());
      if (it == levels.end()) usage(2);
      o.client_log = it->second;
    } else {
      std::fprintf(stderr, "zablab-load: unknown argument '%s'\n", argv[i]);
      usage(2);
    }
  }
  if (latency) o.sessions = o.inflight = 1;
  return o;
}

// ----- run state --------------------------------------------------------------------------------
enum Phase : int { kWarmup = 0, kMeasure = 1, kStopping = 2 };

std::atomic<int> g_phase{kWarmup};
std::atomic<std::int64_t> g_mark_ns{0};                  // set by SIGUSR1
std::atomic<std::int64_t> g_first_ok_after_mark_ns{0};   // first success sent after the mark
std::atomic<std::int64_t> g_last_ok_before_mark_ns{0};   // last success completed before the mark
std::atomic<bool> g_done{false};
std::atomic<std::uint64_t> g_ok_all{0};   // successes of the whole run, all sessions
std::atomic<bool> g_cap_reached{false};   // --total-ops reached: send nothing more

void on_usr1(int) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe
  std::int64_t expected = 0;
  g_mark_ns.compare_exchange_strong(expected, static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
}

enum Kind { kRead = 0, kWrite = 1 };

struct Session;

struct Slot {  // one request in flight; owned by whoever issues or completes it
  Session* session = nullptr;
  std::int64_t sent_ns = 0;
  Kind kind = kRead;
  std::uint64_t rng = 0;
  char path[256] = {};
};

constexpr int kMaxErr = 160;

struct Session {
  int id = 0;
  const Options* opt = nullptr;
  const std::vector<char>* value = nullptr;
  std::string seq_prefix;
  std::atomic<zhandle_t*> zh{nullptr};
  std::vector<std::unique_ptr<Slot>> slots;

  std::mutex mu;  // guards free_slots and the histograms
  std::vector<Slot*> free_slots;
  Histogram hist[2];
  std::atomic<int> in_flight{0};
  std::atomic<std::uint64_t> ok[2] = {0, 0};         // in the measured window
  std::atomic<std::uint64_t> ok_total{0};
  std::array<std::atomic<std::uint64_t>, kMaxErr> err{};  // by -rc, whole run
  std::atomic<std::uint64_t> reconnects{0};
};

std::uint64_t next_rand(std::uint64_t& s) {  // xorshift64*
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return s * 2685821657736338717ULL;
}

void issue(Slot* slot);

void finish(Slot* slot, int rc) {
  Session& s = *slot->session;
  const std::int64_t t = now_ns();
  const int phase = g_phase.load(std::memory_order_relaxed);
  if (rc == ZOK) {
    s.ok_total.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t cap = s.opt->total_ops;
    if (cap != 0 && g_ok_all.fetch_add(1, std::memory_order_relaxed) + 1 >= cap) g_cap_reached.store(true);
    if (phase == kMeasure) {
      s.ok[slot->kind].fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(s.mu);
      s.hist[slot->kind].record(static_cast<std::uint64_t>(t - slot->sent_ns));
    }
    const std::int64_t mark = g_mark_ns.load(std::memory_order_relaxed);
    if (mark != 0 && slot->sent_ns >= mark) {
      std::int64_t expected = 0;
      g_first_ok_after_mark_ns.compare_exchange_strong(expected, t);
    } else if (mark == 0 || t < mark) {
      std::int64_t prev = g_last_ok_before_mark_ns.load(std::memory_order_relaxed);
      while (prev < t && !g_last_ok_before_mark_ns.compare_exchange_weak(prev, t)) {
      }
    }
    if (phase != kStopping && !g_cap_reached.load(std::memory_order_relaxed)) {
      issue(slot);  // keep the slot: the next request goes out at once
      return;
    }
  } else {
    s.err[std::min(-rc, kMaxErr - 1)].fetch_add(1, std::memory_order_relaxed);
  }
  // Failed or stopping: give the slot back; the main loop refills when the session is connected.
  s.in_flight.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard lock(s.mu);
  s.free_slots.push_back(slot);
}

void on_data(int rc, const char*, int, const Stat*, const void* data) {
  finish(static_cast<Slot*>(const_cast<void*>(data)), rc);
}
void on_stat(int rc, const Stat*, const void* data) { finish(static_cast<Slot*>(const_cast<void*>(data)), rc); }
void on_string(int rc, const char*, const void* data) { finish(static_cast<Slot*>(const_cast<void*>(data)), rc); }

// Sends the next request of this slot. On an immediate failure (no callback will come) the slot
// goes back to the free list.
void issue(Slot* slot) {
  Session& s = *slot->session;
  const Options& o = *s.opt;
  zhandle_t* zh = s.zh.load();
  Op op = o.op;
  if (op == Op::mixed) {
    const double r = static_cast<double>(next_rand(slot->rng) >> 11) * 0x1.0p-53;
    op = r < o.read_ratio ? Op::get : Op::set;
  }
  if (op != Op::create) {
    const auto key = next_rand(slot->rng) % static_cast<std::uint64_t>(o.keys);
    std::snprintf(slot->path, sizeof slot->path, "%s/k%llu", o.root.c_str(), static_cast<unsigned long long>(key));
  }
  const char* val = s.value->data();
  const int len = static_cast<int>(s.value->size());
  slot->sent_ns = now_ns();
  int rc = ZOK;
  switch (op) {
    case Op::get:
      slot->kind = kRead;
      rc = zoo_aget(zh, slot->path, 0, on_data, slot);
      break;
    case Op::exists:
      slot->kind = kRead;
      rc = zoo_aexists(zh, slot->path, 0, on_stat, slot);
      break;
    case Op::set:
      slot->kind = kWrite;
      rc = zoo_aset(zh, slot->path, val, len, -1, on_stat, slot);
      break;
    case Op::create:
      slot->kind = kWrite;
      rc = zoo_acreate(zh, s.seq_prefix.c_str(), val, len, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL,
                       on_string, slot);
      break;
    case Op::mixed:
      break;
  }
  if (rc != ZOK) {
    s.err[std::min(-rc, kMaxErr - 1)].fetch_add(1, std::memory_order_relaxed);
    s.in_flight.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(s.mu);
    s.free_slots.push_back(slot);
  }
}

// Tops a connected session up to K requests in flight.
void refill(Session& s) {
  if (g_phase.load() == kStopping || g_cap_reached.load()) return;
  zhandle_t* zh = s.zh.load();
  if (zh == nullptr || zoo_state(zh) != ZOO_CONNECTED_STATE) return;
  for (;;) {
    Slot* slot = nullptr;
    {
      std::lock_guard lock(s.mu);
      if (s.free_slots.empty()) return;
      slot = s.free_slots.back();
      s.free_slots.pop_back();
    }
    s.in_flight.fetch_add(1, std::memory_order_relaxed);
    issue(slot);
  }
}

void watcher(zhandle_t*, int, int, const char*, void*) {}

zhandle_t* open_handle(const Options& o) {
  zhandle_t* zh = zookeeper_init(o.server.c_str(), watcher, o.session_timeout_ms, nullptr, nullptr, 0);
  // By default the client re-resolves the host list (getaddrinfo: a netlink socket, /etc/hosts,
  // ...) every time its I/O thread polls, which made this tool burn more CPU than the server it
  // measures. -1: resolve only when connecting after a connection loss.
  if (zh != nullptr) zoo_set_servers_resolution_delay(zh, -1);
  return zh;
}

bool wait_connected(zhandle_t* zh, std::int64_t deadline_ns) {
  while (now_ns() < deadline_ns) {
    const int st = zoo_state(zh);
    if (st == ZOO_CONNECTED_STATE) return true;
    if (st == ZOO_EXPIRED_SESSION_STATE || st == ZOO_AUTH_FAILED_STATE) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// Creates the root, the keys and the parent of sequential nodes (existing ones are fine).
bool setup_tree(zhandle_t* zh, const Options& o, const std::vector<char>& value) {
  auto create = [&](const std::string& path, const char* data, int len) {
    const int rc = zoo_create(zh, path.c_str(), data, len, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) {
      std::fprintf(stderr, "zablab-load: create %s: %s\n", path.c_str(), zerror(rc));
      return false;
    }
    return true;
  };
  if (!create(o.root, nullptr, -1) || !create(o.root + "/seq", nullptr, -1)) return false;
  for (int i = 0; i < o.keys; ++i) {
    if (!create(o.root + "/k" + std::to_string(i), value.data(), static_cast<int>(value.size()))) return false;
  }
  return true;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string lat_json(const Histogram& h) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "{\"count\":%llu,\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,"
                "\"p999_us\":%.1f,\"max_us\":%.1f}",
                static_cast<unsigned long long>(h.total()), h.mean() / 1e3, h.quantile(0.5) / 1e3,
                h.quantile(0.9) / 1e3, h.quantile(0.99) / 1e3, h.quantile(0.999) / 1e3,
                static_cast<double>(h.max()) / 1e3);
  return buf;
}

std::string fmt_us(double ns) {
  char buf[32];
  if (ns < 1e6) {
    std::snprintf(buf, sizeof buf, "%.0fus", ns / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fms", ns / 1e6);
  }
  return buf;
}

struct Report {
  std::string json;
  std::string human;
};

Report make_report(const Options& o, std::vector<std::unique_ptr<Session>>& sessions, double measured_s,
                   double connect_ms, bool complete, const char* note) {
  Histogram all;
  Histogram by_kind[2];
  std::uint64_t ok[2] = {0, 0};
  std::uint64_t ok_total = 0;
  std::uint64_t reconnects = 0;
  std::array<std::uint64_t, kMaxErr> err{};
  for (auto& s : sessions) {
    std::lock_guard lock(s->mu);
    for (int k = 0; k < 2; ++k) {
      by_kind[k].merge(s->hist[k]);
      all.merge(s->hist[k]);
      ok[k] += s->ok[k].load();
    }
    ok_total += s->ok_total.load();
    reconnects += s->reconnects.load();
    for (int e = 0; e < kMaxErr; ++e) err[e] += s->err[e].load();
  }
  const std::uint64_t ops = ok[0] + ok[1];
  const double ops_s = measured_s > 0 ? static_cast<double>(ops) / measured_s : 0.0;
  std::string errors = "{";
  std::uint64_t err_count = 0;
  for (int e = 1; e < kMaxErr; ++e) {
    if (err[e] == 0) continue;
    if (errors.size() > 1) errors += ",";
    errors += "\"" + std::string(zerror(-e)) + "\":" + std::to_string(err[e]);
    err_count += err[e];
  }
  errors += "}";
  char head[1024];
  std::snprintf(head, sizeof head,
                "{\"tool\":\"zablab-load\",\"label\":\"%s\",\"server\":\"%s\",\"op\":\"%s\",\"read_ratio\":%.3f,"
                "\"sessions\":%d,\"inflight\":%d,\"value_size\":%d,\"keys\":%d,\"warmup_s\":%.3f,"
                "\"duration_s\":%.3f,\"total_ops_cap\":%llu,\"complete\":%s,\"connect_ms\":%.1f,\"ops\":%llu,\"reads\":%llu,"
                "\"writes\":%llu,\"ops_per_s\":%.1f,\"ok_total\":%llu,\"errors_total\":%llu,\"reconnects\":%llu,",
                json_escape(o.label).c_str(), json_escape(o.server).c_str(), o.op_name.c_str(),
                o.op == Op::mixed ? o.read_ratio : (o.op == Op::get || o.op == Op::exists ? 1.0 : 0.0),
                o.sessions, o.inflight, o.value_size, o.keys, o.warmup_s, measured_s,
                static_cast<unsigned long long>(o.total_ops), complete ? "true" : "false",
                connect_ms, static_cast<unsigned long long>(ops), static_cast<unsigned long long>(ok[0]),
                static_cast<unsigned long long>(ok[1]), ops_s, static_cast<unsigned long long>(ok_total),
                static_cast<unsigned long long>(err_count), static_cast<unsigned long long>(reconnects));
  std::string json = head;
  json += "\"errors\":" + errors + ",\"latency\":" + lat_json(all);
  if (o.op == Op::mixed) {
    json += ",\"read_latency\":" + lat_json(by_kind[0]) + ",\"write_latency\":" + lat_json(by_kind[1]);
  }
  const std::int64_t mark = g_mark_ns.load();
  if (mark != 0) {
    const std::int64_t first = g_first_ok_after_mark_ns.load();
    const std::int64_t last = g_last_ok_before_mark_ns.load();
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  ",\"mark_mono_s\":%.6f,\"last_ok_before_mark_mono_s\":%.6f,\"first_ok_after_mark_mono_s\":%s,"
                  "\"recovery_ms\":%s",
                  static_cast<double>(mark) / 1e9, static_cast<double>(last) / 1e9,
                  first == 0 ? "null" : std::to_string(static_cast<double>(first) / 1e9).c_str(),
                  first == 0 ? "null" : std::to_string(static_cast<double>(first - mark) / 1e6).c_str());
    json += buf;
  }
  if (note != nullptr) json += ",\"note\":\"" + json_escape(note) + "\"";
  json += "}";

  char human[512];
  std::snprintf(human, sizeof human,
                "zablab-load: %s%s%s %dx%d %.1fs on %s: %.0f ops/s, p50 %s p99 %s p99.9 %s max %s, %llu errors%s",
                o.label.empty() ? "" : o.label.c_str(), o.label.empty() ? "" : " ", o.op_name.c_str(), o.sessions,
                o.inflight, measured_s, o.server.c_str(), ops_s, fmt_us(all.quantile(0.5)).c_str(),
                fmt_us(all.quantile(0.99)).c_str(), fmt_us(all.quantile(0.999)).c_str(),
                fmt_us(static_cast<double>(all.max())).c_str(), static_cast<unsigned long long>(err_count),
                complete ? "" : " (INCOMPLETE)");
  return {json, human};
}

std::mutex g_print_mu;
bool g_printed = false;

void print_report(const Report& r) {
  std::lock_guard lock(g_print_mu);
  if (g_printed) return;
  g_printed = true;
  std::fprintf(stdout, "%s\n", r.json.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", r.human.c_str());
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  zoo_set_debug_level(static_cast<ZooLogLevel>(o.client_log));
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGUSR1, on_usr1);

  const std::vector<char> value(static_cast<std::size_t>(o.value_size), 'x');
  std::vector<std::unique_ptr<Session>> sessions;
  const std::int64_t t_start = now_ns();
  const double setup_budget_s = o.setup ? 30.0 : 0.0;
  const double hard_limit_s =
      o.connect_timeout_s + setup_budget_s + o.warmup_s + o.duration_s + o.drain_timeout_s + 10.0;

  // Watchdog: whatever blocks (a client call on a dead server, a stuck close), the process ends.
  std::atomic<double> measured_for_watchdog{0.0};
  std::thread watchdog([&] {
    const std::int64_t deadline = t_start + static_cast<std::int64_t>(hard_limit_s * 1e9);
    while (!g_done.load()) {
      if (now_ns() >= deadline) {
        g_phase.store(kStopping);
        print_report(make_report(o, sessions, measured_for_watchdog.load(), 0.0, false,
                                 "watchdog: the run overstayed its time limit"));
        std::_Exit(3);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto finish_process = [&](int code) {
    g_done.store(true);
    watchdog.join();
    return code;
  };

  // ----- connect --------------------------------------------------------------------------------
  const std::int64_t connect_deadline = t_start + static_cast<std::int64_t>(o.connect_timeout_s * 1e9);
  for (int i = 0; i < o.sessions; ++i) {
    auto s = std::make_unique<Session>();
    s->id = i;
    s->opt = &o;
    s->value = &value;
    s->seq_prefix = o.root + "/seq/c-";
    for (int k = 0; k < o.inflight; ++k) {
      auto slot = std::make_unique<Slot>();
      slot->session = s.get();
      slot->rng = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(i * 4096 + k + 1) ^ static_cast<std::uint64_t>(t_start);
      if (slot->rng == 0) slot->rng = 1;
      s->free_slots.push_back(slot.get());
      s->slots.push_back(std::move(slot));
    }
    std::reverse(s->free_slots.begin(), s->free_slots.end());
    s->zh = open_handle(o);
    if (s->zh.load() == nullptr) {
      std::fprintf(stderr, "zablab-load: zookeeper_init(%s) failed: %s\n", o.server.c_str(), std::strerror(errno));
      return finish_process(1);
    }
    sessions.push_back(std::move(s));
  }
  for (auto& s : sessions) {
    if (!wait_connected(s->zh.load(), connect_deadline)) {
      std::fprintf(stderr, "zablab-load: session %d not connected to %s within %.1f s\n", s->id, o.server.c_str(),
                   o.connect_timeout_s);
      for (auto& t : sessions) zookeeper_close(t->zh.load());
      return finish_process(1);
    }
  }
  const double connect_ms = static_cast<double>(now_ns() - t_start) / 1e6;
  if (o.setup && !setup_tree(sessions.front()->zh.load(), o, value)) {
    for (auto& t : sessions) zookeeper_close(t->zh.load());
    return finish_process(1);
  }

  // ----- run ------------------------------------------------------------------------------------
  const std::int64_t t_run = now_ns();
  const std::int64_t t_measure = t_run + static_cast<std::int64_t>(o.warmup_s * 1e9);
  const std::int64_t t_end = t_measure + static_cast<std::int64_t>(o.duration_s * 1e9);
  g_phase.store(o.warmup_s > 0 ? kWarmup : kMeasure);
  std::int64_t measure_started = o.warmup_s > 0 ? 0 : t_run;
  for (;;) {
    const std::int64_t t = now_ns();
    if (t >= t_end || g_cap_reached.load()) break;
    if (o.stop_after_recovery_s >= 0) {
      const std::int64_t recovered = g_first_ok_after_mark_ns.load();
      if (recovered != 0 && t >= recovered + static_cast<std::int64_t>(o.stop_after_recovery_s * 1e9)) break;
    }
    if (measure_started == 0 && t >= t_measure) {
      g_phase.store(kMeasure);
      measure_started = t;
    }
    if (measure_started != 0) measured_for_watchdog.store(static_cast<double>(t - measure_started) / 1e9);
    for (auto& s : sessions) {
      zhandle_t* zh = s->zh.load();
      if (zoo_state(zh) == ZOO_EXPIRED_SESSION_STATE) {
        // Expired (e.g. the ensemble was leaderless longer than the session timeout): new session.
        // Its in-flight slots complete with an error on the old handle's threads during close.
        zookeeper_close(zh);
        s->zh = open_handle(o);
        s->reconnects.fetch_add(1);
        if (s->zh.load() == nullptr) {
          std::fprintf(stderr, "zablab-load: zookeeper_init failed while replacing an expired session\n");
          g_phase.store(kStopping);
          print_report(make_report(o, sessions, static_cast<double>(t - std::max(measure_started, t)) / 1e9,
                                   connect_ms, false, "could not replace an expired session"));
          return finish_process(1);
        }
        continue;
      }
      refill(*s);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  g_phase.store(kStopping);
  const std::int64_t t_stop = std::min(now_ns(), t_end);
  const double measured_s =
      measure_started == 0 ? 0.0 : static_cast<double>(std::max(t_stop, measure_started) - measure_started) / 1e9;
  measured_for_watchdog.store(measured_s);

  // ----- drain, report, close -------------------------------------------------------------------
  const std::int64_t drain_deadline = now_ns() + static_cast<std::int64_t>(o.drain_timeout_s * 1e9);
  for (;;) {
    int busy = 0;
    for (auto& s : sessions) busy += s->in_flight.load();
    if (busy == 0 || now_ns() >= drain_deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  print_report(make_report(o, sessions, measured_s, connect_ms, true, nullptr));
  // Close all sessions in parallel (each close waits for its server's reply, bounded by the client).
  std::vector<std::thread> closers;
  for (auto& s : sessions) closers.emplace_back([zh = s->zh.load()] { zookeeper_close(zh); });
  for (auto& t : closers) t.join();
  return finish_process(0);
}
