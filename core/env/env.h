// The world as a core state machine sees it.
//
// Every server and every client in core/ is a single-threaded state machine. It is
// driven by inputs (see core/env/node.h) and acts on the outside world only through an Env.
// runtime/ implements Env over Boost.Asio, POSIX files and the steady clock; sim/ implements it
// over virtual time, a simulated network and simulated disks. Calls into Env only queue work:
// Env never calls back into the node while one of its handlers is running, so a test can run one
// handler and then read what it queued.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env/disk.h"
#include "core/env/trace_kinds.h"

namespace zablab {

// A client connection, numbered by the Env (never reused within one process or world).
using ConnId = std::uint64_t;
// A timer, numbered by the Env; it comes back as Node::on_timer(id).
using TimerId = std::uint64_t;
// A peer of the ensemble, by its myid / sid.
using PeerId = std::int64_t;

// The two ports every ensemble member listens on, as in ZooKeeper's server.N=host:quorum:election.
enum class PeerChannel : std::uint8_t { quorum = 0, election = 1 };

enum class LogLevel { debug, info, warn, error };

// A semantic event for the trace (role change, vote, proposal, commit, session expiry, ...).
// `kind` is one of core/env/trace_kinds.h (its stable name, event_name(kind), is what a trace
// stores); `detail` is a JSON object built with core/env/json_object.h.
struct TraceEvent {
  EventKind kind;
  std::string detail;
};

class Env {
 public:
  virtual ~Env() = default;

  // --- time ---
  // Milliseconds on a clock that never goes backwards; only differences mean anything.
  virtual std::int64_t now_ms() const = 0;
  // Milliseconds since the Unix epoch, for znode ctime/mtime. Virtual in the simulator.
  virtual std::int64_t wall_ms() const = 0;
  // Fires once as Node::on_timer(id) after at least delay_ms. A cancelled timer never fires.
  virtual TimerId set_timer(std::int64_t delay_ms) = 0;
  virtual void cancel_timer(TimerId id) = 0;

  // --- client transport (the client port) ---
  // Queues bytes on the connection, in call order.
  virtual void client_send(ConnId conn, std::string bytes) = 0;
  // Flushes what was queued, then closes. The node gets no on_client_closed for a close it asked for.
  virtual void client_close(ConnId conn) = 0;

  // Flow control: paused = stop reading the connection (bytes stay in the kernel, so TCP slows the
  // client down) until called again with false. A read already under way may still deliver its
  // bytes. An Env may also stop reading on its own (the runtime does while a client leaves its
  // replies unread); it resumes only when neither reason holds. The default ignores it.
  virtual void client_pause_reading(ConnId /*conn*/, bool /*paused*/) {}
  // Whether more bytes wait to be written to the connection than the Env lets pile up for one
  // client (one that sends requests and does not read the replies). While it is, the node runs no
  // more of the connection's requests, so its replies cannot grow the process without bound; the
  // Env calls Node::on_client_drained once the client has read enough. The default (the
  // simulator, whose links deliver everything): never full.
  virtual bool client_output_full(ConnId /*conn*/) const { return false; }

  // --- peer transport (quorum and election ports) ---
  // Sends one whole message to a peer on a channel. The transport keeps a connection per peer and
  // channel, opens it on demand and delivers messages whole and in order while it lasts (TCP). A
  // message sent while the peer cannot be reached is lost; when a connection that carried messages
  // breaks, both ends get Node::on_peer_disconnected, before any message of a later connection.
  virtual void peer_send(PeerId peer, PeerChannel channel, std::string message) = 0;
  // Closes the connection to a peer on a channel (a learner leaving its leader, say).
  virtual void peer_disconnect(PeerId peer, PeerChannel channel) = 0;

  // --- disk ---
  virtual Disk& disk() = 0;

  // --- randomness: all of it comes from here, seeded in the simulator ---
  virtual std::uint64_t random_u64() = 0;

  // --- lifecycle ---
  // The node cannot go on (its disk failed, its state is corrupt): the runtime exits with an
  // error, the simulator marks the node crashed. The node calls nothing after this.
  virtual void shutdown(std::string_view reason) = 0;

  // --- observability ---
  // Facts about the hosting process for the mntr four-letter word, as (key, value) pairs without
  // the "zk_" prefix: open_file_descriptor_count, max_file_descriptor_count. None in the simulator.
  virtual std::vector<std::pair<std::string, std::string>> host_metrics() const { return {}; }
  virtual void trace(const TraceEvent& event) = 0;
  virtual void log(LogLevel level, std::string_view message) = 0;
};

}  // namespace zablab
