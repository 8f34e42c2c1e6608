// Every kind of semantic event a core state machine reports through Env::trace, listed once.
//
// Each row: the enum value core code emits, the stable name the trace stores (a trace.db's
// `msg_type` for `core` records; checkers, timelines, the GUI and SQL queries match on it), and
// what it means. The names never change: old recordings must still read. The detail fields each
// one carries are in docs/trace.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zablab {

// X(enum value, name, meaning)
#define ZABLAB_EVENT_KINDS(X)                                                                                 \
  X(peer_state, "peer.state", "a server's role changed (from, to, why)")                                      \
  X(peer_phase, "peer.phase", "a server's Zab phase changed: ELECTION, DISCOVERY, SYNCHRONIZATION, BROADCAST") \
  X(fle_start, "fle.start", "a server starts leader election (round, its last zxid, its epoch)")              \
  X(fle_vote_sent, "fle.vote_sent", "a server broadcasts its vote (leader, zxid, round, peer_epoch)")          \
  X(fle_vote_received, "fle.vote_received", "a server got a peer's vote (from, its state, the vote)")         \
  X(fle_decide, "fle.decide", "election ended: the leader a server settled on (leader, zxid, round)")          \
  X(zab_learner, "zab.learner", "a leader accepted a learner (sid, observer, accepted_epoch)")                 \
  X(zab_learner_lost, "zab.learner_lost", "a leader's connection to a learner broke (sid)")                    \
  X(zab_learner_dropped, "zab.learner_dropped", "a leader dropped a learner (sid, why)")                       \
  X(zab_new_epoch, "zab.new_epoch", "a leader chose its new epoch (epoch)")                                   \
  X(zab_sync, "zab.sync", "a leader chose how to sync a learner (sid, mode DIFF/TRUNC/SNAP, zxids)")          \
  X(zab_established, "zab.established", "a quorum acknowledged NEWLEADER: the leader's epoch is established") \
  X(zab_uptodate, "zab.uptodate", "a learner got UPTODATE from its leader (leader)")                          \
  X(zab_trunc, "zab.trunc", "a learner truncates its log to the leader's zxid (zxid, from)")                  \
  X(zab_snap, "zab.snap", "a learner replaced its tree by the leader's snapshot (zxid, nodes)")               \
  X(zab_propose, "zab.propose", "a leader proposed a txn (zxid, type, txn)")                                  \
  X(zab_ack, "zab.ack", "a leader counted a learner's ACK (from, zxid, acks)")                                \
  X(zab_commit, "zab.commit", "a leader commits a txn (zxid, acks, voters)")                                  \
  X(zab_revalidate, "zab.revalidate", "a learner asks its leader whether a session is still valid (session)") \
  X(zab_revalidated, "zab.revalidated", "a leader answered a session revalidation (session, learner, valid)")  \
  X(txn_commit, "txn.commit", "a server applied a txn to its tree (the whole txn)")                           \
  X(session_create, "session.create", "a server opens a new session (session, timeout_ms)")                   \
  X(session_expire, "session.expire", "a session timed out: its close is submitted (session)")                \
  X(session_close, "session.close", "a session's close was applied (session, ephemerals_left)")               \
  X(snapshot, "snapshot", "a server wrote a snapshot of its tree (zxid)")                                     \
  X(persist_point, "persist.point", "a persistence boundary a crash point can stop at (point)")               \
  X(invariant_broken, "invariant.broken", "a server's always-on protocol assertion failed (invariant, values)") \
  X(client_state, "client.state", "a client's connection state changed (state, session)")                     \
  X(client_connect, "client.connect", "a client opens a connection (host, session)")                          \
  X(client_drop, "client.drop", "a client lost its connection (session, reason)")

enum class EventKind : std::uint8_t {
#define ZABLAB_EVENT_KIND_ENUM(id, name, meaning) id,
  ZABLAB_EVENT_KINDS(ZABLAB_EVENT_KIND_ENUM)
#undef ZABLAB_EVENT_KIND_ENUM
};

struct EventKindInfo {
  EventKind kind;
  std::string_view name;
  std::string_view meaning;
};

// Every kind, in enum order.
inline constexpr std::array kEventKinds = {
#define ZABLAB_EVENT_KIND_INFO(id, name, meaning) EventKindInfo{EventKind::id, name, meaning},
    ZABLAB_EVENT_KINDS(ZABLAB_EVENT_KIND_INFO)
#undef ZABLAB_EVENT_KIND_INFO
};

// The stable name of a kind ("zab.established").
constexpr std::string_view event_name(EventKind kind) { return kEventKinds[static_cast<std::size_t>(kind)].name; }
constexpr std::string_view event_meaning(EventKind kind) {
  return kEventKinds[static_cast<std::size_t>(kind)].meaning;
}

// The names as constants, for code that compares or writes the text: core_event::zab_commit is
// "zab.commit".
namespace core_event {
#define ZABLAB_EVENT_KIND_NAME(id, name, meaning) inline constexpr std::string_view id = name;
ZABLAB_EVENT_KINDS(ZABLAB_EVENT_KIND_NAME)
#undef ZABLAB_EVENT_KIND_NAME
}  // namespace core_event

// The kind with that name; nullopt for a name no build of this one emits (a hand-edited trace).
constexpr std::optional<EventKind> event_kind_named(std::string_view name) {
  for (const auto& k : kEventKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

}  // namespace zablab
