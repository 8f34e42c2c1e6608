// AsioEnv: timers (order, cancel), disk completions, logging, and real loopback TCP through an
// echo node on an OS-chosen port. Every test stops its loop within a few seconds at most.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "core/env/node.h"
#include "runtime/asio_env.h"
#include "runtime/log.h"

using zablab::ConnId;
using zablab::DiskStatus;
using zablab::DiskToken;
using zablab::LogLevel;
using zablab::TimerId;
using zablab::runtime::AsioEnv;

namespace {

// Upper bound for any loop in these tests.
constexpr auto kTestDeadline = std::chrono::seconds(5);

// A node whose reactions are plugged in by each test; it records what happened to it.
class TestNode : public zablab::Node {
 public:
  TestNode() = default;

  std::function<void()> start_hook;
  std::function<void(TimerId)> timer_hook;
  std::function<void(ConnId, std::string_view)> bytes_hook;
  std::function<void(ConnId)> closed_hook;
  std::function<void(DiskToken, const DiskStatus&)> disk_hook;

  std::vector<std::string> events;
  std::vector<TimerId> fired;
  std::map<ConnId, std::string> remotes;
  std::map<ConnId, std::string> received;

  void start() override {
    events.push_back("start");
    if (start_hook) start_hook();
  }
  void on_client_connected(ConnId conn, std::string remote) override {
    events.push_back("connected " + std::to_string(conn));
    remotes[conn] = std::move(remote);
  }
  void on_client_bytes(ConnId conn, std::string_view bytes) override {
    received[conn].append(bytes);
    if (bytes_hook) bytes_hook(conn, bytes);
  }
  void on_client_closed(ConnId conn) override {
    events.push_back("closed " + std::to_string(conn));
    if (closed_hook) closed_hook(conn);
  }
  void on_timer(TimerId id) override {
    fired.push_back(id);
    if (timer_hook) timer_hook(id);
  }
  void on_disk_done(DiskToken token, const DiskStatus& status) override {
    events.push_back("disk " + std::to_string(token) + (status.ok ? " ok" : " " + status.error));
    if (disk_hook) disk_hook(token, status);
  }
};

// Stops env's loop after kTestDeadline whatever happens; records whether it had to.
struct Watchdog {
  boost::asio::steady_timer timer;
  bool expired = false;
  explicit Watchdog(AsioEnv& env) : timer(env.io_context(), kTestDeadline) {
    timer.async_wait([this, &env](boost::system::error_code ec) {
      if (ec) return;
      expired = true;
      env.stop();
    });
  }
};

// ----- a blocking loopback client (runs on its own thread) ------------------------------------

struct Client {
  int fd = -1;
  std::uint16_t local_port = 0;

  explicit Client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket");
    timeval tv{5, 0};  // no read or write blocks longer than the test may last
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      throw std::runtime_error("connect");
    }
    sockaddr_in local{};
    socklen_t len = sizeof local;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    local_port = ntohs(local.sin_port);
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  bool send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads until `n` bytes, EOF, an error or the timeout.
  std::string recv(std::size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
  }
  // Reads until EOF (returns true) or an error / the timeout (false).
  bool recv_until_eof(std::string& out) {
    char buf[65536];
    while (true) {
      const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got == 0) return true;
      if (got < 0) return false;
      out.append(buf, static_cast<std::size_t>(got));
    }
  }
};

}  // namespace

TEST_CASE("runtime/asio_env: timers fire in deadline order, ids from 1, cancelled never fire",
          "[runtime][asio_env]") {
  AsioEnv env;
  TestNode node;
  env.attach(node);
  Watchdog watchdog(env);
  std::map<std::string, TimerId> ids;
  node.start_hook = [&] {
    ids["a"] = env.set_timer(60);
    ids["b"] = env.set_timer(20);
    ids["c"] = env.set_timer(40);
    ids["d"] = env.set_timer(20);
    ids["e"] = env.set_timer(0);
    ids["f"] = env.set_timer(-5);  // negative = now
    env.cancel_timer(ids["c"]);
    env.cancel_timer(ids["c"]);    // twice: harmless
    env.cancel_timer(999);         // unknown: harmless
  };
  node.timer_hook = [&](TimerId) {
    if (node.fired.size() == 5) env.stop();
  };
  // Before start(), which sets the timers: "a" is due 60 ms after it at the earliest (taken after,
  // a slow start -- under ASan -- made this 59).
  const auto t0 = env.now_ms();
  node.start();
  CHECK(node.fired.empty());  // nothing fires inside the call that set it
  env.run();
  CHECK_FALSE(watchdog.expired);
  CHECK(ids["a"] == 1);
  CHECK(ids["f"] == 6);
  CHECK(node.fired == std::vector<TimerId>{ids["e"], ids["f"], ids["b"], ids["d"], ids["a"]});
  CHECK(env.now_ms() - t0 >= 60);
}

