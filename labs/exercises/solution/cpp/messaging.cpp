// Exercise 4 in C++: reliable messaging on ZooKeeper, the same design as messaging.py.
//   messaging HOSTS send SENDER TO PAYLOAD...   stores each payload durably in TO's inbox, in
//                                              order; prints "SEQ" per message
//   messaging HOSTS receive NAME N [SECS]      receives and acknowledges N messages, oldest
//                                              first, waiting on a child watch (no polling);
//                                              prints "SENDER SEQ PAYLOAD"; exits 3 on timeout
// Layout under /mq:
//   /mq/<receiver>/inbox/<sender>-<seq, 10 digits>   one persistent node per message
//   /mq/<receiver>/done/<sender>                    the last acknowledged seq from that sender
//   /mq/_senders/<sender>                           the sender's last seq (survives restarts)
// Retry without duplicates: the sender names the message (sender + seq), so a create retried
// after a lost reply finds NodeExists; a copy re-created after its ack has a seq <= done/<sender>
// and the receiver drops it. ack = delete + set done/<sender> in one multi. At-least-once
// delivery; exactly-once effects need idempotent handling. Built by labs/tests/CMakeLists.txt;
// tested by labs/tests/test_exercise_cpp.py.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/client/recipe_session.h"

using namespace zablab;
using client::Result;

namespace {

const std::string kRoot = "/mq";

bool transient(Err e) { return e == Err::connection_loss || e == Err::operation_timeout || e == Err::session_expired; }

template <class V>
Err err_of(const Result<V>& r) {
  return r.err;
}

// Runs `call` until it does not fail transiently (backoff 50 ms .. 1 s) or 30 s have passed.
template <class T, class Start>
std::optional<T> retrying(runtime::RecipeSession& zk, Start start) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::int64_t delay = 50;
  for (;;) {
    auto r = zk.await<T>(start, 10000);
    if (r && !transient(err_of(*r))) return r;
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(delay) > deadline) return r;
    zk.run_for(delay);
    delay = std::min<std::int64_t>(delay * 2, 1000);
  }
}

void ensure_path(runtime::RecipeSession& zk, const std::string& path) {
  std::string prefix;
  std::size_t pos = 0;
  while (pos < path.size()) {
    pos = path.find('/', pos + 1);
    prefix = path.substr(0, pos);
    retrying<Result<client::CreateResult>>(zk, [&](auto done) {
      zk.client().create(prefix, std::string(), data::open_acl_unsafe(), create_mode::persistent, done);
    });
    if (pos == std::string::npos) break;
  }
}

std::string seq_name(const std::string& sender, std::int64_t seq) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%010lld", static_cast<long long>(seq));
  return sender + "-" + digits;
}

// The next seq from /mq/_senders/<sender>, by compare-and-set on its version.
std::int64_t reserve_seq(runtime::RecipeSession& zk, const std::string& sender) {
  const std::string counter = kRoot + "/_senders/" + sender;
  ensure_path(zk, counter);
  for (;;) {
    auto got = retrying<Result<jute::GetDataResponse>>(
        zk, [&](auto done) { zk.client().get_data(counter, nullptr, done); });
    if (!got || !got->ok()) throw std::runtime_error("cannot read " + counter);
    const std::int64_t seq = std::atoll(got->value.data.value_or("0").c_str()) + 1;
    auto set = retrying<Result<jute::Stat>>(zk, [&](auto done) {
      zk.client().set_data(counter, std::to_string(seq), got->value.stat.version, done);
    });
    if (set && set->ok()) return seq;
    // BadVersion: another instance, or our own earlier try that got through: take the next one.
  }
}

int send(runtime::RecipeSession& zk, const std::string& sender, const std::string& to,
         const std::vector<std::string>& payloads) {
  for (const auto& payload : payloads) {
    const std::int64_t seq = reserve_seq(zk, sender);
    const std::string inbox = kRoot + "/" + to + "/inbox";
    ensure_path(zk, inbox);
    const std::string path = inbox + "/" + seq_name(sender, seq);
    auto r = retrying<Result<client::CreateResult>>(zk, [&](auto done) {
      zk.client().create(path, payload, data::open_acl_unsafe(), create_mode::persistent, done);
    });
    if (!r || (!r->ok() && r->err != Err::node_exists)) {  // NodeExists: an earlier try got through
      std::cerr << "send " << path << " failed: " << (r ? err_name(r->err) : "timeout") << "\n";
      return 1;
    }
    std::cout << seq << std::endl;
  }
  return 0;
}

