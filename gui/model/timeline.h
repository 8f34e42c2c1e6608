// The visualizer's index over a trace: every sim::TraceRecord once, in seq order, plus what the
// views need to find quickly -- each record's category (for filters and colours), its Lamport
// clock, the messages (a net.send joined with its net.deliver, net.drop, or the crash/reset that
// lost it), and each server's phase spans (ELECTION, DISCOVERY, SYNCHRONIZATION, BROADCAST, down)
// on the time axis.
//
// Records are appended as a live world produces them or as a replay loads them; nothing is ever
// removed. Peer messages get their labels from the decoding tap (wire_decoder.h); a trace recorded
// without it names them only "quorum"/"election", and the timeline then infers what it can from
// the semantic events around them (fle.vote_sent before a notification, zab.propose after a
// PROPOSAL, zab.ack at the leader after an ACK...), marking such labels `inferred`.
//
// Pure (no ImGui), single-threaded.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gui/model/json.h"
#include "sim/trace.h"

namespace zablab::gui {

using sim::EndpointId;
using sim::kNoEndpoint;
using sim::Nanos;
using sim::TraceRecord;

// What a record is about, for filters, colours and the space-time diagram's legend.
enum class Category : std::uint8_t {
  election,   // fle.*, election-port notifications
  zab,        // zab.*, peer.*, quorum-port packets other than PING
  heartbeat,  // Zab PINGs
  client,     // client.*, client-port traffic
  session,    // session.* on servers
  txn,        // txn.commit (a txn applied to a data tree)
  net,        // connection plumbing: connect, accept, close, reset...
  disk,       // disk.*
  timer,      // timer firings
  fault,      // node.crash/restart/start/shutdown, net.partition/heal/latency
  other,      // world.config, snapshot, log...
};
inline constexpr int kCategoryCount = 11;
std::string_view category_name(Category c);

enum class Channel : std::uint8_t { none, election, quorum, client };

// Zab's phases as lanes show them, plus "down" for a crashed server.
enum class Phase : std::uint8_t { election, discovery, synchronization, broadcast, down };
std::string_view phase_name(Phase p);           // "ELECTION", ..., "down"
std::optional<Phase> parse_phase(std::string_view name);

struct Message {
  enum class Fate : std::uint8_t { in_flight, delivered, dropped, lost };
  std::size_t index = 0;
  EndpointId from = kNoEndpoint;
  EndpointId to = kNoEndpoint;
  Channel channel = Channel::none;
  Category category = Category::other;
  std::int64_t conn = -1;
  std::uint64_t send_seq = 0;
  std::int64_t end_seq = -1;  // the deliver/drop/loss record; -1 while in flight
  Fate fate = Fate::in_flight;
  Nanos sent_ns = 0;
  Nanos ended_ns = 0;
  std::string type;    // "PROPOSAL", "NOTIFICATION", "create", "reply:create", "quorum"...
  std::string label;   // what the views print: "PROPOSAL 0x100000002", "vote 3 (0x0, e0) r1"
  std::int64_t zxid = -1;
  std::string frames;  // the decoded frames, a JSON array ("" if none)
  std::string reason;  // why it was dropped or lost
  bool inferred = false;  // label guessed from semantic events (undecoded trace)
};

struct PhaseSpan {
  Phase phase = Phase::election;
  std::string role;  // "LOOKING", "FOLLOWING", ... ("" when down)
  std::uint64_t start_seq = 0;
  std::int64_t end_seq = -1;  // -1: still open
  Nanos start_ns = 0;
  Nanos end_ns = -1;
};

class Timeline {
 public:
  // Appends the next record; its seq must equal size() (traces are dense from 0).
  void append(const TraceRecord& record);
  void append(TraceRecord&& record);
  void append_all(const std::vector<TraceRecord>& records, std::size_t from = 0);
  // Room for `n` records (a trace.db says how many it holds): no reallocation while loading.
  void reserve(std::size_t n) {
    records_.reserve(n);
    meta_.reserve(n);
  }

