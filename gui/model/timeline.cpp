#include "gui/model/timeline.h"

#include "sim/checkers/json_fields.h"

#include <algorithm>
#include <cstdio>

#include "core/util/hex.h"
#include "sim/addresses.h"
#include "sim/sim_network.h"

namespace zablab::gui {

namespace tk = sim::trace_kind;

std::string_view category_name(Category c) {
  switch (c) {
    case Category::election: return "election";
    case Category::zab: return "zab";
    case Category::heartbeat: return "heartbeat";
    case Category::client: return "client";
    case Category::session: return "session";
    case Category::txn: return "txn";
    case Category::net: return "net";
    case Category::disk: return "disk";
    case Category::timer: return "timer";
    case Category::fault: return "fault";
    case Category::other: return "other";
  }
  return "other";
}

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::election: return "ELECTION";
    case Phase::discovery: return "DISCOVERY";
    case Phase::synchronization: return "SYNCHRONIZATION";
    case Phase::broadcast: return "BROADCAST";
    case Phase::down: return "down";
  }
  return "?";
}

std::optional<Phase> parse_phase(std::string_view name) {
  if (name == "ELECTION") return Phase::election;
  if (name == "DISCOVERY") return Phase::discovery;
  if (name == "SYNCHRONIZATION") return Phase::synchronization;
  if (name == "BROADCAST") return Phase::broadcast;
  return std::nullopt;
}

std::string zxid_text(std::int64_t zxid) { return zxid < 0 ? "-" : util::hex(zxid); }

std::string endpoint_name(EndpointId id) { return sim::name_of(id); }

std::string time_text(Nanos t) {
  char buf[48];
  if (t < 10 * sim::kMillisecond * 1000) {
    std::snprintf(buf, sizeof buf, "%.3f ms", static_cast<double>(t) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(t) / 1e9);
  }
  return buf;
}

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool undecoded_type(std::string_view t) {
  return t.empty() || t == "quorum" || t == "election" || t == "undecodable" || t == "quorum?" || t == "election?";
}
bool undecoded(const Message& m) { return undecoded_type(m.type); }

std::string epoch_text(std::int64_t zxid) {
  return zxid < 0 ? std::string("?") : std::to_string(static_cast<std::uint64_t>(zxid) >> 32);
}

// The short label a view prints for a decoded message. Works with the simulator's own peer tap
// (fields: type, zxid, vote) and with gui's richer decoder (more fields).
std::string label_of(const std::string& type, std::int64_t zxid, const JsonValue& frames) {
  const JsonValue& f = frames.at(0);
  const std::int64_t z = f.has("zxid") ? f["zxid"].int_or(zxid) : zxid;
  if (type == "vote" || type == "NOTIFICATION") {
    return "vote " + f["leader"].str() + " r" + f["round"].str() + " (e" + f["peer_epoch"].str() + ", " +
           f["zxid"].str() + ")";
  }
  if (type == "election" || type == "election?") return "notification";
  if (undecoded_type(type)) return "Zab packet";
  if (type == "REQUEST") return f.has("op") ? "REQUEST " + f["op"].str() : "REQUEST";
  if (type == "FOLLOWERINFO" || type == "OBSERVERINFO" || type == "LEADERINFO" || type == "NEWLEADER")
    return type + " e" + epoch_text(z);
  if (type == "ACKEPOCH") return "ACKEPOCH " + zxid_text(z);
  if (type == "PING" || type == "UPTODATE" || type == "SYNC") return type;
  std::string out = type;
  if (z >= 0 && (starts_with(type, "PROPOSAL") || starts_with(type, "ACK") || starts_with(type, "COMMIT") ||
                 starts_with(type, "INFORM") || starts_with(type, "DIFF") || starts_with(type, "TRUNC") ||
                 starts_with(type, "SNAP")))
    out += " " + util::hex(z);
  else if (f.has("path") && !starts_with(type, "reply:"))
    out += " " + f["path"].str();
  return out;
}

}  // namespace

