// zablab's ZooKeeper client, sans-I/O: one state machine per session handle, driven by the
// ClientNode inputs (connected / bytes / closed / timer) and acting only through a ClientEnv.
// runtime/client runs it over Boost.Asio (BlockingClient wraps it for synchronous use); sim/ runs
// it over the simulated network. See docs/client.md.
//
// Semantics follow the Java client and kazoo:
//   * start() connects to one host after the other (round robin, optionally shuffled with
//     ClientEnv::random_u64), sends a ConnectRequest and waits for the ConnectResponse.
//     Negotiated timeout <= 0 means the session expired.
//   * While connected it pings after timeout/3 of send silence and drops the connection after
//     2/3 timeout without hearing anything; it then reconnects (next host) with the same session
//     id, password and lastZxidSeen. Meanwhile the state is SUSPENDED.
//   * On (re)connect: replays add_auth credentials, re-arms every outstanding watch with
//     setWatches (101, or 105 when persistent watches exist) relative to the last zxid seen, then
//     sends the requests queued while disconnected.
//   * Requests in flight when a connection drops fail with ConnectionLoss. Requests issued while
//     CONNECTING or SUSPENDED are queued; while LOST they fail with SessionExpired; after close()
//     with ConnectionLoss.
//   * Replies must come in request order (xid); anything else, or bytes that do not decode, drops
//     the connection (and is logged) — a server can never crash the client.
//
// Callbacks, watchers and state listeners never run inside a call into the ClientEnv nor halfway
// through the client's own bookkeeping: they are queued and run, in order, just before the input
// handler or API call that produced them returns. They may call the client again (issue requests,
// close it). Everything is deterministic: no clock but ClientEnv::now_ms, no randomness but
// ClientEnv::random_u64, no threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/client/client_env.h"
#include "core/client/watch_registry.h"
#include "core/data/acl.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/jute/records.h"

