// zablab-rtt: one request at a time over one blocking socket, for the round-trip tail.
//
// zablab-load drives servers through Apache's multi-threaded C client, whose I/O and completion
// threads add two thread wake-ups to every round trip; on a small VM those wake-ups alone put a
// request's p99 at 3-4x its p50, whatever the server (bench/RESULTS.md). This client has no
// threads: it writes a request, blocks in read() for the reply, and times the pair on the steady
// clock, so what it measures beyond the loopback is the server's. It speaks just the client
// protocol it needs: a session, then getData or setData of one znode (created first if missing),
// and a closeSession at the end.
//
//   zablab-rtt --server 127.0.0.1:2181 --op get|set [--duration 3] [--warmup 1] [--value-size 100]
//
// Prints one line of JSON in zablab-load's shape ({"ops_per_s", "ops", "ok_total",
// "errors_total", "latency": {"p50_us", "p99_us", "p999_us", "max_us"}}), so that
// bench/compare/compare.py can use either. Exit codes: 0 ok; 1 could not connect or a reply was an
// error; 2 bad command line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "wire_bytes.h"

namespace {

using zablab::bench::get_i32;
using zablab::bench::put_i32;
using zablab::bench::put_i64;

void put_buffer(std::string& s, const std::string& b) {
  put_i32(s, static_cast<std::int32_t>(b.size()));
  s += b;
}

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "zablab-rtt: %s\n", what.c_str());
  std::exit(1);
}


class Session {
 public:
  explicit Session(const std::string& hostport) {
    const auto colon = hostport.rfind(':');
    if (colon == std::string::npos) fail("--server must be host:port, not '" + hostport + "'");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(hostport.c_str() + colon + 1)));
    if (::inet_pton(AF_INET, hostport.substr(0, colon).c_str(), &a.sin_addr) != 1)
      fail("--server: '" + hostport.substr(0, colon) + "' is not an IPv4 address");
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};  // no read or write waits longer than this
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      fail("cannot connect to " + hostport + ": " + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string c;
    put_i32(c, 0);         // protocolVersion
    put_i64(c, 0);         // lastZxidSeen
    put_i32(c, 30000);     // timeout
    put_i64(c, 0);         // sessionId: new
    put_buffer(c, std::string(16, '\0'));
    c.push_back('\0');     // readOnly
    send(c);
    if (read_frame().size() < 20) fail("the ConnectResponse is too short");
  }
  ~Session() { ::close(fd_); }

  // Sends one request (header + body) and returns the reply's err and body.
  std::int32_t call(std::int32_t type, const std::string& body, std::string* reply = nullptr) {
    std::string r;
    put_i32(r, ++xid_);
    put_i32(r, type);
    r += body;
    send(r);
    for (;;) {
      std::string f = read_frame();
      if (f.size() < 16) fail("a reply shorter than its header");
      if (get_i32(f, 0) != xid_) continue;  // a ping's reply or a notification
      if (reply) *reply = f.substr(16);
      return get_i32(f, 12);
    }
  }

 private:
  void send(const std::string& body) {
    std::string f;
    put_i32(f, static_cast<std::int32_t>(body.size()));
    f += body;
    for (std::size_t at = 0; at < f.size();) {
      const ssize_t n = ::write(fd_, f.data() + at, f.size() - at);
      if (n <= 0) fail(std::string("write: ") + std::strerror(errno));
      at += static_cast<std::size_t>(n);
    }
  }
  void read_exact(char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t got = ::read(fd_, p, n);
      if (got <= 0) fail(got == 0 ? "the server closed the connection" : std::string("read: ") + std::strerror(errno));
      p += got;
      n -= static_cast<std::size_t>(got);
    }
  }
  std::string read_frame() {
    char len[4];
    read_exact(len, 4);
    const std::int32_t n = get_i32(std::string(len, 4), 0);
    if (n < 0 || n > (64 << 20)) fail("a reply frame of " + std::to_string(n) + " bytes");
    std::string f(static_cast<std::size_t>(n), '\0');
    read_exact(f.data(), f.size());
    return f;
  }

  int fd_ = -1;
  std::int32_t xid_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string server, op;
  double duration = 3, warmup = 1;
  long value_size = 100;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "zablab-rtt: %s needs a value\n", a.c_str());
      return 2;
    }
    const char* v = argv[++i];
    if (a == "--server") server = v;
    else if (a == "--op") op = v;
    else if (a == "--duration") duration = std::atof(v);
    else if (a == "--warmup") warmup = std::atof(v);
    else if (a == "--value-size") value_size = std::atol(v);
    else {
      std::fprintf(stderr, "usage: zablab-rtt --server HOST:PORT --op get|set [--duration S] [--warmup S] [--value-size B]\n");
      return 2;
    }
  }
  if (server.empty() || (op != "get" && op != "set") || duration <= 0 || warmup < 0 || value_size < 0) {
    std::fprintf(stderr, "zablab-rtt: --server and --op get|set are required; times and sizes must be positive\n");
    return 2;
  }
  // Several servers (zablab-load's comma list): the first.
  server = server.substr(0, server.find(','));
  Session s(server);
  const std::string path = "/zablab-rtt";
  const std::string value(static_cast<std::size_t>(value_size), 'v');
  {
    std::string create;
    put_buffer(create, path);
    put_buffer(create, value);
    put_i32(create, 1);  // one ACL: world:anyone, all permissions
    put_i32(create, 31);
    put_buffer(create, "world");
    put_buffer(create, "anyone");
    put_i32(create, 0);  // persistent
    const std::int32_t err = s.call(1, create);
    if (err != 0 && err != -110) fail("create " + path + ": error " + std::to_string(err));  // -110: NodeExists
  }
  std::string request;
  put_buffer(request, path);
  if (op == "get") {
    request.push_back('\0');  // no watch
  } else {
    put_buffer(request, value);
    put_i32(request, -1);  // any version
  }
  const std::int32_t type = op == "get" ? 4 : 5;
  std::vector<double> us;
  long long errors = 0;
  const auto start = Clock::now();
  const auto measure_from = start + std::chrono::duration<double>(warmup);
  const auto end = measure_from + std::chrono::duration<double>(duration);
  for (auto now = start; now < end; now = Clock::now()) {
    const auto t0 = Clock::now();
    const std::int32_t err = s.call(type, request);
    const auto t1 = Clock::now();
    if (t0 < measure_from) continue;
    if (err != 0) ++errors;
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  s.call(-11, "");  // closeSession
  if (us.empty()) fail("no request finished in --duration");
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  std::printf("{\"op\":\"%s\",\"ops\":%zu,\"ok_total\":%lld,\"errors_total\":%lld,\"ops_per_s\":%.1f,"
              "\"latency\":{\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f}}\n",
              op.c_str(), us.size(), static_cast<long long>(us.size()) - errors, errors,
              static_cast<double>(us.size()) / duration, at(0.5), at(0.99), at(0.999), us.back());
  return errors == 0 ? 0 : 1;
}
