// zablab-fuzz-seeds OUT_DIR: writes a seed corpus for every fuzz target into OUT_DIR/<target>/,
// from real traffic and real files (docs/hardening.md):
//   server    client byte streams a WireClient sends through a whole session of every operation,
//             and four-letter words, under several harness flags;
//   quorum    every input a QuorumPeer received in small FakeEnv ensembles (election, broadcast,
//             an observer, a leader crash, a late joiner, a deposed leader that is TRUNCated);
//   txn_log   the txn logs, snapshot the snapshots those servers wrote to their disks;
//   jute      one filled-in sample of every record, plus real txns, notifications and packets;
//   zoo_cfg   a few configurations (fuzz.sh adds conf/ and labs/ files);
//   scenario  scenarios the simulator's seed fuzzer writes (fuzz.sh adds scenarios/).
// Deterministic: the same build writes the same files.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "core/data/acl.h"
#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/persist/txn_log.h"
#include "core/quorum/quorum_peer.h"
#include "core/server/server_core.h"
#include "core/util/hex.h"
#include "sim/scenario/fuzz.h"
#include "tests/fuzz/common.h"
#include "tests/fuzz/targets/jute.h"
#include "tests/fuzz/targets/quorum.h"
#include "tests/fuzz/targets/server.h"
#include "tests/support/wire_client.h"

using namespace zablab;
namespace fs = std::filesystem;

namespace {

fs::path g_out;
std::map<std::string, int> g_counts;

void write_seed(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ++g_counts[target];
}

// --------------------------------------------------------------------------------------------
// A Node in front of another that records every input as the `quorum` target's events, or just
// the client bytes of one connection (for the `server` target).

class Recorder : public Node {
 public:
  explicit Recorder(Node& inner) : inner_(inner) {}
  void start() override { inner_.start(); }
  void on_client_connected(ConnId conn, std::string remote) override { inner_.on_client_connected(conn, std::move(remote)); }
  void on_client_bytes(ConnId conn, std::string_view bytes) override {
    if (conn == stream_conn) stream.append(bytes);
    for (std::size_t at = 0; at < bytes.size(); at += 0xFFFF) {
      const auto part = bytes.substr(at, 0xFFFF);
      event(5);
      events.u8(static_cast<std::uint8_t>(conn - 1));
      events.u16(static_cast<std::uint16_t>(part.size()));
      events.raw(part);
    }
    inner_.on_client_bytes(conn, bytes);
  }
  void on_client_closed(ConnId conn) override {
    event(6);
    events.u8(static_cast<std::uint8_t>(conn - 1));
    inner_.on_client_closed(conn);
  }
  void on_peer_message(PeerId from, PeerChannel channel, std::string_view message) override {
    if (message.size() > 0xFFFF) throw std::runtime_error("peer message too long for a seed");
    event(channel == PeerChannel::election ? 0 : 1);
    events.u8(from_index(from));
    events.u16(static_cast<std::uint16_t>(message.size()));
    events.raw(message);
    inner_.on_peer_message(from, channel, message);
  }
  void on_peer_disconnected(PeerId peer, PeerChannel channel) override {
    event(2);
    events.u8(from_index(peer));
    events.u8(channel == PeerChannel::election ? 1 : 0);
    inner_.on_peer_disconnected(peer, channel);
  }
  void on_timer(TimerId id) override { inner_.on_timer(id); }
  void on_disk_done(DiskToken token, const DiskStatus& status) override {
    // One recorded "deliver every completion" stands for a whole FakeEnv::complete_disk call.
    if (last_ != 4) event(4);
    inner_.on_disk_done(token, status);
  }
  void advanced(std::int64_t ms) {
    event(3);
    events.u16(static_cast<std::uint16_t>(ms));
  }

  fuzz::InputWriter events;
  ConnId stream_conn = 0;
  std::string stream;