void Timeline::index_endpoint(EndpointId id) {
  if (sim::is_server(id)) {
    if (!std::binary_search(servers_.begin(), servers_.end(), id)) {
      servers_.insert(std::upper_bound(servers_.begin(), servers_.end(), id), id);
    }
  } else if (sim::is_client(id)) {
    if (!std::binary_search(clients_.begin(), clients_.end(), id))
      clients_.insert(std::upper_bound(clients_.begin(), clients_.end(), id), id);
  }
}

Category Timeline::categorize(const TraceRecord& r, std::int64_t message) const {
  const std::string_view kind = r.kind;
  if (message >= 0) return messages_[static_cast<std::size_t>(message)].category;
  if (kind == tk::core) {
    const std::string_view t = r.msg_type;
    if (starts_with(t, "fle.")) return Category::election;
    if (starts_with(t, "zab.") || starts_with(t, "peer.")) return Category::zab;
    if (starts_with(t, "session.")) return Category::session;
    if (t == core_event::txn_commit) return Category::txn;
    if (starts_with(t, "client.")) return Category::client;
    return Category::other;
  }
  if (kind == tk::partition || kind == tk::heal || kind == tk::latency || kind == tk::stall || kind == tk::unstall)
    return Category::fault;
  if (kind == tk::drop) {
    const auto port = sim::check::json_int(r.detail, "port").value_or(0);
    if (port == sim::port::election) return Category::election;
    if (port == sim::port::quorum) return Category::zab;
    return Category::net;
  }
  if (starts_with(kind, "net.")) return Category::net;
  if (starts_with(kind, "disk.")) return Category::disk;
  if (kind == tk::timer) return Category::timer;
  if (starts_with(kind, "node.")) return Category::fault;
  if (kind == tk::client_invoke || kind == tk::client_return) return Category::client;
  // Scenario runs (sim/scenario): the script's actions and expectations, checker verdicts.
  if (starts_with(kind, "scenario.") || starts_with(kind, "check.")) return Category::fault;
  if (kind == tk::op_result || starts_with(kind, "recipe.")) return Category::client;
  return Category::other;
}

void Timeline::append_all(const std::vector<TraceRecord>& records, std::size_t from) {
  for (std::size_t i = from; i < records.size(); ++i) append(records[i]);
}

void Timeline::on_send(const TraceRecord& r, Meta& meta) {
  Message m;
  m.index = messages_.size();
  m.from = r.from;
  m.to = r.to;
  m.conn = sim::check::json_int(r.detail, "conn").value_or(-1);
  m.send_seq = r.seq;
  m.sent_ns = r.time_ns;
  m.type = r.msg_type;
  m.zxid = r.zxid;
  // Only the frames are parsed (a send's detail also holds its connection and size).
  const auto raw_frames = sim::check::json_member(r.detail, "frames");
  if (raw_frames) m.frames = std::string(*raw_frames);
  const JsonValue frames = raw_frames ? JsonValue::parse(*raw_frames) : JsonValue();
  const bool peer_to_peer = sim::is_server(r.from) && sim::is_server(r.to);
  if (peer_to_peer) {
    // The port says which channel; the connection was announced by net.connect / net.accept.
    const std::string first = frames.at(0)["type"].str();
    if (m.type == "election" || m.type == "vote" || m.type == "NOTIFICATION" || m.type == "election?" ||
        first == "election" || first == "vote")
      m.channel = Channel::election;
    else
      m.channel = Channel::quorum;
  } else {
    m.channel = Channel::client;
  }
  m.label = label_of(m.type, m.zxid, frames);
  if (m.channel == Channel::election) {
    m.category = Category::election;
    if (undecoded(m)) {
      auto it = last_vote_label_.find(r.from);
      if (it != last_vote_label_.end()) {
        m.label = it->second;
        m.inferred = true;
      }
    }
  } else if (m.channel == Channel::quorum) {
    m.category = m.type == "PING" ? Category::heartbeat : Category::zab;
  } else {
    m.category = (m.type == "ping" || m.type == "reply:ping") ? Category::heartbeat : Category::client;
  }
  meta.message = static_cast<std::int64_t>(m.index);
  if (m.conn >= 0) open_by_conn_[m.conn].push_back(m.index);
  if (m.index / kMessageBlock >= blocks_.size()) blocks_.emplace_back();
  ++blocks_[m.index / kMessageBlock].open;
  messages_.push_back(std::move(m));
}