namespace zablab::client {

// Connection state, as kazoo's KazooState plus the ends of the life cycle.
enum class State {
  idle,        // constructed, start() not called yet
  connecting,  // no session yet: looking for a server
  connected,   // a session and a live connection
  suspended,   // the session may still live, the connection is gone: reconnecting
  lost,        // the server said the session expired (a new one is being made if renew_session)
  closed,      // close() finished; terminal
};
// "IDLE", "CONNECTING", "CONNECTED", "SUSPENDED", "LOST", "CLOSED".
std::string_view state_name(State state);
// As ZooKeeper's Watcher.Event names them: "None", "NodeCreated", ...; "Unknown" otherwise.
std::string_view event_type_name(std::int32_t type);
// "Disconnected", "SyncConnected", "AuthFailed", "ConnectedReadOnly", "SaslAuthenticated",
// "Expired", "Closed"; "Unknown" otherwise.
std::string_view keeper_state_name(std::int32_t state);

struct AuthInfo {
  std::string scheme;      // "digest"
  std::string credential;  // "user:password"
};

struct ClientOptions {
  // "host:port" strings, tried in order (after an optional shuffle), round robin.
  std::vector<std::string> hosts{"127.0.0.1:2181"};
  // Requested session timeout; the server clamps it to [2, 20] x tickTime.
  std::int32_t session_timeout_ms = 10000;
  // How long one attempt (TCP connect + handshake) may take. 0: session timeout / number of
  // hosts, as the Java client does.
  std::int64_t connect_timeout_ms = 0;
  // Shuffle hosts once at start() (with ClientEnv::random_u64).
  bool shuffle_hosts = true;
  // Credentials sent on every connection before anything else (add_auth adds to this list).
  std::vector<AuthInfo> auth;
  // ConnectRequest.readOnly: may use a read-only server.
  bool read_only = false;
  // A request not answered this long after it was issued fails: with ConnectionLoss if it was
  // still queued (never sent), with RequestTimeout if it was in flight (and the connection is
  // dropped, as the Java client does). 0 = wait forever (kazoo).
  std::int64_t request_timeout_ms = 0;
  // Before each reconnect attempt: a random pause in [0, reconnect_jitter_ms]; after every host
  // failed once in a row, round_delay_ms more (the Java client sleeps up to 1 s, and 1 s when it
  // has tried all hosts).
  std::int64_t reconnect_jitter_ms = 200;
  std::int64_t round_delay_ms = 1000;
  // When every host failed once in a row (refused, timed out, closed during the handshake),
  // requests waiting for a connection fail with ConnectionLoss, as the Java client fails its
  // queue on each failed attempt. false (kazoo): they keep waiting (see request_timeout_ms).
  bool fail_queued_after_failed_round = false;
  // After LOST, start a new session automatically (kazoo). false: stay LOST (Java's expired
  // handle); every request then fails with SessionExpired.
  bool renew_session = true;
  // Frames from the server longer than this drop the connection.
  std::size_t max_frame_bytes = 16u << 20;
  // Resume an existing session (Java's ZooKeeper(connectString, timeout, watcher, sessionId,
  // passwd)); 0 = start a new one.
  std::int64_t session_id = 0;
  std::string session_password;  // 16 bytes when session_id != 0
};

// Every asynchronous call answers with one Result: err, and on Ok the decoded reply.
template <class T>
struct Result {
  Err err = Err::ok;
  T value{};
  bool ok() const { return err == Err::ok; }
};
template <class T>
using Callback = std::function<void(const Result<T>&)>;
using DoneCallback = std::function<void(Err)>;

struct CreateResult {
  std::string path;                // the created path (with the sequence suffix)
  std::optional<jute::Stat> stat;  // create2, containers and TTL nodes
};

struct ChildrenResult {
  std::vector<std::string> children;  // as the server sent them (unordered)
  std::optional<jute::Stat> stat;     // when asked with with_stat (getChildren2)
};

// One operation of a multi. A CreateOp with container flags becomes op 19, with TTL flags op 21
// (ttl > 0), otherwise op 1 (kazoo parses only type-1 create results).
struct CreateOp {
  std::string path;
  jute::Bytes data;
  data::Acl acl = data::open_acl_unsafe();
  std::int32_t flags = create_mode::persistent;
  std::int64_t ttl = 0;
};
struct DeleteOp {
  std::string path;
  std::int32_t version = -1;
};
struct SetDataOp {
  std::string path;
  jute::Bytes data;
  std::int32_t version = -1;
};
struct CheckOp {
  std::string path;
  std::int32_t version = -1;
};
using Op = std::variant<CreateOp, DeleteOp, SetDataOp, CheckOp>;

// One op's outcome. A failed multi reports every op: those before the failure Ok (rolled back),
// the failing one its error, those after it RuntimeInconsistency (-2); the Result's err is the
// failing op's error.
struct OpResult {
  std::int32_t type = 0;  // op::create, op::create2, op::remove, op::set_data, op::check, op::error
  Err err = Err::ok;
  std::string path;                // create
  std::optional<jute::Stat> stat;  // setData, create2
};

// Counters for tests, the simulator and the bench.
struct ClientStats {
  std::uint64_t connect_attempts = 0;
  std::uint64_t sessions_established = 0;  // ConnectResponses accepted (new or resumed)
  std::uint64_t connections_dropped = 0;
  std::uint64_t pings_sent = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t replies_received = 0;
  std::uint64_t events_received = 0;
  std::uint64_t protocol_errors = 0;  // undecodable bytes, unexpected xids, oversized frames
  std::uint64_t set_watches_sent = 0;
};

class Client final : public ClientNode {
 public:
  using StateListener = std::function<void(State)>;

  Client(ClientEnv& env, ClientOptions options);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Begins connecting. Requests issued before start() are queued.
  void start();

  State state() const { return state_; }
  std::int64_t session_id() const { return session_id_; }
  const std::string& session_password() const { return session_passwd_; }
  std::int32_t negotiated_timeout_ms() const { return negotiated_timeout_ms_; }
  std::int64_t last_zxid() const { return last_zxid_; }
  // The host of the live connection ("" when there is none).
  std::string connected_host() const;
  const ClientOptions& options() const { return options_; }
  const ClientStats& stats() const { return stats_; }
  const WatchRegistry& watches() const { return watches_; }
  // The hosts in the order they are tried (shuffled by start()).
  const std::vector<std::string>& hosts() const { return hosts_; }
  // Connection attempts that failed since the last session was established (or since start()).
  // >= hosts().size() means every host failed at least once.
  std::uint64_t consecutive_failures() const { return failures_in_a_row_; }
  // Requests waiting for a connection / sent and not answered yet.
  std::size_t queued_count() const { return outgoing_.size(); }
  std::size_t in_flight_count() const { return pending_.size(); }
  // The env's deterministic randomness, for code built on the client (recipes' GUIDs).
  std::uint64_t random_u64() { return env_.random_u64(); }