 private:
  static std::uint8_t from_index(PeerId p) {
    for (std::uint8_t i = 0; i < 5; ++i)
      if (fuzz::kFrom[i] == p) return i;
    throw std::runtime_error("peer id outside the fuzz target's table");
  }
  void event(int e) {
    events.u8(static_cast<std::uint8_t>(e));
    last_ = e;
  }
  Node& inner_;
  int last_ = -1;
};

// --------------------------------------------------------------------------------------------
// A whole client session: every operation the server knows, in a plausible order.

template <class R>
void send(test::WireClient& c, test::FakeEnv& env, Node& node, std::int32_t type, const R& body) {
  c.send(type, body);
  env.complete_disk(node);
  c.take_frames();
}

std::string multi_body(bool read_only) {
  jute::Writer w;
  auto header = [&](std::int32_t type) { jute::write(w, jute::MultiHeader{type, false, -1}); };
  if (read_only) {
    header(op::get_children);
    jute::write(w, jute::GetChildrenRequest{"/app", false});
    header(op::get_data);
    jute::write(w, jute::GetDataRequest{"/app/x", false});
  } else {
    header(op::create);
    jute::write(w, jute::CreateRequest{"/app/m", std::string("m"), data::open_acl_unsafe(), 0});
    header(op::check);
    jute::write(w, jute::CheckVersionRequest{"/app", -1});
    header(op::set_data);
    jute::write(w, jute::SetDataRequest{"/app/m", std::string("m2"), 0});
    header(op::remove);
    jute::write(w, jute::DeleteRequest{"/app/m", -1});
  }
  jute::write(w, jute::MultiHeader{-1, true, -1});
  return w.take();
}

void whole_session(test::WireClient& c, test::FakeEnv& env, Node& node, bool extended) {
  const auto acl = data::open_acl_unsafe();
  c.send_raw(fuzz::valid_connect_frame());
  env.complete_disk(node);
  c.take_frames();
  send(c, env, node, op::auth, jute::AuthPacket{0, "digest", std::string("alice:secret")});
  send(c, env, node, op::create, jute::CreateRequest{"/app", std::string("root"), acl, create_mode::persistent});
  send(c, env, node, op::create2, jute::CreateRequest{"/app/x", std::string("x"), acl, create_mode::persistent});
  send(c, env, node, op::create, jute::CreateRequest{"/app/e-", std::string("e"), acl, create_mode::ephemeral_sequential});
  send(c, env, node, op::create_container, jute::CreateRequest{"/app/box", std::string(), acl, create_mode::container});
  if (extended)
    send(c, env, node, op::create_ttl,
         jute::CreateTTLRequest{"/app/ttl", std::string("t"), acl, create_mode::persistent_with_ttl, 5000});
  std::vector<jute::ACL> digest_acl{jute::ACL{perm::all, jute::Id{"digest", "alice:XXXXXXXXXXXXXXXXXXXXXXXXXXX="}},
                       jute::ACL{perm::read, jute::Id{"world", "anyone"}}};
  send(c, env, node, op::create, jute::CreateRequest{"/app/secret", std::string("s"), digest_acl, 0});
  send(c, env, node, op::exists, jute::ExistsRequest{"/app/x", true});
  send(c, env, node, op::get_data, jute::GetDataRequest{"/app/x", true});
  send(c, env, node, op::get_children, jute::GetChildrenRequest{"/app", true});
  send(c, env, node, op::get_children2, jute::GetChildren2Request{"/app", false});
  send(c, env, node, op::set_data, jute::SetDataRequest{"/app/x", std::string("x2"), 0});
  send(c, env, node, op::get_acl, jute::GetACLRequest{"/app/x"});
  send(c, env, node, op::set_acl, jute::SetACLRequest{"/app/x", acl, 0});
  send(c, env, node, op::sync, jute::SyncRequest{"/app"});
  send(c, env, node, op::check, jute::CheckVersionRequest{"/app/x", 1});
  {
    jute::Writer w;
    jute::write(w, jute::RequestHeader{100, op::multi});
    w.raw(multi_body(false));
    c.send_raw(jute::frame(w.data()));
    env.complete_disk(node);
    jute::Writer r;
    jute::write(r, jute::RequestHeader{101, op::multi_read});
    r.raw(multi_body(true));
    c.send_raw(jute::frame(r.data()));
    env.complete_disk(node);
    c.take_frames();
  }
  send(c, env, node, op::add_watch, jute::AddWatchRequest{"/app", add_watch_mode::persistent_recursive});
  send(c, env, node, op::check_watches, jute::CheckWatchesRequest{"/app/x", watcher_type::data});
  send(c, env, node, op::remove_watches, jute::RemoveWatchesRequest{"/app/x", watcher_type::any});
  send(c, env, node, op::set_watches,
       jute::SetWatches{1, {"/app/x"}, {"/app/missing"}, {"/app"}});
  send(c, env, node, op::set_watches2,
       jute::SetWatches2{1, {"/app/x"}, {"/app/missing"}, {"/app"}, {"/app/box"}, {"/"}});
  send(c, env, node, op::get_ephemerals, jute::GetEphemeralsRequest{"/app"});
  send(c, env, node, op::get_all_children_number, jute::GetAllChildrenNumberRequest{"/app"});
  c.send_header(op::who_am_i);
  c.send_header(op::ping, xid::ping);
  send(c, env, node, op::get_data, jute::GetDataRequest{"/app/secret", false});
  send(c, env, node, op::remove, jute::DeleteRequest{"/app/x", -1});
  send(c, env, node, op::remove, jute::DeleteRequest{"/app/box", -1});
  send(c, env, node, op::get_data, jute::GetDataRequest{"/zookeeper/config", false});
  send(c, env, node, op::reconfig, jute::ReconfigRequest{"", "", "", -1});
  c.send_header(op::close_session);
  env.complete_disk(node);
}

void server_seeds() {
  for (bool extended : {false, true}) {
    test::FakeEnv env;
    server::ServerCore s(env, fuzz::fuzz_server_config(extended ? 0x06 : 0x02));
    s.start();
    env.complete_disk(s);
    Recorder rec(s);
    rec.stream_conn = 1;
    test::WireClient c(env, rec, 1, "10.0.0.7:40001");
    whole_session(c, env, rec, extended);
    const std::string& stream = rec.stream;
    const std::string tail = stream.substr(fuzz::valid_connect_frame().size());
    const std::string tag = extended ? "ttl" : "plain";
    // The raw stream (handshake included) under several flag combinations, and the requests alone
    // behind the harness's handshake.
    for (std::uint8_t flags : {0x00, 0x02, 0x1A, 0x2A, 0x62, 0x30, 0x82}) {
      const std::uint8_t f = static_cast<std::uint8_t>(flags | (extended ? 0x04 : 0));
      write_seed("server", "session-" + tag + "-" + std::to_string(f), std::string(1, static_cast<char>(f)) + stream);
    }
    write_seed("server", "requests-" + tag, std::string(1, static_cast<char>(extended ? 0x07 : 0x03)) + tail);

    // The logs and snapshots this server wrote.
    for (const auto& [path, bytes] : env.mem_disk.files) {
      const std::string name = fs::path(path).filename().string();
      if (name.rfind("log.", 0) == 0) {
        write_seed("txn_log", "standalone-" + tag + "-" + name, std::string(1, '\0') + bytes);
        for (const auto& e : persist::scan_log(bytes).entries)
          write_seed("jute", "txn-" + tag + "-" + util::hex(e.zxid),
                     std::string(1, static_cast<char>(fuzz::kTxnSelector)) + e.txn);
      } else if (name.rfind("snapshot.", 0) == 0) {
        write_seed("snapshot", "standalone-" + tag + "-" + name,
                   std::string(1, static_cast<char>(extended ? 0x02 : 0x00)) + bytes);
      }
    }
  }
  for (const char* word : {"ruok", "srvr", "stat", "mntr", "cons", "dump", "wchs", "wchc", "wchp", "envi", "conf",
                           "crst", "srst", "isro", "dirs", "gtmk"})
    write_seed("server", std::string("4lw-") + word, std::string(1, static_cast<char>(0x80)) + word);
  // A frame whose length is too large, and one that is negative.
  write_seed("server", "frame-too-large", std::string("\x00\x00\x10\x00\x00", 5));
  write_seed("server", "frame-negative", std::string("\x00\xff\xff\xff\xfe", 5));
}

// --------------------------------------------------------------------------------------------
// Small ensembles of QuorumPeers over PeerEnvs, delivering every message at once, in order.

struct Ensemble {
  explicit Ensemble(bool with_observer, std::int64_t watched_sid) : watched(watched_sid) {
    fuzz::QuorumSetup setup;
    setup.observer = with_observer;
    const int members = with_observer ? 4 : 3;
    for (std::int64_t sid = 1; sid <= members; ++sid) {
      setup.sid = sid;
      envs[sid] = std::make_unique<fuzz::PeerEnv>();
      configs[sid] = fuzz::quorum_config(setup);
      start(sid);
    }
  }
  void start(std::int64_t sid) {
    peers[sid] = std::make_unique<quorum::QuorumPeer>(*envs[sid], configs[sid]);
    if (sid == watched) recorder = std::make_unique<Recorder>(*peers[sid]);
    node(sid).start();
    envs[sid]->complete_disk(node(sid));
    alive.insert(sid);
  }
  Node& node(std::int64_t sid) { return sid == watched ? static_cast<Node&>(*recorder) : *peers[sid]; }
  bool linked(std::int64_t a, std::int64_t b) const {
    return alive.count(a) && alive.count(b) && !isolated.count(a) && !isolated.count(b);
  }
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool any = false;
      for (auto& [sid, env] : envs) {
        auto sent = std::move(env->sent);
        env->sent.clear();
        auto closes = std::move(env->disconnects);
        env->disconnects.clear();
        if (!alive.count(sid)) continue;
        for (auto& m : sent) {
          if (!linked(sid, m.to)) continue;
          any = true;
          node(m.to).on_peer_message(sid, m.channel, m.bytes);
        }
        for (auto& [to, channel] : closes)
          if (linked(sid, to)) node(to).on_peer_disconnected(sid, channel);
      }
      for (std::int64_t sid : alive) envs[sid]->complete_disk(node(sid));
      if (!any) return;
    }
  }
  void run(std::int64_t ms, std::int64_t step = 250) {
    for (std::int64_t t = 0; t < ms; t += step) {
      for (std::int64_t sid : alive) {
        if (sid == watched) recorder->advanced(step);
        envs[sid]->advance(node(sid), step);
      }
      pump();
    }
  }
  void crash(std::int64_t sid) {
    alive.erase(sid);
    for (std::int64_t other : alive) {
      node(other).on_peer_disconnected(sid, PeerChannel::quorum);
      node(other).on_peer_disconnected(sid, PeerChannel::election);
    }
    pump();
  }
  std::optional<std::int64_t> leader() const {
    for (std::int64_t sid : alive)
      if (peers.at(sid)->state() == quorum::PeerState::leading) return sid;
    return std::nullopt;
  }
  // A client of `sid` doing `writes` creates and a read; replies are ignored.
  void client_writes(std::int64_t sid, ConnId conn, int writes, const std::string& prefix) {
    test::WireClient c(*envs[sid], node(sid), conn, fuzz::quorum_remote(conn));
    c.send_raw(fuzz::valid_connect_frame());
    run(500);
    for (int i = 0; i < writes; ++i) {
      c.send(op::create, jute::CreateRequest{prefix + std::to_string(i), std::string("v"), data::open_acl_unsafe(),
                                             i % 3 == 0 ? create_mode::ephemeral : create_mode::persistent});
      pump();
    }
    c.send(op::sync, jute::SyncRequest{"/"});
    c.send(op::get_children, jute::GetChildrenRequest{"/", true});
    run(500);
    envs[sid]->out.clear();
  }
  void save(const std::string& name, std::uint8_t flags) {
    write_seed("quorum", name, std::string(1, static_cast<char>(flags)) + recorder->events.data());
  }
  void save_disks(const std::string& name) {
    for (auto& [sid, env] : envs)
      for (const auto& [path, bytes] : env->mem_disk.files) {
        const std::string file = fs::path(path).filename().string();
        if (file.rfind("log.", 0) == 0)
          write_seed("txn_log", name + "-s" + std::to_string(sid) + "-" + file, std::string(1, '\0') + bytes);
        else if (file.rfind("snapshot.", 0) == 0)
          write_seed("snapshot", name + "-s" + std::to_string(sid) + "-" + file, std::string(1, '\0') + bytes);
      }
  }
  // Real election messages and quorum packets, as jute seeds.
  static void jute_from_events(const std::string& events) {
    fuzz::Input in(reinterpret_cast<const std::uint8_t*>(events.data()), events.size());
    int n = 0;
    while (!in.empty() && n < 40) {
      const std::uint8_t e = in.u8();
      if (e <= 1) {
        in.u8();
        const std::string msg(in.take(in.u16()));
        const std::size_t sel = e == 0 ? fuzz::record_index<quorum::Notification>()
                                       : fuzz::record_index<jute::QuorumPacket>();
        write_seed("jute", "peer-" + std::to_string(n++), std::string(1, static_cast<char>(sel)) + msg);
      } else if (e == 2) {
        in.u8();
        in.u8();
      } else if (e == 3) {
        in.u16();
      } else if (e == 5) {
        in.u8();
        in.take(in.u16());
      } else if (e == 6) {
        in.u8();
      }
    }
  }

  std::int64_t watched;
  std::map<std::int64_t, std::unique_ptr<fuzz::PeerEnv>> envs;
  std::map<std::int64_t, server::ServerConfig> configs;
  std::map<std::int64_t, std::unique_ptr<quorum::QuorumPeer>> peers;
  std::unique_ptr<Recorder> recorder;
  std::set<std::int64_t> alive;
  std::set<std::int64_t> isolated;
};