TEST_CASE("runtime/asio_env: a timer cancelled by an earlier one due at the same time never fires",
          "[runtime][asio_env]") {
  AsioEnv env;
  TestNode node;
  env.attach(node);
  Watchdog watchdog(env);
  TimerId first = 0, second = 0, later = 0, rearmed = 0;
  node.start_hook = [&] {
    first = env.set_timer(10);
    second = env.set_timer(10);
    later = env.set_timer(50);
  };
  node.timer_hook = [&](TimerId id) {
    if (id == first) {
      env.cancel_timer(second);       // due in the same wakeup: must still not fire
      env.cancel_timer(later);        // the earliest armed one goes away: loop must re-arm
      rearmed = env.set_timer(30);    // set from inside a handler
    }
    if (id == rearmed) env.stop();
  };
  node.start();
  env.run();
  CHECK_FALSE(watchdog.expired);
  CHECK(node.fired == std::vector<TimerId>{first, rearmed});
}

TEST_CASE("runtime/asio_env: disk completions arrive as on_disk_done on the loop", "[runtime][asio_env]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("zablab-env-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    AsioEnv env(LogLevel::info, dir);
    TestNode node;
    env.attach(node);
    Watchdog watchdog(env);
    node.start_hook = [&] {
      env.disk().append("log.1", "abc", 7);
      env.disk().sync("log.1", 8);
      env.disk().write_atomic("epoch", "1", 9);
    };
    node.disk_hook = [&](DiskToken token, const DiskStatus&) {
      if (token == 9) env.stop();
    };
    node.start();
    env.run();
    CHECK_FALSE(watchdog.expired);
    CHECK(node.events == std::vector<std::string>{"start", "disk 7 ok", "disk 8 ok", "disk 9 ok"});
    CHECK(env.disk().read("log.1") == std::optional<std::string>("abc"));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("runtime/asio_env: log lines, levels, trace and peer_send", "[runtime][asio_env]") {
  CHECK(zablab::runtime::format_log_line(0, LogLevel::info, "hello") == "1970-01-01T00:00:00.000Z INFO hello");
  CHECK(zablab::runtime::format_log_line(1714564800123, LogLevel::warn, "w") ==
        "2024-05-01T12:00:00.123Z WARN w");
  CHECK(zablab::runtime::parse_log_level("DEBUG") == LogLevel::debug);
  CHECK(zablab::runtime::parse_log_level("warn") == LogLevel::warn);
  CHECK_FALSE(zablab::runtime::parse_log_level("loud").has_value());

  AsioEnv env(LogLevel::info);
  std::vector<std::string> lines;
  env.set_log_sink([&](LogLevel, std::string_view line) { lines.emplace_back(line); });
  env.log(LogLevel::debug, "hidden");
  env.trace({zablab::EventKind::peer_state, R"({"to":"LOOKING"})"});  // debug level: hidden too
  env.log(LogLevel::info, "shown");
  env.peer_send(3, zablab::PeerChannel::quorum, "bytes");
  env.peer_disconnect(3, zablab::PeerChannel::election);  // nothing to close, nothing logged
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].size() == 24 + std::string(" INFO shown").size());
  CHECK(lines[0].ends_with("Z INFO shown"));
  CHECK(lines[1].ends_with("Z ERROR peer_send to 3: no quorum transport (standalone)"));

  env.set_log_level(LogLevel::debug);
  env.trace({zablab::EventKind::peer_state, R"({"to":"LOOKING"})"});
  REQUIRE(lines.size() == 3);
  CHECK(lines[2].ends_with(R"(Z DEBUG trace peer.state {"to":"LOOKING"})"));

  const auto metrics = env.host_metrics();
  REQUIRE(metrics.size() == 2);
  CHECK(metrics[0].first == "open_file_descriptor_count");
  CHECK(std::stoll(metrics[0].second) >= 3);  // stdin, stdout, stderr at least
  CHECK(metrics[1].first == "max_file_descriptor_count");
  CHECK(metrics[1].second != "0");

  const auto wall = env.wall_ms();
  CHECK(std::abs(wall - zablab::runtime::system_wall_ms()) < 10000);
  CHECK(env.random_u64() != env.random_u64());
}