  // Called on every state change, with the new state.
  std::uint64_t add_state_listener(StateListener listener);
  void remove_state_listener(std::uint64_t id);
  // Hears every connection-state event as a WatchedEvent of type None: SyncConnected on each
  // (re)connect, Disconnected, Expired, Closed, AuthFailed. (Path watchers hear node events, and
  // once Expired or Closed when their session ends.)
  void set_default_watcher(Watcher watcher);

  // --- the ZooKeeper API. Paths are validated first (BadArguments without a round trip). ---

  // op 1 (flags 0-3), 19 (container), 21 (TTL flags, ttl in ms). value.stat only for 19/21.
  void create(std::string path, jute::Bytes data, data::Acl acl, std::int32_t flags,
              Callback<CreateResult> cb, std::int64_t ttl = 0);
  // As create, but op 15 for flags 0-3: the reply carries the new node's Stat.
  void create2(std::string path, jute::Bytes data, data::Acl acl, std::int32_t flags,
               Callback<CreateResult> cb, std::int64_t ttl = 0);
  void remove(std::string path, std::int32_t version, DoneCallback cb);
  // `watcher` non-null sets a watch: a data watch if the node exists, else an exist watch.
  void exists(std::string path, Watcher watcher, Callback<jute::Stat> cb);
  void get_data(std::string path, Watcher watcher, Callback<jute::GetDataResponse> cb);
  void set_data(std::string path, jute::Bytes data, std::int32_t version, Callback<jute::Stat> cb);
  // op 8, or 12 when with_stat.
  void get_children(std::string path, Watcher watcher, bool with_stat, Callback<ChildrenResult> cb);
  void get_acl(std::string path, Callback<jute::GetACLResponse> cb);
  void set_acl(std::string path, data::Acl acl, std::int32_t version, Callback<jute::Stat> cb);
  // value = the path the server echoed.
  void sync(std::string path, Callback<std::string> cb);
  void multi(std::vector<Op> ops, Callback<std::vector<OpResult>> cb);
  // Sends the credential now (or on connect) and on every later reconnect. cb gets this first
  // attempt's answer (AuthFailed: the credential is dropped from the replay list).
  void add_auth(std::string scheme, std::string credential, DoneCallback cb);
  // add_watch_mode::persistent or persistent_recursive.
  void add_watch(std::string path, std::int32_t mode, Watcher watcher, DoneCallback cb);
  // Removes this client's watches of `path` covered by `watcher_type` (watcher_type::children,
  // data, any) on the server and locally; the removed watchers hear ChildWatchRemoved /
  // DataWatchRemoved / PersistentWatchRemoved. NoWatcher without a round trip when there is none.
  void remove_watches(std::string path, std::int32_t watcher_type, DoneCallback cb);
  void who_am_i(Callback<std::vector<jute::ClientInfo>> cb);
  void get_ephemerals(std::string prefix_path, Callback<std::vector<std::string>> cb);
  void get_all_children_number(std::string path, Callback<std::int32_t> cb);
  // Ends the session (closeSession, then the connection). When not connected, closes at once.
  // Then CLOSED: every watcher hears Closed; later requests fail with ConnectionLoss.
  void close(DoneCallback cb = {});

  // --- ClientNode ---
  void on_connected(ConnId conn) override;
  void on_bytes(ConnId conn, std::string_view bytes) override;
  void on_closed(ConnId conn) override;
  void on_timer(TimerId id) override;

 private:
  // How a reply is consumed: err, and the reader positioned at the body (null unless err is Ok).
  // May throw jute::DecodeError; must then have queued nothing.
  using Finish = std::function<void(Err err, jute::Reader* body)>;

  struct Request {
    std::int32_t xid = 0;
    std::int32_t type = 0;
    std::string frame;          // length prefix + RequestHeader + body
    std::int64_t deadline = 0;  // request_timeout; 0 = none
    bool internal = false;      // setWatches / auth replay / ping: no user waiting
    Finish finish;
    // The watch this request asks for, registered when the reply allows it.
    std::optional<WatchKind> watch_kind;
    std::string watch_path;
    Watcher watcher;
  };