  const std::vector<TraceRecord>& records() const { return records_; }
  std::size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  const TraceRecord& at(std::uint64_t seq) const { return records_.at(seq); }
  Category category(std::uint64_t seq) const { return meta_.at(seq).category; }
  std::uint64_t lamport(std::uint64_t seq) const { return meta_.at(seq).lamport; }
  // The message a net.send / net.deliver / net.drop (or the record that lost it) belongs to.
  std::optional<std::size_t> message_of(std::uint64_t seq) const;
  const std::vector<Message>& messages() const { return messages_; }
  const Message& message(std::size_t index) const { return messages_.at(index); }
  // The messages sent at or before record `seq_hi` that are still in flight at `seq_lo` or end
  // later (or never), in send order. Skips whole blocks of messages that ended before seq_lo, so
  // a view of a few hundred records costs little even in a trace of millions.
  void messages_overlapping(std::uint64_t seq_lo, std::uint64_t seq_hi, std::vector<std::size_t>& out) const;

  // Endpoints that appear, by id: servers 1..N (from world.config, or as seen), then clients.
  const std::vector<EndpointId>& servers() const { return servers_; }
  const std::vector<EndpointId>& clients() const { return clients_; }
  // Phase spans of one server, in order (empty for an unknown id).
  const std::vector<PhaseSpan>& phases(EndpointId server) const;

  // The last record at or before `time` (nullopt if the first is later).
  std::optional<std::uint64_t> last_at_or_before(Nanos time) const;
  Nanos end_time() const { return records_.empty() ? 0 : records_.back().time_ns; }

  // The record's detail, parsed (not cached: cheap for the one-line objects of a trace).
  JsonValue detail(std::uint64_t seq) const { return JsonValue::parse(records_.at(seq).detail); }

  // One line for lists: "s3 zab.commit 0x100000002 acks 2/3", "s1 -> s3 PROPOSAL 0x100000002".
  std::string summary(std::uint64_t seq) const;

 private:
  struct Meta {
    Category category = Category::other;
    std::uint64_t lamport = 0;
    std::int64_t message = -1;
  };
  void index_endpoint(EndpointId id);
  Category categorize(const TraceRecord& r, std::int64_t message) const;
  void on_send(const TraceRecord& r, Meta& meta);
  void end_message(std::size_t m, const TraceRecord& r, Message::Fate fate, std::string reason);
  void infer_labels(const TraceRecord& r);
  void track_phases(const TraceRecord& r);
  // The message sent by record `send_seq` (messages are kept in send order).
  std::optional<std::size_t> sent_by(std::uint64_t send_seq) const;

  std::vector<TraceRecord> records_;
  std::vector<Meta> meta_;
  std::vector<Message> messages_;
  // Per block of kMessageBlock messages: how many never ended (yet), and the latest end.
  static constexpr std::size_t kMessageBlock = 256;
  struct MessageBlock {
    std::int64_t max_end = -1;
    std::uint32_t open = 0;
  };
  std::vector<MessageBlock> blocks_;
  std::map<std::int64_t, std::vector<std::size_t>> open_by_conn_;  // conn -> messages in flight
  std::map<EndpointId, std::uint64_t> clock_;              // Lamport counters
  std::map<EndpointId, std::vector<PhaseSpan>> phases_;
  std::map<EndpointId, std::string> role_;                 // for phase spans' role text
  std::vector<EndpointId> servers_;
  std::vector<EndpointId> clients_;
  int configured_servers_ = 0;
  // Inference for undecoded peer traffic: the last vote each server sent, by server.
  std::map<EndpointId, std::string> last_vote_label_;
};

// "0x100000002"; "-" for negative.
std::string zxid_text(std::int64_t zxid);
// "s3", "c1", "world".
std::string endpoint_name(EndpointId id);
// "1.204 ms" / "2.000 s" for virtual times.
std::string time_text(Nanos t);

}  // namespace zablab::gui