void Timeline::messages_overlapping(std::uint64_t seq_lo, std::uint64_t seq_hi, std::vector<std::size_t>& out) const {
  out.clear();
  // Messages are in send order: those sent by seq_hi are a prefix.
  const auto end = std::upper_bound(messages_.begin(), messages_.end(), seq_hi,
                                    [](std::uint64_t s, const Message& m) { return s < m.send_seq; });
  const std::size_t n = static_cast<std::size_t>(end - messages_.begin());
  for (std::size_t b = (n + kMessageBlock - 1) / kMessageBlock; b-- > 0;) {
    const MessageBlock& block = blocks_[b];
    if (block.open == 0 && block.max_end < static_cast<std::int64_t>(seq_lo)) continue;  // all over before seq_lo
    const std::size_t first = b * kMessageBlock, last = std::min(n, first + kMessageBlock);
    for (std::size_t i = last; i-- > first;) {
      const Message& m = messages_[i];
      if (m.end_seq < 0 || m.end_seq >= static_cast<std::int64_t>(seq_lo)) out.push_back(i);
    }
  }
  std::reverse(out.begin(), out.end());
}

void Timeline::end_message(std::size_t index, const TraceRecord& r, Message::Fate fate, std::string reason) {
  Message& m = messages_[index];
  if (m.fate == Message::Fate::delivered || m.fate == Message::Fate::dropped) return;
  MessageBlock& block = blocks_[index / kMessageBlock];
  if (m.end_seq < 0) --block.open;
  block.max_end = std::max(block.max_end, static_cast<std::int64_t>(r.seq));
  m.fate = fate;
  m.end_seq = static_cast<std::int64_t>(r.seq);
  m.ended_ns = r.time_ns;
  m.reason = std::move(reason);
  if (m.conn >= 0) {
    auto it = open_by_conn_.find(m.conn);
    if (it != open_by_conn_.end()) {
      auto& v = it->second;
      v.erase(std::remove(v.begin(), v.end(), index), v.end());
      if (v.empty()) open_by_conn_.erase(it);
    }
  }
}