TEST_CASE("runtime/asio_env: loopback TCP through an echo node", "[runtime][asio_env]") {
  AsioEnv env;
  TestNode node;
  env.attach(node);
  Watchdog watchdog(env);
  const std::uint16_t port = env.listen("127.0.0.1", 0);
  REQUIRE(port != 0);
  CHECK(env.listening_on() == "127.0.0.1:" + std::to_string(port));

  // Echo everything; after "bye", say "ciao" and close from the server side.
  node.bytes_hook = [&](ConnId conn, std::string_view bytes) {
    env.client_send(conn, std::string(bytes));
    if (node.received[conn].ends_with("bye")) {
      env.client_send(conn, "ciao");
      env.client_close(conn);
      env.client_send(conn, "after close");  // ignored
      env.client_close(conn);                // ignored
    }
  };
  env.client_send(12345, "nobody");  // unknown connection: ignored

  // The client side, on its own thread; it stops the loop when done.
  std::string echoed, farewell, big_echo;
  bool eof_after_bye = false, eof_on_third = false;
  std::uint16_t first_local_port = 0;
  const std::string big(1 << 20, 'z');
  std::thread client_thread([&] {
    {
      Client c(port);
      first_local_port = c.local_port;
      c.send("hello");
      echoed = c.recv(5);
      c.send("b");
      c.send("ye");
      eof_after_bye = c.recv_until_eof(farewell);
    }
    {
      Client c(port);  // a large echo: many reads, many queued writes
      std::thread writer([&] { c.send(big); });
      big_echo = c.recv(big.size());
      writer.join();
    }  // closed by the client: the node hears on_client_closed
    {
      Client c(port);
      c.send("bye");
      std::string rest;
      eof_on_third = c.recv_until_eof(rest);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the loop see the closes
    env.stop();
  });
  node.start();
  env.run();
  client_thread.join();

  CHECK_FALSE(watchdog.expired);
  CHECK(echoed == "hello");
  CHECK(eof_after_bye);
  CHECK(farewell == "byeciao");
  CHECK(big_echo.size() == big.size());
  CHECK(big_echo == big);
  CHECK(eof_on_third);
  CHECK(node.remotes[1] == "127.0.0.1:" + std::to_string(first_local_port));
  // Conn ids count from 1; only the connection the client closed gets on_client_closed. (Its
  // EOF and the third connect may be seen in either order.)
  auto events = node.events;
  std::sort(events.begin(), events.end());
  CHECK(events == std::vector<std::string>{"closed 2", "connected 1", "connected 2", "connected 3",
                                           "start"});
  CHECK(env.connection_count() == 0);
}

TEST_CASE("runtime/asio_env: maxCnxns closes extra connections at accept", "[runtime][asio_env]") {
  AsioEnv env;
  TestNode node;
  env.attach(node);
  Watchdog watchdog(env);
  env.set_log_sink([](LogLevel, std::string_view) {});
  env.set_max_connections(1);
  const std::uint16_t port = env.listen("127.0.0.1", 0);
  node.bytes_hook = [&](ConnId conn, std::string_view bytes) { env.client_send(conn, std::string(bytes)); };

  bool second_refused = false;
  std::string first_echo;
  std::thread client_thread([&] {
    Client first(port);
    first.send("1");
    first_echo = first.recv(1);  // the first one is surely accepted now
    Client second(port);
    std::string ignored;
    second_refused = second.recv_until_eof(ignored) && ignored.empty();
    env.stop();
  });
  node.start();
  env.run();
  client_thread.join();
  CHECK_FALSE(watchdog.expired);
  CHECK(first_echo == "1");
  CHECK(second_refused);
  CHECK(node.events == std::vector<std::string>{"start", "connected 1"});
}

TEST_CASE("runtime/asio_env: listen errors name the address", "[runtime][asio_env]") {
  AsioEnv env;
  const std::uint16_t port = env.listen("127.0.0.1", 0);
  AsioEnv other;
  try {
    other.listen("127.0.0.1", port);
    FAIL("second listen on the same port succeeded");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) ==
          "listen on 127.0.0.1:" + std::to_string(port) + ": bind: Address already in use");
  }
}

TEST_CASE("runtime/asio_env: shutdown() stops the loop and silences the node", "[runtime][asio_env]") {
  AsioEnv env;
  std::vector<std::string> lines;
  env.set_log_sink([&](LogLevel, std::string_view line) { lines.emplace_back(line); });
  TestNode node;
  env.attach(node);
  Watchdog watchdog(env);
  TimerId doomed = 0;
  node.start_hook = [&] {
    env.set_timer(1);
    doomed = env.set_timer(1);  // due at about the same time: never delivered after shutdown
  };
  node.timer_hook = [&](TimerId) { env.shutdown("disk failed"); };
  node.start();
  env.run();
  CHECK_FALSE(watchdog.expired);
  CHECK(node.fired == std::vector<TimerId>{1});
  REQUIRE(env.shutdown_reason().has_value());
  CHECK(*env.shutdown_reason() == "disk failed");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].ends_with("Z ERROR shutdown: disk failed"));
}

TEST_CASE("runtime/asio_env: a stop() before run() ends that run() at once", "[runtime][asio_env]") {
  AsioEnv env;
  TestNode node;
  env.attach(node);
  env.stop();
  env.run();  // returns at once
  bool fired = false;
  node.timer_hook = [&](TimerId) {
    fired = true;
    env.stop();
  };
  env.set_timer(1);
  Watchdog watchdog(env);
  env.run();  // runs again, until the timer stops it
  CHECK(fired);
  CHECK_FALSE(watchdog.expired);
}

TEST_CASE("runtime/asio_env: run() needs a node; stop() from another thread", "[runtime][asio_env]") {
  AsioEnv env;
  CHECK_THROWS_AS(env.run(), std::logic_error);
  TestNode node;
  env.attach(node);
  CHECK_THROWS_AS(env.attach(node), std::logic_error);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    env.stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  env.run();  // no work at all: returns only because of stop()
  stopper.join();
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(40));
}