  enum class Phase { none, tcp, handshake, open, backoff };

  // --- requests ---
  std::int32_t next_xid();
  std::string request_frame(std::int32_t xid, std::int32_t type, const std::string& body) const;
  template <class R>
  Request make_request(std::int32_t type, const R& body);
  Request make_header_only_request(std::int32_t type);
  // A Finish that reads a Wire record from an Ok reply, converts it to T and queues cb.
  template <class Wire, class T, class Convert>
  Finish decoder(Callback<T> cb, Convert convert);
  void submit(Request req);
  void send_request(Request req);  // requires phase open
  void fail(Request& req, Err err);
  bool reject_path(const std::string& path, bool sequential, const std::function<void(Err)>& fail_cb);
  void create_impl(std::string path, jute::Bytes data, data::Acl acl, std::int32_t flags,
                   std::int64_t ttl, bool want_stat, Callback<CreateResult> cb);

  // --- connection life cycle ---
  void begin_connect();
  void schedule_reconnect(bool failed_attempt);
  void drop_connection(const std::string& why, bool close_socket);
  void handle_frame(std::string frame);
  void handle_connect_response(const std::string& frame);
  void handle_reply(const std::string& frame);
  void on_session_established(const jute::ConnectResponse& resp);
  void on_session_expired(const std::string& why);
  void finish_close();
  void rearm_watches();
  void send_ping();
  void protocol_error(const std::string& why);
  void set_state(State next);
  void notify_default(std::int32_t keeper_state);
  void notify_all_watchers(std::int32_t keeper_state);

  // --- timers ---
  void wake_at(std::int64_t at);
  void reschedule();
  std::int64_t next_deadline() const;
  void expire_requests(std::int64_t now);
  std::int64_t connect_timeout() const;
  std::int64_t ping_interval() const { return std::max<std::int32_t>(1, negotiated_timeout_ms_ / 3); }
  std::int64_t read_timeout() const { return std::max<std::int32_t>(1, negotiated_timeout_ms_ * 2 / 3); }

  // --- deferred callbacks ---
  void defer(std::function<void()> fn);
  void drain();

  ClientEnv& env_;
  ClientOptions options_;
  std::vector<std::string> hosts_;
  std::size_t host_index_ = 0;
  std::uint64_t failures_in_a_row_ = 0;  // attempts that did not reach an open session

  State state_ = State::idle;
  bool closing_ = false;
  std::vector<DoneCallback> close_callbacks_;

  // Session.
  std::int64_t session_id_ = 0;
  std::string session_passwd_;
  std::int32_t negotiated_timeout_ms_ = 0;
  std::int64_t last_zxid_ = 0;

  // The current connection.
  Phase phase_ = Phase::none;
  ConnId conn_ = 0;
  std::uint64_t conn_generation_ = 0;  // bumped whenever a connection ends
  std::optional<jute::FrameDecoder> decoder_;
  std::int64_t attempt_deadline_ = 0;  // tcp / handshake
  std::int64_t reconnect_at_ = 0;      // backoff
  std::int64_t last_send_ms_ = 0;
  std::int64_t last_recv_ms_ = 0;

  // Requests.
  std::int32_t xid_ = 0;
  std::deque<Request> outgoing_;      // waiting for a connection
  std::deque<Request> pending_;       // sent, answered in this order (xid >= 0, and -8)
  std::deque<Request> pending_auth_;  // auth packets in flight (xid -4, answered anywhere)

  // Credentials replayed on every connection; `cb` waits for the first answer.
  struct AuthEntry {
    std::uint64_t id = 0;
    AuthInfo info;
    DoneCallback cb;
  };
  std::vector<AuthEntry> auths_;
  std::uint64_t next_auth_id_ = 1;
  void send_auth(const AuthEntry& entry);

  WatchRegistry watches_;
  Watcher default_watcher_;
  std::map<std::uint64_t, StateListener> listeners_;
  std::uint64_t next_listener_id_ = 1;

  // The one timer: armed for the earliest thing to check.
  TimerId timer_ = 0;
  std::int64_t timer_at_ = 0;

  std::deque<std::function<void()>> completions_;
  bool draining_ = false;

  ClientStats stats_;
};

}  // namespace zablab::client