void Timeline::infer_labels(const TraceRecord& r) {
  const std::string& t = r.msg_type;
  // Only these name an undecoded message; the rest (txn.commit carries a whole txn) are not parsed.
  static constexpr std::string_view kLabelling[] = {
      core_event::fle_vote_sent, core_event::fle_decide,  core_event::fle_vote_received, core_event::zab_learner,
      core_event::zab_ack,       core_event::zab_uptodate, core_event::txn_commit,       core_event::zab_propose,
      core_event::zab_commit,    core_event::zab_sync,     core_event::zab_established};
  if (std::find(std::begin(kLabelling), std::end(kLabelling), t) == std::end(kLabelling)) return;
  const JsonValue d = t == core_event::txn_commit ? JsonValue() : JsonValue::parse(r.detail);
  const EndpointId n = r.node;
  if (t == core_event::fle_vote_sent || t == core_event::fle_decide) {
    last_vote_label_[n] = "vote " + d["leader"].str() + " r" + d["round"].str() + " (e" +
                          (d.has("peer_epoch") ? d["peer_epoch"].str() : std::string("?")) + ", " + d["zxid"].str() +
                          ")";
    return;
  }
  // The message delivered to `n` just before this record, in the same handler.
  auto delivered_before = [&](EndpointId from) -> Message* {
    for (std::uint64_t s = r.seq; s-- > 0;) {
      const TraceRecord& p = records_[s];
      if (p.time_ns != r.time_ns || p.node != n) return nullptr;
      if (p.kind != tk::deliver) continue;
      const auto mi = meta_[s].message;
      if (mi < 0) return nullptr;
      Message& m = messages_[static_cast<std::size_t>(mi)];
      return (from == kNoEndpoint || m.from == from) && undecoded(m) && !m.inferred ? &m : nullptr;
    }
    return nullptr;
  };
  // The undecoded quorum messages `n` sent just before this record, in the same handler, oldest first.
  auto sent_before = [&](EndpointId to) {
    std::vector<Message*> out;
    for (std::uint64_t s = r.seq; s-- > 0;) {
      const TraceRecord& p = records_[s];
      if (p.time_ns != r.time_ns || p.node != n) break;
      if (p.kind != tk::send) continue;
      const auto mi = meta_[s].message;
      if (mi < 0) continue;
      Message& m = messages_[static_cast<std::size_t>(mi)];
      if (m.channel == Channel::quorum && undecoded(m) && m.label == "Zab packet" && (to == kNoEndpoint || m.to == to))
        out.insert(out.begin(), &m);
    }
    return out;
  };
  auto set = [](Message* m, std::string label, std::int64_t zxid = -1) {
    if (!m) return;
    m->label = std::move(label);
    if (zxid >= 0) m->zxid = zxid;
    m->inferred = true;
  };
  const std::int64_t zxid = d["zxid"].int_or(-1);
  if (t == core_event::fle_vote_received) {
    set(delivered_before(d["from"].int_or(kNoEndpoint)),
        "vote " + d["leader"].str() + " r" + d["round"].str() + " (e" + d["peer_epoch"].str() + ", " + d["zxid"].str() + ")");
  } else if (t == core_event::zab_learner) {
    set(delivered_before(d["sid"].int_or(kNoEndpoint)),
        d["observer"].as_bool() ? "OBSERVERINFO" : "FOLLOWERINFO e" + d["accepted_epoch"].str());
  } else if (t == core_event::zab_ack) {
    set(delivered_before(d["from"].int_or(kNoEndpoint)), "ACK " + zxid_text(zxid), zxid);
  } else if (t == core_event::zab_uptodate) {
    set(delivered_before(d["leader"].int_or(kNoEndpoint)), "UPTODATE");
  } else if (t == core_event::txn_commit) {
    const std::int64_t z = r.zxid;
    Message* m = delivered_before(kNoEndpoint);
    if (m && m->channel == Channel::quorum) set(m, "COMMIT " + zxid_text(z), z);
  } else if (t == core_event::zab_propose) {
    for (Message* m : sent_before(kNoEndpoint)) set(m, "PROPOSAL " + zxid_text(zxid), zxid);
  } else if (t == core_event::zab_commit) {
    for (Message* m : sent_before(kNoEndpoint)) set(m, "COMMIT " + zxid_text(zxid), zxid);
  } else if (t == core_event::zab_sync) {
    auto sent = sent_before(d["sid"].int_or(kNoEndpoint));
    for (std::size_t i = 0; i < sent.size(); ++i) {
      if (i == 0)
        set(sent[i], d["mode"].str());
      else if (i + 1 == sent.size())
        set(sent[i], "NEWLEADER");
      else
        set(sent[i], "(sync txn)");
    }
  } else if (t == core_event::zab_established) {
    for (Message* m : sent_before(kNoEndpoint)) set(m, "UPTODATE");
  }
}

void Timeline::track_phases(const TraceRecord& r) {
  if (!sim::is_server(r.node)) return;
  auto& spans = phases_[r.node];
  auto open = [&](Phase p, std::string role) {
    if (!spans.empty() && spans.back().end_seq < 0) {
      spans.back().end_seq = static_cast<std::int64_t>(r.seq);
      spans.back().end_ns = r.time_ns;
    }
    PhaseSpan s;
    s.phase = p;
    s.role = std::move(role);
    s.start_seq = r.seq;
    s.start_ns = r.time_ns;
    spans.push_back(std::move(s));
  };
  const std::string_view kind = r.kind;
  if (kind == tk::start || kind == tk::restart) {
    role_[r.node] = "LOOKING";
    open(Phase::election, "LOOKING");
  } else if (kind == tk::crash || kind == tk::shutdown) {
    role_[r.node].clear();
    open(Phase::down, "");
  } else if (kind == tk::core && r.msg_type == core_event::peer_phase) {
    if (auto p = parse_phase(sim::check::json_string(r.detail, "phase").value_or(""))) open(*p, role_[r.node]);
  } else if (kind == tk::core && r.msg_type == core_event::peer_state) {
    const std::string to = sim::check::json_string(r.detail, "to").value_or("");
    role_[r.node] = to;
    if (spans.empty() || spans.back().end_seq >= 0) return;
    if (spans.back().start_ns == r.time_ns || spans.back().role == to)
      spans.back().role = to;
    else
      open(spans.back().phase, to);
  }
}