// flags for the quorum target: which sid (bits 0-1), observer (bit 2); disk completions recorded.
std::uint8_t quorum_flags(std::int64_t sid, bool observer) {
  std::uint8_t pick = sid == 4 ? 3 : static_cast<std::uint8_t>(sid - 1);
  return static_cast<std::uint8_t>(pick | (observer ? 0x04 : 0));
}

void quorum_seeds() {
  // Election and broadcast, seen by each voter (sid 3 leads).
  for (std::int64_t w : {1, 2, 3}) {
    Ensemble e(false, w);
    e.run(6000);
    e.client_writes(w, 1, 12, "/w" + std::to_string(w) + "-");
    e.run(3000);
    e.save("broadcast-s" + std::to_string(w), quorum_flags(w, false));
    if (w == 3) {
      Ensemble::jute_from_events(e.recorder->events.data());
      e.save_disks("broadcast");
    }
  }
  // An observer.
  {
    Ensemble e(true, 4);
    e.run(6000);
    e.client_writes(4, 1, 8, "/obs-");
    e.client_writes(1, 2, 4, "/voter-");
    e.run(2000);
    e.save("observer-s4", quorum_flags(4, true));
  }
  // The leader crashes after some writes; the others elect sid 2 in a new epoch.
  {
    Ensemble e(false, 1);
    e.run(6000);
    e.client_writes(1, 1, 6, "/before-");
    e.crash(3);
    e.run(12000);
    e.client_writes(1, 2, 6, "/after-");
    e.run(2000);
    e.save("failover-s1", quorum_flags(1, false));
    e.save_disks("failover");
  }
  // A late joiner: sid 1 is cut off while 2 and 3 elect and take writes, then joins (DIFF).
  {
    Ensemble e(false, 1);
    e.isolated.insert(1);
    e.run(6000);
    e.client_writes(3, 1, 20, "/early-");
    e.isolated.clear();
    e.run(8000);
    e.client_writes(1, 2, 4, "/late-");
    e.run(2000);
    e.save("latejoin-s1", quorum_flags(1, false));
  }
  // A deposed leader: sid 3 proposes a write nobody hears, loses its quorum, and is TRUNCated when
  // it rejoins under sid 2.
  {
    Ensemble e(false, 3);
    e.run(6000);
    e.client_writes(3, 1, 3, "/ok-");
    e.isolated.insert(3);
    {
      test::WireClient c(*e.envs[3], e.node(3), 2, fuzz::quorum_remote(2));
      c.send_raw(fuzz::valid_connect_frame());
      e.pump();
    }
    e.run(15000);
    e.client_writes(2, 3, 5, "/new-");
    e.isolated.clear();
    e.run(10000);
    e.save("trunc-s3", quorum_flags(3, false));
    e.save_disks("trunc");
  }
}

