// Two of ZooKeeper's promises about what lives and fires with a session:
//
//   client.watch-before-data    ZooKeeper's ordering guarantee for watches: a client that set a
//                               watch sees its event before it sees any reply that shows a change
//                               made after the watch was set; and a one-shot watch fires at most
//                               once per registration.
//   client.ephemeral-lifetime   an ephemeral lives only while its session does.
//
// Watches are followed on the client protocol's wire, as the client gets it: a client's request
// frame says whether it sets a watch (getData, exists, getChildren with watch = true); the reply
// to it sets the registration, at the reply's zxid (the server's view when it read the node and
// registered the watch): Ok for getData and getChildren, Ok or NoNode for exists. A server's
// frames to a client are taken from its net.send and looked at when the net.deliver hands them
// to the client, in order. Then:
//   - every reply with zxid R that the client gets must not show a change the model tree (the
//     committed txns in zxid order) made to a watched node after its watch was set, up to R,
//     while that watch's event has not arrived: the data of the node for a data or exist watch
//     (create, setData, delete, a closed session's ephemeral), a child added or removed, or the
//     node deleted, for a children watch;
//   - an event consumes the client's outstanding watches it fires (NodeCreated and
//     NodeDataChanged: data and exist watches; NodeChildrenChanged: children watches; NodeDeleted:
//     all three). An event that finds none of its kind fired a watch a second time (NodeDeleted
//     excepted: a node's data and children watches may each hear of its deletion).
// A client's watches end with its session (a ConnectResponse with another session); after a
// reconnect, the setWatches reply's zxid is where an exist watch starts again (ZooKeeper
// re-registers it without looking back at a node created and deleted in between). A client with
// persistent watches is not held to at-most-once. Replies beyond what the committed history
// reaches yet are compared up to its end.
//
// Ephemerals: a server traces, with each session.close it applies, how many of the session's
// ephemerals its tree still holds (none, in ZooKeeper); the model refuses an ephemeral created
// for a session whose close it has replayed, and a read that finds a node the model removed with
// its session's close is reported here rather than as client.linearizable-reads.
#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {
namespace {

constexpr std::int64_t kNodeCreated = 1, kNodeDeleted = 2, kNodeDataChanged = 3, kNodeChildrenChanged = 4;

const char* event_name(std::int64_t e) {
  switch (e) {
    case kNodeCreated: return "NodeCreated";
    case kNodeDeleted: return "NodeDeleted";
    case kNodeDataChanged: return "NodeDataChanged";
    case kNodeChildrenChanged: return "NodeChildrenChanged";
    default: return "an event";
  }
}

bool fires(std::int64_t event, char kind) {
  if (event == kNodeDeleted) return true;
  if (event == kNodeChildrenChanged) return kind == 'c';
  return kind == 'd' || kind == 'e';
}

}  // namespace

void CheckEngine::watch_on_request(const TraceRecord& r) {
  const auto conn = json_int(r.detail, "conn");
  const auto frames = json_raw_array(r.detail, "frames");
  if (!conn || !frames) return;
  for (auto frame : *frames) {
    const std::string type = json_string(frame, "type").value_or("");
    if (type == "addWatch") persistent_watchers_.insert(r.node);
    if (json_member(frame, "watch").value_or("false") != "true") continue;
    const auto xid = json_int(frame, "xid");
    if (!xid) continue;
    watch_requests_[{*conn, *xid}] = WatchRequest{type, json_string(frame, "path").value_or("")};
  }
}

void CheckEngine::watch_on_reply(const TraceRecord& r) {
  const auto frames = json_raw_array(r.detail, "frames");
  if (!frames) return;
  std::vector<std::string> kept;
  for (auto frame : *frames) kept.emplace_back(frame);
  frames_to_client_[r.seq] = std::move(kept);
}

