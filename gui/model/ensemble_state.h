// What the ensemble looks like after a given trace record: each server's role, phase, epochs,
// zxids, vote and the votes it has heard, its data tree and committed prefix, sessions; each
// client's session, server and pending requests; the blocked links. Built only from the trace
// (a fold over records), so a live world and a replayed trace.db show the same thing.
//
// Some values are not traced directly and are derived: a follower's epochs come from its
// acceptedEpoch/currentEpoch file writes and the epoch its leader chose; its last logged zxid
// from the PROPOSALs it received (decoded traces) and fle.start's zxid. A live source can show
// the peer's exact values next to them (server inspector).
//
// StateCache answers "state after record k" for any k by folding forward from a checkpoint.
// Pure (no ImGui), single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gui/model/timeline.h"

namespace zablab::gui {

enum class Role : std::uint8_t { unknown, looking, following, leading, observing, down };
std::string_view role_name(Role r);  // "LOOKING", ..., "crashed"

struct VoteInfo {
  bool valid = false;
  std::int64_t leader = 0;
  std::int64_t zxid = 0;
  std::int64_t round = 0;  // election epoch (logicalclock)
  std::int64_t peer_epoch = 0;
  std::string state;       // the sender's state when heard ("LOOKING", "FOLLOWING"...)
  std::uint64_t seq = 0;   // the record that set it
  bool operator==(const VoteInfo&) const = default;
};

struct ZnodeInfo {
  std::string data;
  std::int64_t ephemeral_owner = 0;
  std::int64_t czxid = -1;
  std::int64_t mzxid = -1;
  int version = 0;
};

struct CommittedTxn {
  std::int64_t zxid = 0;
  std::string op;    // "create", "setData", "createSession", ...
  std::string path;  // "" if none
  std::int64_t session = 0;
};

struct ServerView {
  EndpointId id = kNoEndpoint;
  bool up = false;
  int incarnation = 0;
  std::string down_reason;
  Role role = Role::unknown;
  Phase phase = Phase::election;
  std::optional<EndpointId> leader;  // the leader it follows or is
  std::int64_t accepted_epoch = -1;  // -1: not known yet
  std::int64_t current_epoch = -1;
  std::int64_t last_logged = -1;
  std::int64_t last_committed = -1;
  // Fast Leader Election.
  bool electing = false;
  std::int64_t round = 0;
  VoteInfo vote;                         // its current proposal
  std::map<EndpointId, VoteInfo> heard;  // notifications of this round, by sender
  std::optional<std::int64_t> decided;   // the leader its last election chose
  // Zab, as leader.
  std::int64_t new_epoch = -1;
  std::set<EndpointId> learners;
  std::map<EndpointId, std::string> sync_mode;  // DIFF / TRUNC / SNAP per learner
  std::map<std::int64_t, std::set<EndpointId>> acks;  // proposals not yet committed -> who logged them
  int voters = 0;                                     // from zab.commit
  bool established = false;
  // Data.
  std::map<std::string, ZnodeInfo> tree;  // path -> node ("/" implicit)
  std::vector<CommittedTxn> committed;    // the committed prefix, in order
  std::map<std::int64_t, std::int32_t> sessions;  // global sessions it knows (id -> timeout ms)
  std::set<EndpointId> clients;                   // clients connected to it
};

struct PendingOp {
  std::uint64_t op_id = 0;
  std::string op;
  std::string path;
  std::uint64_t invoked_seq = 0;
};

struct ClientView {
  EndpointId id = kNoEndpoint;
  bool up = false;
  std::string state = "-";
  std::int64_t session = 0;
  EndpointId server = kNoEndpoint;  // the server it is connected (or connecting) to
  std::map<std::uint64_t, PendingOp> pending;
  std::string last_result;  // "create /a Ok 0x100000002"
  int completed = 0;
};

struct EnsembleState {
  std::int64_t last_seq = -1;  // the last record folded in (-1: none)
  Nanos time_ns = 0;
  std::map<EndpointId, ServerView> servers;
  std::map<EndpointId, ClientView> clients;
  std::set<std::pair<EndpointId, EndpointId>> blocked;  // (from, to): from's packets to `to` are lost

  const ServerView* server(EndpointId id) const;
  const ClientView* client(EndpointId id) const;
  std::optional<EndpointId> leader() const;  // a LEADING server that is up (the newest epoch)
  int voter_count() const;                   // servers that are not observers
  bool link_blocked(EndpointId from, EndpointId to) const { return blocked.count({from, to}) > 0; }
};

// Folds one record into `state`. `timeline` supplies decoded messages (it must hold `record`).
void apply(EnsembleState& state, const TraceRecord& record, const Timeline& timeline);

class StateCache {
 public:
  // A checkpoint every `checkpoint_every` records; past `max_checkpoints`, every other one is
  // dropped and the spacing doubles, so memory stays bounded on long runs (a jump then folds at
  // most size / max_checkpoints records).
  explicit StateCache(std::size_t checkpoint_every = 512, std::size_t max_checkpoints = 48)
      : every_(checkpoint_every), max_(max_checkpoints) {}
  // The state after record `seq` (inclusive); before any record if seq < 0. The reference stays
  // valid until the next call.
  const EnsembleState& at(const Timeline& timeline, std::int64_t seq);
  // Forget everything (a new timeline).
  void reset();

 private:
  std::size_t every_;
  std::size_t max_;
  std::vector<EnsembleState> checkpoints_;  // checkpoints_[i]: after record i*every_-1
  EnsembleState current_;
};

}  // namespace zablab::gui