// --------------------------------------------------------------------------------------------
// jute: one filled-in sample of every record.

template <class T>
struct is_vector : std::false_type {};
template <class E>
struct is_vector<std::vector<E>> : std::true_type {};
template <class T>
struct is_tail : std::false_type {};
template <class B>
struct is_tail<jute::OptionalTail<B>> : std::true_type {};

template <class T>
void fill(T& v) {
  if constexpr (std::is_same_v<T, std::int32_t>) {
    v = 7;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    v = 0x100000003;
  } else if constexpr (std::is_same_v<T, bool>) {
    v = true;
  } else if constexpr (std::is_same_v<T, std::string>) {
    v = "/a/b";
  } else if constexpr (std::is_same_v<T, jute::Bytes>) {
    v = std::string("data");
  } else if constexpr (is_vector<T>::value) {
    v.resize(2);
    for (auto& e : v) fill(e);
  } else if constexpr (is_tail<T>::value) {
    v.value = true;
    v.present = true;
  } else {
    T::fields(v, [](std::string_view, auto&& f) { fill(f); });
  }
}

template <std::size_t I = 0>
void jute_samples() {
  if constexpr (I < fuzz::kRecordCount) {
    using R = std::tuple_element_t<I, fuzz::JuteRecords>;
    R r;
    fill(r);
    write_seed("jute", "sample-" + std::string(R::name), std::string(1, static_cast<char>(I)) + jute::encode(r));
    jute_samples<I + 1>();
  }
}

