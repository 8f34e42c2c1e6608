// Two of ZooKeeper's ordering promises to a client, over its operations:
//
//   client.fifo-order        a client's requests are answered in the order it sent them: on the
//                            wire, the replies a server sends on one connection carry increasing
//                            xids (the client numbers its requests in the order it sends them);
//                            and the client's operations return in the order it invoked them
//                            (those a server answered: a connection loss, a session expiry or a
//                            client-side refusal fail what is pending locally, in any order)
//   client.sequential-names  the names sequential creates get under one parent are unique and
//                            increase with the order the creates were committed in (zxid)
#include <iterator>

#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {
namespace {

// Errors ZooKeeper's client library makes up itself, with no reply from a server behind them.
bool answered_by_a_server(const std::string& err) {
  return !err.empty() && err != "ConnectionLoss" && err != "SessionExpired" && err != "OperationTimeout" &&
         err != "RequestTimeout" && err != "BadArguments" && err != "InvalidACL" && err != "NoWatcher";
}

// The counter ZooKeeper appends to a sequential node's name (10 digits), or -1.
std::int64_t sequence_of(const std::string& path) {
  if (path.size() < 10) return -1;
  std::int64_t n = 0;
  for (std::size_t i = path.size() - 10; i < path.size(); ++i) {
    if (path[i] < '0' || path[i] > '9') return -1;
    n = n * 10 + (path[i] - '0');
  }
  return n;
}

}  // namespace

void CheckEngine::check_reply_order(const TraceRecord& r) {
  // Request xids are positive; notifications (-1), pings (-2), auth (-4) and setWatches (-8)
  // replies are not answers to a numbered request.
  const auto conn = json_int(r.detail, "conn");
  const auto frames = json_raw_array(r.detail, "frames");
  if (!conn || !frames) return;
  for (auto frame : *frames) {
    const auto xid = json_int(frame, "xid");
    if (!xid || *xid <= 0) continue;
    auto [it, first] = reply_xid_.try_emplace(*conn, *xid, r.seq);
    if (!first && *xid <= it->second.first) {
      report("client.fifo-order", r, r.to,
             name_of(r.node) + " answered " + name_of(r.to) + "'s request xid " + std::to_string(*xid) + " (" +
                 json_string(frame, "type").value_or("?") + ") on connection " + std::to_string(*conn) +
                 " after its request xid " + std::to_string(it->second.first) + " (answered at seq " +
                 std::to_string(it->second.second) + "), which the client sent later");
      continue;
    }
    it->second = {*xid, r.seq};
  }
}

void CheckEngine::check_fifo(const TraceRecord& r, std::uint64_t op_id, const Op& op) {
  if (!answered_by_a_server(op.err)) return;
  Client& c = clients_[op.client];
  if (c.last_answered_op > op_id) {
    const Op& later = ops_[c.last_answered_op];
    report("client.fifo-order", r, op.client,
           name_of(op.client) + "'s " + op.op + " " + op.path + " (op " + std::to_string(op_id) + ") returned after its " +
               later.op + " " + later.path + " (op " + std::to_string(c.last_answered_op) + "), which it invoked later");
    return;
  }
  c.last_answered_op = op_id;
}

void CheckEngine::check_sequential_name(const TraceRecord& r, const Op& create) {
  if (!enabled("client.sequential-names")) return;
  const auto path = json_string(r.detail, "path");
  if (!path || *path == create.path || create.zxid <= 0) return;  // not a sequential create
  const std::int64_t n = sequence_of(*path);
  const auto slash = path->rfind('/');
  if (n < 0 || slash == std::string::npos) return;
  auto& names = sequential_[path->substr(0, slash)];  // zxid -> (counter, name)
  if (names.count(create.zxid)) return;  // the same create seen again
  auto next = names.upper_bound(create.zxid);
  const std::string who = "create " + *path + " by " + name_of(create.client) + " (zxid " + hx(create.zxid) + ")";
  if (next != names.end() && next->second.first <= n)
    report("client.sequential-names", r, create.client,
           who + " got a counter not below that of " + next->second.second + ", created later (zxid " +
               hx(next->first) + ")");
  if (next != names.begin() && std::prev(next)->second.first >= n)
    report("client.sequential-names", r, create.client,
           who + " got a counter not above that of " + std::prev(next)->second.second + ", created earlier (zxid " +
               hx(std::prev(next)->first) + ")");
  names[create.zxid] = {n, *path};
}

}  // namespace zablab::sim::check
