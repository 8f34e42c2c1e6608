// The engine behind the fair lock, the read-write lock, the semaphore and leader election: each
// contender creates a protected ephemeral-sequential node in one directory, and holds when its
// node is far enough ahead in sequence order. A waiter watches only the node it waits for (its
// predecessor, or for a reader the last writer before it), so a release wakes one waiter, not
// the herd. The semaphore's waiters watch the directory instead (any of the first N may leave).
//
//   recipes::Lock lock(client, "/locks/printer");
//   lock.acquire([&](Err e) { if (e == Err::ok) ...use it...; lock.release(); });
//   lock.set_listener([&](recipes::HoldEvent ev) { if (ev != HoldEvent::acquired) ...stop using it... });
//
// Connection loss and expiry, as Curator does it:
//   * A create whose answer was lost (ConnectionLoss) is not repeated blindly: the contender lists
//     the directory and looks for its GUID prefix ("protected" nodes), and only creates again if
//     the node is not there, so a retry never leaves a second node behind.
//   * SUSPENDED (connection gone, session maybe alive): a holder stops holding (held() false, the
//     listener hears `suspended`), because its session may expire on the server before the client
//     learns it. On reconnect with the same session it re-reads the directory, and holds again
//     (`acquired`) if its node is still there and still ahead.
//   * LOST (session expired) or its node gone: a holder hears `lost` and must acquire again; a
//     contender still waiting starts over with a new node in the new session, without telling
//     the caller (its acquire callback is still pending).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/client/recipes/recipe_base.h"

namespace zablab::client::recipes {

struct SequenceLockOptions {
  enum class Rule {
    exclusive,  // holds when first among the family (lock, write lock, leader)
    shared,     // holds when no `blockers` node comes before it (read lock)
    permits,    // holds when among the first `permits` (semaphore)
  };
  std::string dir;
  std::string prefix = "lock-";                   // this contender's node name, before the sequence
  std::vector<std::string> family = {"lock-"};  // prefixes of the nodes that compete, in one order
  std::vector<std::string> blockers;             // shared: the prefixes that block it
  Rule rule = Rule::exclusive;
  int permits = 1;
  std::string data;  // the node's data (an identifier, for contenders() and tests)
};

class SequenceLock : private Guarded {
 public:
  SequenceLock(Client& client, SequenceLockOptions options);
  virtual ~SequenceLock();  // Lock, ReadLock, ... are SequenceLocks

  // Asks for it. cb(Ok) once held; cb(err) only for errors a retry cannot fix (NoAuth,
  // BadArguments, the client closed). Calling it while already acquiring or holding: cb(Ok) when
  // held, the same attempt. Expiry while waiting starts over transparently.
  void acquire(DoneCallback cb);
  // Gives it up (or stops waiting): deletes the node, retrying after ConnectionLoss. cb(Ok) once
  // the node is gone. A pending acquire callback is dropped (never called).
  void release(DoneCallback cb = {});
  // Held and connected: the only moment the owner may act as the holder.
  bool held() const { return phase_ == Phase::held; }
  // Acquiring, waiting or holding (even suspended).
  bool active() const { return phase_ != Phase::idle; }
  // Our node's name ("" when none yet).
  const std::string& node() const { return node_; }
  const SequenceLockOptions& options() const { return options_; }
  void set_listener(HoldListener listener) { listener_ = std::move(listener); }
  // The data of the contenders' nodes, in sequence order (for "who leads" displays).
  void contenders(Callback<std::vector<std::string>> cb);

 private:
  enum class Phase { idle, creating, checking, waiting, held, suspended };

  void start_over();
  void create_node();
  void find_node();
  void check();
  // Holds, or watches what it waits for. watching_dir: `children` came with a children watch.
  void decide(const std::vector<std::string>& children, bool watching_dir);
  void become_held();
  void node_gone();
  void lose(HoldEvent why);
  void fail(Err e);
  void on_state(State s);
  void notify(HoldEvent e) {
    if (listener_) listener_(e);
  }

  Client& client_;
  SequenceLockOptions options_;
  HoldListener listener_;
  std::uint64_t listener_id_ = 0;

  Phase phase_ = Phase::idle;
  std::uint64_t attempt_ = 0;    // bumped whenever an attempt starts over: older callbacks are stale
  std::string protection_;       // this attempt's "_c_<guid>-"
  std::string node_;             // our node's name in dir
  std::int64_t session_ = 0;     // the session our node belongs to
  std::uint64_t check_gen_ = 0;  // only the latest check()'s answer counts
  bool holding_ = false;         // acquired and not released or lost (held, or suspended/re-checking)
  bool restart_on_connect_ = false;  // the session expired while waiting: start over in the next
  std::vector<DoneCallback> waiting_;  // acquire callbacks
};

// A fair mutex (Curator InterProcessMutex, kazoo Lock), not reentrant.
class Lock : public SequenceLock {
 public:
  Lock(Client& client, std::string dir, std::string id = {})
      : SequenceLock(client, {std::move(dir), "lock-", {"lock-"}, {}, SequenceLockOptions::Rule::exclusive, 1, std::move(id)}) {}
};

// Curator's InterProcessReadWriteLock: many readers or one writer, in arrival order (a reader
// waits only for writers that came before it; a writer for everybody before it).
class ReadLock : public SequenceLock {
 public:
  ReadLock(Client& client, std::string dir, std::string id = {})
      : SequenceLock(client, {std::move(dir), "read-", {"read-", "write-"}, {"write-"}, SequenceLockOptions::Rule::shared, 1, std::move(id)}) {}
};
class WriteLock : public SequenceLock {
 public:
  WriteLock(Client& client, std::string dir, std::string id = {})
      : SequenceLock(client, {std::move(dir), "write-", {"read-", "write-"}, {}, SequenceLockOptions::Rule::exclusive, 1, std::move(id)}) {}
};

// kazoo's Semaphore: at most `permits` holders at once (each Semaphore object holds one lease).
class Semaphore : public SequenceLock {
 public:
  Semaphore(Client& client, std::string dir, int permits, std::string id = {})
      : SequenceLock(client, {std::move(dir), "lease-", {"lease-"}, {}, SequenceLockOptions::Rule::permits, permits, std::move(id)}) {}
};

}  // namespace zablab::client::recipes
