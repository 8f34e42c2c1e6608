// zablab-null-server: the floor under one-request-at-a-time latency on this machine.
//
// It speaks just enough of ZooKeeper's client protocol for zablab-load (connect, ping, create,
// getData, exists, setData, closeSession) and does no work: every request is answered Ok at once
// with a fixed Stat. With --fsync FILE each setData and create also appends its bytes to FILE and
// fdatasyncs it before answering, as a ZooKeeper write waits for its log fsync. Whatever tail
// zablab-load measures against it -- the C client's threads, loopback TCP, the scheduler, the
// disk -- every real server pays too; bench/compare/compare.py --floor measures it in each round,
// beside the two servers.
//
//   zablab-null-server --port 2181 [--fsync /tmp/null.log] [--spin-us N]
//
// --spin-us N polls without sleeping for N us after each event before blocking: on this VM it
// halved the p50 of a get one at a time but not its p99 (bench/RESULTS.md).
//
// One thread, poll(2), non-blocking sockets: no request waits for another connection's.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "wire_bytes.h"

namespace {

using zablab::bench::get_i32;
using zablab::bench::put_i32;
using zablab::bench::put_i64;

struct Conn {
  std::string in;
  std::string out;
  bool connected = false;  // the ConnectRequest was answered
  bool closing = false;    // closeSession answered: close once `out` is flushed
};


// The 68-byte Stat: the same for every node (a persistent znode, version 0, 8 bytes of data).
void put_stat(std::string& s, std::int64_t zxid) {
  put_i64(s, 1);     // czxid
  put_i64(s, zxid);  // mzxid
  put_i64(s, 0);     // ctime
  put_i64(s, 0);     // mtime
  put_i32(s, 0);     // version
  put_i32(s, 0);     // cversion
  put_i32(s, 0);     // aversion
  put_i64(s, 0);     // ephemeralOwner
  put_i32(s, 8);     // dataLength
  put_i32(s, 0);     // numChildren
  put_i64(s, 1);     // pzxid
}

void frame(std::string& out, const std::string& body) {
  put_i32(out, static_cast<std::int32_t>(body.size()));
  out += body;
}

struct Server {
  int log_fd = -1;
  std::int64_t zxid = 1;
  std::int64_t next_session = 0x100000000LL;

  void durable(const std::string& bytes) {
    if (log_fd < 0) return;
    if (::write(log_fd, bytes.data(), bytes.size()) < 0 || ::fdatasync(log_fd) != 0) {
      std::perror("zablab-null-server: the --fsync file");
      std::exit(1);
    }
  }

  // One whole frame's body (the length prefix removed). False: close the connection.
  bool handle(Conn& c, const std::string& body) {
    std::string reply;
    if (!c.connected) {
      if (body.size() < 44) return false;
      put_i32(reply, 0);                    // protocolVersion
      put_i32(reply, get_i32(body, 12));    // the timeout asked for
      put_i64(reply, next_session++);       // sessionId
      put_i32(reply, 16);                   // passwd: 16 bytes
      reply.append(16, '\0');
      if (body.size() >= 45) reply.push_back('\0');  // readOnly, when the request had it
      frame(c.out, reply);
      c.connected = true;
      return true;
    }
    if (body.size() < 8) return false;
    const std::int32_t xid = get_i32(body, 0);
    const std::int32_t type = get_i32(body, 4);
    const bool write = type == 1 || type == 5 || type == 15;  // create, setData, create2
    if (write) {
      durable(body);
      ++zxid;
    }
    put_i32(reply, xid);
    put_i64(reply, zxid);
    put_i32(reply, 0);  // err: Ok
    switch (type) {
      case 1: {  // create: the path asked for (a sequential one gets a fixed suffix)
        const std::int32_t len = body.size() >= 12 ? get_i32(body, 8) : 0;
        if (len < 0 || body.size() < 12 + static_cast<std::size_t>(len)) return false;
        put_i32(reply, len + 10);
        reply.append(body, 12, static_cast<std::size_t>(len));
        reply += "0000000001";
        break;
      }
      case 4:  // getData: 8 bytes and the Stat
        put_i32(reply, 8);
        reply.append("nullnull");
        put_stat(reply, zxid);
        break;
      case 3:  // exists
      case 5:  // setData
        put_stat(reply, zxid);
        break;
      case -11:  // closeSession: the header, then close
        c.closing = true;
        break;
      default:  // ping (-2) and anything else: the header alone
        break;
    }
    frame(c.out, reply);
    return true;
  }
};

int listen_on(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    std::fprintf(stderr, "zablab-null-server: cannot listen on 127.0.0.1:%d: %s\n", port, std::strerror(errno));
    std::exit(1);
  }
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  long spin_us = 0;
  Server server;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--port" && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (a == "--spin-us" && i + 1 < argc) {
      spin_us = std::atol(argv[++i]);
    } else if (a == "--fsync" && i + 1 < argc) {
      server.log_fd = ::open(argv[++i], O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (server.log_fd < 0) {
        std::fprintf(stderr, "zablab-null-server: cannot open %s: %s\n", argv[i], std::strerror(errno));
        return 1;
      }
    } else {
      std::fprintf(stderr, "usage: zablab-null-server --port N [--fsync FILE] [--spin-us N]\n");
      return 2;
    }
  }
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "zablab-null-server: --port N (1-65535) is required\n");
    return 2;
  }
  const int lfd = listen_on(port);
  std::map<int, Conn> conns;  // by fd
  std::vector<pollfd> fds;
  char buf[65536];
  for (;;) {
    fds.assign(1, pollfd{lfd, POLLIN, 0});
    for (auto& [fd, c] : conns)
      fds.push_back(pollfd{fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    // --spin-us: poll without sleeping for that long after the last event before blocking.
    int ready = 0;
    for (auto start = std::chrono::steady_clock::now();;) {
      ready = ::poll(fds.data(), fds.size(), 0);
      if (ready != 0 || std::chrono::steady_clock::now() - start > std::chrono::microseconds(spin_us)) break;
    }
    if (ready == 0 && ::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return 1;
    if (fds[0].revents & POLLIN) {
      for (int fd; (fd = ::accept(lfd, nullptr, nullptr)) >= 0;) {
        ::fcntl(fd, F_SETFL, O_NONBLOCK);
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns.emplace(fd, Conn{});
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      const int fd = fds[i].fd;
      Conn& c = conns[fd];
      bool drop = (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 && !(fds[i].revents & POLLIN);
      if (fds[i].revents & POLLIN) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
          drop = drop || n == 0 || (errno != EAGAIN && errno != EINTR);
        } else {
          c.in.append(buf, static_cast<std::size_t>(n));
          while (!drop && c.in.size() >= 4) {
            const std::int32_t len = get_i32(c.in, 0);
            if (len < 0 || len > (1 << 20)) drop = true;
            if (drop || c.in.size() < 4 + static_cast<std::size_t>(len)) break;
            drop = !server.handle(c, c.in.substr(4, static_cast<std::size_t>(len)));
            c.in.erase(0, 4 + static_cast<std::size_t>(len));
          }
        }
      }
      if (!drop && !c.out.empty()) {
        const ssize_t n = ::write(fd, c.out.data(), c.out.size());
        if (n > 0) c.out.erase(0, static_cast<std::size_t>(n));
        else if (n < 0 && errno != EAGAIN && errno != EINTR) drop = true;
      }
      if (drop || (c.closing && c.out.empty())) {
        ::close(fd);
        conns.erase(fd);
      }
    }
  }
}