void Timeline::append(const TraceRecord& record) { append(TraceRecord(record)); }

void Timeline::append(TraceRecord&& record) {
  record.seq = records_.size();  // tolerate gaps (a filtered export): keep seq dense here
  records_.push_back(std::move(record));
  meta_.push_back({});
  const TraceRecord& r = records_.back();
  Meta& meta = meta_.back();
  // The detail is read member by member, and parsed whole only where a record needs it: most of a
  // big trace is sends, deliveries and disk records, and parsing each was most of opening one.
  if (r.kind == tk::world_config) {
    configured_servers_ = static_cast<int>(sim::check::json_int(r.detail, "servers").value_or(0));
    for (EndpointId id = 1; id <= configured_servers_; ++id) index_endpoint(id);
  }
  index_endpoint(r.node);
  index_endpoint(r.from);
  index_endpoint(r.to);

  // Messages.
  const std::string_view kind = r.kind;
  if (kind == tk::send) {
    on_send(r, meta);
  } else if (kind == tk::deliver || kind == tk::drop) {
    const auto send_seq = sim::check::json_int(r.detail, "send_seq").value_or(-1);
    const auto sent = send_seq >= 0 ? sent_by(static_cast<std::uint64_t>(send_seq)) : std::nullopt;
    if (sent) {
      meta.message = static_cast<std::int64_t>(*sent);
      if (kind == tk::deliver)
        end_message(*sent, r, Message::Fate::delivered, {});
      else
        end_message(*sent, r, Message::Fate::dropped, sim::check::json_string(r.detail, "reason").value_or(""));
    }
  } else if (kind == tk::crash || kind == tk::shutdown) {
    std::vector<std::size_t> lost;
    for (const auto& [conn, list] : open_by_conn_)
      for (std::size_t m : list)
        if (messages_[m].from == r.node || messages_[m].to == r.node) lost.push_back(m);
    for (std::size_t m : lost) end_message(m, r, Message::Fate::lost, endpoint_name(r.node) + " went down");
  } else if (kind == tk::reset || kind == tk::closed) {
    const auto conn = sim::check::json_int(r.detail, "conn").value_or(-1);
    auto it = open_by_conn_.find(conn);
    if (it != open_by_conn_.end()) {
      std::vector<std::size_t> lost;
      for (std::size_t m : it->second)
        if (kind == tk::reset || messages_[m].to == r.node) lost.push_back(m);
      for (std::size_t m : lost)
        end_message(m, r, Message::Fate::lost, std::string("connection ") + (kind == tk::reset ? "reset" : "closed"));
    }
  }

  meta.category = categorize(r, meta.message);

  // Lamport clock: one counter per node; a delivery also waits for its send.
  if (r.node != kNoEndpoint) {
    std::uint64_t& c = clock_[r.node];
    std::uint64_t l = c + 1;
    if (kind == tk::deliver && meta.message >= 0) {
      const auto& m = messages_[static_cast<std::size_t>(meta.message)];
      l = std::max(l, meta_[m.send_seq].lamport + 1);
    }
    c = l;
    meta.lamport = l;
  }

  if (kind == tk::core) infer_labels(r);
  track_phases(r);
}