void CheckEngine::watch_on_deliver(const TraceRecord& r) {
  const auto send = json_int(r.detail, "send_seq");
  auto it = send ? frames_to_client_.find(static_cast<std::uint64_t>(*send)) : frames_to_client_.end();
  if (it == frames_to_client_.end()) return;
  const std::vector<std::string> frames = std::move(it->second);
  frames_to_client_.erase(it);
  const EndpointId client = r.to;
  const auto conn = json_int(r.detail, "conn").value_or(-1);
  for (const auto& frame : frames) {
    const std::string type = json_string(frame, "type").value_or("");
    if (type == "ConnectResponse") {
      const std::int64_t session = json_int(frame, "session_id").value_or(0);
      auto [s, first] = client_session_.try_emplace(client, session);
      if (!first && s->second != session) watches_.erase(client);  // a new session: the old one's watches are gone
      s->second = session;
      continue;
    }
    if (type == "notification") {
      watch_on_event(r, client, frame);
      continue;
    }
    if (type.rfind("reply", 0) != 0) continue;
    const std::int64_t xid = json_int(frame, "xid").value_or(0);
    const std::int64_t zxid = json_int(frame, "zxid").value_or(0);
    if (type == "reply:setWatches" || type == "reply:setWatches2") {
      // Re-registered on this connection at the server's view: an exist watch starts over there.
      if (zxid > 0)
        for (auto& [path, w] : watches_[client])
          if (w.kind == 'e') w.set_at = std::max(w.set_at, zxid);
      continue;
    }
    if (xid <= 0 || zxid <= 0) continue;
    watch_check_reply(r, client, zxid, frame);
    auto req = watch_requests_.find({conn, xid});
    if (req == watch_requests_.end()) continue;
    const WatchRequest wr = std::move(req->second);
    watch_requests_.erase(req);
    const std::string err = json_string(frame, "err").value_or("");
    char kind = 0;
    if (wr.op == "getData" && err == "Ok") kind = 'd';
    if (wr.op == "exists") kind = err == "Ok" ? 'd' : err == "NoNode" ? 'e' : 0;
    if ((wr.op == "getChildren" || wr.op == "getChildren2") && err == "Ok") kind = 'c';
    if (kind == 0) continue;
    watches_[client].emplace(wr.path, WatchReg{kind, zxid, wr.op + " " + wr.path + " (answered at seq " +
                                                             std::to_string(r.seq) + ", zxid " + hx(zxid) + ")"});
  }
}

std::optional<std::int64_t> CheckEngine::first_change(const WatchReg& w, const std::string& path,
                                                      std::int64_t upto) const {
  std::optional<std::int64_t> first;
  auto consider = [&](std::int64_t z) {
    if (z > w.set_at && z <= upto && (!first || z < *first)) first = z;
  };
  if (auto m = model_.find(path); m != model_.end()) {
    for (auto v = m->second.upper_bound(w.set_at); v != m->second.end() && v->first <= upto; ++v) {
      // A children watch hears of its node's deletion only; data and exist watches of any change.
      if (w.kind != 'c' || !v->second.exists) {
        consider(v->first);
        break;
      }
    }
  }
  if (w.kind == 'c')
    if (auto c = children_changed_.find(path); c != children_changed_.end())
      if (auto z = c->second.upper_bound(w.set_at); z != c->second.end()) consider(*z);
  return first;
}

void CheckEngine::watch_check_reply(const TraceRecord& r, EndpointId client, std::int64_t zxid,
                                    std::string_view frame) {
  auto regs = watches_.find(client);
  if (regs == watches_.end()) return;
  const std::int64_t upto = std::min({zxid, model_tip_, model_blind_from_ - 1});
  for (auto it = regs->second.begin(); it != regs->second.end();) {
    const auto change = first_change(it->second, it->first, upto);
    if (!change) {
      ++it;
      continue;
    }
    report("client.watch-before-data", r, client,
           name_of(client) + " got " + json_string(frame, "type").value_or("a reply") + " (xid " +
               std::to_string(json_int(frame, "xid").value_or(0)) + ") from " + name_of(r.from) + " at zxid " +
               hx(zxid) + " before the event of its watch set by " + it->second.how + ", which the committed txn " +
               hx(*change) + " fired");
    it = regs->second.erase(it);  // reported once
  }
}

void CheckEngine::watch_on_event(const TraceRecord& r, EndpointId client, std::string_view frame) {
  const std::int64_t event = json_int(frame, "event").value_or(0);
  if (event < kNodeCreated || event > kNodeChildrenChanged) return;  // a state change, not a node's event
  const std::string path = json_string(frame, "path").value_or("");
  auto& regs = watches_[client];
  std::size_t consumed = 0;
  for (auto [lo, hi] = regs.equal_range(path); lo != hi;) {
    if (fires(event, lo->second.kind)) {
      lo = regs.erase(lo);
      ++consumed;
    } else {
      ++lo;
    }
  }
  if (consumed == 0 && event != kNodeDeleted && !persistent_watchers_.count(client))
    report("client.watch-before-data", r, client,
           name_of(client) + " got " + event_name(event) + " for " + path + " from " + name_of(r.from) +
               " with no watch of that kind outstanding on it: a one-shot watch fired twice");
}

void CheckEngine::on_session_close(const TraceRecord& r, EndpointId s) {
  const auto left = json_int(r.detail, "ephemerals_left");
  if (!left || *left == 0) return;
  report("client.ephemeral-lifetime", r, s,
         name_of(s) + " applied the close of session " + json_string(r.detail, "session").value_or("?") +
             " and its tree still holds " + std::to_string(*left) + " of the session's ephemerals");
}

}  // namespace zablab::sim::check