// --------------------------------------------------------------------------------------------

void zoo_cfg_seeds() {
  write_seed("zoo_cfg", "standalone.cfg",
             "tickTime=2000\ndataDir=/var/lib/zablab\nclientPort=2181\nmaxClientCnxns=60\n"
             "4lw.commands.whitelist=srvr, stat, ruok\nautopurge.snapRetainCount=3\nautopurge.purgeInterval=1\n");
  write_seed("zoo_cfg", "ensemble.cfg",
             "# three voters and an observer\ntickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=data\n"
             "dataLogDir=logs\nclientPort=2181\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889;2182\n"
             "server.3=[::1]:2890:3890:participant;127.0.0.1:2183\nserver.4=localhost:2891:3891:observer\n"
             "peerType=participant\nstandaloneEnabled=false\nreconfigEnabled=false\n");
  write_seed("zoo_cfg", "knobs.cfg",
             "tickTime = 100\n! comment\ndataDir=d\nclientPortAddress=0.0.0.0\nclientPort=0\n"
             "minSessionTimeout=200\nmaxSessionTimeout=60000\nsnapCount=2\npreAllocSize=1024\nforceSync=no\n"
             "jute.maxbuffer=1048575\nzookeeper.extendedTypesEnabled=true\nzookeeper.skipACL=yes\n"
             "znode.container.checkIntervalMs=1000\nglobalOutstandingLimit=10\ncnxTimeout=100\n"
             "DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=\n"
             "4lw.commands.whitelist=*\nadmin.enableServer=false\nadmin.serverPort=9090\nelectionAlg=3\n"
             "syncEnabled=true\nquorumListenOnAllIPs=false\nlocalSessionsEnabled=false\nmaxCnxns=0\n"
             "clientPortListenBacklog=50\n");
}

void scenario_seeds() {
  for (std::uint64_t seed = 1; seed <= 12; ++seed)
    write_seed("scenario", "generated-" + std::to_string(seed),
               sim::scenario::generate_fuzz_case(seed, 0, "none").scenario);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: zablab-fuzz-seeds OUT_DIR\n";
    return 2;
  }
  g_out = argv[1];
  fs::create_directories(g_out);
  server_seeds();
  quorum_seeds();
  jute_samples();
  zoo_cfg_seeds();
  scenario_seeds();
  for (const auto& [target, n] : g_counts) std::cout << "seeds: " << target << ": " << n << "\n";
  return 0;
}