struct Message {
  std::string sender;
  std::int64_t seq = 0;
  std::string payload;
  std::string path;
  std::int64_t czxid = 0;
};

std::int64_t done_seq(runtime::RecipeSession& zk, const std::string& name, const std::string& sender) {
  auto r = retrying<Result<jute::GetDataResponse>>(
      zk, [&](auto done) { zk.client().get_data(kRoot + "/" + name + "/done/" + sender, nullptr, done); });
  return r && r->ok() ? std::atoll(r->value.data.value_or("0").c_str()) : 0;
}

// The unacknowledged messages, oldest first (duplicates dropped); sets a child watch if asked.
std::vector<Message> pending(runtime::RecipeSession& zk, const std::string& name, client::Watcher watch) {
  const std::string inbox = kRoot + "/" + name + "/inbox";
  std::vector<Message> out;
  auto kids = retrying<Result<client::ChildrenResult>>(
      zk, [&](auto done) { zk.client().get_children(inbox, watch, false, done); });
  if (!kids || !kids->ok()) return out;
  for (const auto& child : kids->value.children) {
    const auto dash = child.rfind('-');
    if (dash == std::string::npos || dash == 0) continue;
    Message m;
    m.sender = child.substr(0, dash);
    m.seq = std::atoll(child.c_str() + dash + 1);
    m.path = inbox + "/" + child;
    if (m.seq <= done_seq(zk, name, m.sender)) {  // re-created after its ack: drop it
      zk.await<Err>([&](auto done) { zk.client().remove(m.path, -1, done); });
      continue;
    }
    auto got = retrying<Result<jute::GetDataResponse>>(
        zk, [&](auto done) { zk.client().get_data(m.path, nullptr, done); });
    if (!got || !got->ok()) continue;
    m.payload = got->value.data.value_or("");
    m.czxid = got->value.stat.czxid;
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](const Message& a, const Message& b) { return a.czxid < b.czxid; });
  return out;
}

// Deletes the message and records its seq in one transaction; safe to retry.
bool ack(runtime::RecipeSession& zk, const std::string& name, const Message& m) {
  const std::string done_node = kRoot + "/" + name + "/done/" + m.sender;
  for (int attempt = 0; attempt < 20; ++attempt) {
    zk.await<Result<client::CreateResult>>([&](auto done) {
      zk.client().create(done_node, std::string("0"), data::open_acl_unsafe(), create_mode::persistent, done);
    });
    auto got = retrying<Result<jute::GetDataResponse>>(
        zk, [&](auto done) { zk.client().get_data(done_node, nullptr, done); });
    if (!got || !got->ok()) continue;
    std::vector<client::Op> ops{client::DeleteOp{m.path, -1},
                                client::SetDataOp{done_node, std::to_string(m.seq), got->value.stat.version}};
    auto r = zk.await<Result<std::vector<client::OpResult>>>(
        [&](auto done) { zk.client().multi(ops, done); });
    if (r && r->ok()) return true;
    if (done_seq(zk, name, m.sender) >= m.seq) return true;  // an earlier try went through
  }
  return false;
}

int receive(runtime::RecipeSession& zk, const std::string& name, int n, std::int64_t wait_ms) {
  ensure_path(zk, kRoot + "/" + name + "/inbox");
  ensure_path(zk, kRoot + "/" + name + "/done");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (int got = 0; got < n;) {
    bool arrived = false;
    auto watch = client::make_watcher([&](const client::WatchedEvent&) { arrived = true; });
    auto msgs = pending(zk, name, watch);
    if (msgs.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !zk.run_until([&] { return arrived; }, left.count())) return 3;
      continue;
    }
    const Message& m = msgs.front();
    std::cout << m.sender << " " << m.seq << " " << m.payload << std::endl;  // handle it, then ack
    if (!ack(zk, name, m)) {
      std::cerr << "ack of " << m.path << " failed\n";
      return 1;
    }
    ++got;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: messaging HOSTS send SENDER TO PAYLOAD... | messaging HOSTS receive NAME N [SECS]\n";
    return 2;
  }
  runtime::RecipeSession zk(argv[1]);
  const std::string cmd = argv[2];
  if (cmd == "send" && argc >= 6) return send(zk, argv[3], argv[4], std::vector<std::string>(argv + 5, argv + argc));
  if (cmd == "receive") {
    const std::int64_t ms = argc >= 6 ? static_cast<std::int64_t>(std::atof(argv[5]) * 1000) : 30000;
    return receive(zk, argv[3], std::atoi(argv[4]), ms);
  }
  std::cerr << "unknown command " << cmd << "\n";
  return 2;
}