std::optional<std::size_t> Timeline::sent_by(std::uint64_t send_seq) const {
  const auto it = std::lower_bound(messages_.begin(), messages_.end(), send_seq,
                                   [](const Message& m, std::uint64_t s) { return m.send_seq < s; });
  if (it == messages_.end() || it->send_seq != send_seq) return std::nullopt;
  return static_cast<std::size_t>(it - messages_.begin());
}

std::optional<std::size_t> Timeline::message_of(std::uint64_t seq) const {
  if (seq >= meta_.size() || meta_[seq].message < 0) return std::nullopt;
  return static_cast<std::size_t>(meta_[seq].message);
}

const std::vector<PhaseSpan>& Timeline::phases(EndpointId server) const {
  static const std::vector<PhaseSpan> kNone;
  auto it = phases_.find(server);
  return it == phases_.end() ? kNone : it->second;
}

std::optional<std::uint64_t> Timeline::last_at_or_before(Nanos time) const {
  auto it = std::upper_bound(records_.begin(), records_.end(), time,
                             [](Nanos t, const TraceRecord& r) { return t < r.time_ns; });
  if (it == records_.begin()) return std::nullopt;
  return static_cast<std::uint64_t>((it - records_.begin()) - 1);
}

namespace {

// "k=v k=v" from a flat detail object, skipping nested values.
std::string flat_fields(const JsonValue& d, std::initializer_list<std::string_view> skip = {}) {
  std::string out;
  for (const auto& [k, v] : d.members()) {
    if (v.is_object() || v.is_array()) continue;
    if (std::find(skip.begin(), skip.end(), k) != skip.end()) continue;
    if (!out.empty()) out += ' ';
    out += k + "=" + v.str();
  }
  return out;
}

}  // namespace

std::string Timeline::summary(std::uint64_t seq) const {
  const TraceRecord& r = records_.at(seq);
  const JsonValue d = JsonValue::parse(r.detail);
  const std::string node = endpoint_name(r.node);
  const std::string_view kind = r.kind;
  if (auto mi = message_of(seq); mi && (kind == tk::send || kind == tk::deliver || kind == tk::drop)) {
    const Message& m = messages_[*mi];
    if (kind == tk::send) return endpoint_name(m.from) + " -> " + endpoint_name(m.to) + "  " + m.label;
    if (kind == tk::deliver) return endpoint_name(m.to) + " <- " + endpoint_name(m.from) + "  " + m.label;
    return endpoint_name(m.from) + " -x " + endpoint_name(m.to) + "  " + m.label + " lost (" + m.reason + ")";
  }
  if (kind == tk::core) {
    if (r.msg_type == core_event::txn_commit) {
      const JsonValue& op = d["ops"].at(0);
      std::string what = op["type"].str();
      if (op["txn"].has("path")) what += " " + op["txn"]["path"].str();
      if (d["ops"].size() == 0) what = "multi";
      return node + " txn.commit " + zxid_text(r.zxid) + " " + what;
    }
    return node + " " + r.msg_type + " " + flat_fields(d);
  }
  if (kind == tk::partition && d.has("groups")) return "partition " + d["groups"].dump();
  if (kind == tk::partition || kind == tk::heal) {
    if (r.from != kNoEndpoint) return std::string(kind) + " " + endpoint_name(r.from) + " -> " + endpoint_name(r.to);
    return std::string(kind) + " all";
  }
  if (kind == tk::client_invoke) return node + " invoke " + r.msg_type + " " + d["path"].str();
  if (kind == tk::client_return)
    return node + " return " + r.msg_type + " " + d["err"].str() + (r.zxid >= 0 ? " zxid=" + zxid_text(r.zxid) : "");
  std::string out = (r.node == kNoEndpoint ? std::string("world") : node) + " " + std::string(kind);
  if (r.from != kNoEndpoint && r.to != kNoEndpoint && r.kind.rfind("net.", 0) == 0)
    out += " " + endpoint_name(r.from) + "->" + endpoint_name(r.to);
  const std::string f = flat_fields(d, {"token", "conn"});
  if (!f.empty()) out += " " + f;
  return out;
}

}  // namespace zablab::gui
