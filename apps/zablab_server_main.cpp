// zablab-server [options] <zoo.cfg>: a ZooKeeper-compatible server on real TCP and disk, standalone
// or, when zoo.cfg lists the ensemble (server.N lines) and <dataDir>/myid says which N this is, one
// member of a multi-process ensemble (Fast Leader Election and Zab over the quorum and election
// ports of the server.N lines).
//
// Exit codes: 0 after SIGINT/SIGTERM; 1 when the server cannot run (port taken, data directory
// not writable, the node shut itself down after a disk error); 2 for a bad command line or zoo.cfg.
//
// Once it listens, it prints exactly one line on stdout, "zablab-server: serving on <addr>:<port>",
// which tests read to learn the port (clientPort=0 lets the OS pick one). An ensemble member may not
// serve clients yet at that point: until it has a leader it closes their connections, as ZooKeeper
// does. Everything else goes to stderr as log lines.
//
// --trace FILE records the core's trace events (elections, Zab phases, proposals, commits,
// sessions) and, for an ensemble member, every peer message it sends and receives (election
// notifications, QuorumPackets) to FILE in the simulator's SQLite schema (docs/trace.md), with
// wall-clock times, so zablab-viz, `zablab-sim replay FILE` and `zablab-sim export FILE --chrome
// out.json` read it.
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <boost/program_options.hpp>

#include "core/quorum/quorum_peer.h"
#include "core/server/server_config.h"
#include "core/server/server_core.h"
#include "runtime/asio_env.h"
#include "runtime/log.h"
#include "runtime/zoo_config.h"
#include "sim/json.h"
#include "sim/record/live_recorder.h"

namespace {

namespace po = boost::program_options;
using zablab::LogLevel;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void print_usage(std::ostream& out, const po::options_description& options) {
  out << "usage: zablab-server [options] <zoo.cfg>\n"
         "\n"
         "Runs a ZooKeeper-compatible server configured by zoo.cfg (Apache ZooKeeper 3.8 keys; see\n"
         "docs/configuration.md): standalone, or one member of an ensemble when zoo.cfg has server.N\n"
         "lines and <dataDir>/myid holds this member's N. Stops cleanly on SIGINT or SIGTERM.\n"
         "\n"
      << options << "\n";
}

// Logging before the AsioEnv exists (and after it is gone): same format, same filter.
void early_log(LogLevel min_level, LogLevel level, const std::string& message) {
  if (static_cast<int>(level) < static_cast<int>(min_level)) return;
  zablab::runtime::write_stderr_line(
      zablab::runtime::format_log_line(zablab::runtime::system_wall_ms(), level, message));
}

// The address a client on this machine would use to reach a server bound to `address`.
std::string client_host_for(const std::string& address) {
  if (address.empty() || address == "0.0.0.0") return "127.0.0.1";
  if (address == "::" || address == "[::]") return "::1";
  return address;
}

// --trace for an ensemble member: the peer messages it sends and receives, as the simulator
// records them (sim/record/live_recorder.h). The recorder outlives the transport's use of it:
// finish_trace removes this listener first.
void record_peer_messages(zablab::runtime::AsioEnv& env, zablab::runtime::PeerTransport& peers,
                          zablab::sim::record::LiveRecorder& recorder, const zablab::server::ServerConfig& config) {
  // The node's own bounds on what a peer may send (QuorumPeer::on_quorum_bytes).
  recorder.set_peer_limits({static_cast<std::size_t>(config.max_buffer) * 2 + (std::size_t{1} << 20),
                            config.extended_types_enabled});
  peers.set_wire_listener([&env, &recorder](const zablab::runtime::PeerWireEvent& e) {
    using Kind = zablab::runtime::PeerWireEvent::Kind;
    if (e.kind == Kind::closed) {
      recorder.forget_peer_connection(e.conn);
      return;
    }
    recorder.add_peer_bytes(env.wall_ms(), e.conn, e.peer, e.channel, e.kind == Kind::sent, e.bytes);
  });
}

void stop_recording_peers(zablab::runtime::AsioEnv& env) {
  if (auto* peers = env.peer_transport()) peers->set_wire_listener(nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  // ----- command line ---------------------------------------------------------------------------
  std::string log_level_text = "info";
  std::string config_path;
  std::string trace_path;
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit")(
      "log-level", po::value<std::string>(&log_level_text)->value_name("LEVEL")->default_value("info"),
      "least severe log level written to stderr: debug, info, warn or error")(
      "trace", po::value<std::string>(&trace_path)->value_name("FILE"),
      "record the core's trace events and the peer messages to this SQLite file (docs/trace.md); replaces "
      "the file");
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>(&config_path), "zoo.cfg");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "zablab-server: " << e.what() << "\n";
    print_usage(std::cerr, options);
    return kExitUsage;
  }
  if (vm.count("help") != 0) {
    print_usage(std::cout, options);
    return EXIT_SUCCESS;
  }
  const std::optional<LogLevel> log_level = zablab::runtime::parse_log_level(log_level_text);
  if (!log_level) {
    std::cerr << "zablab-server: --log-level must be debug, info, warn or error, got '" << log_level_text
              << "'\n";
    return kExitUsage;
  }
  if (config_path.empty()) {
    std::cerr << "zablab-server: missing the zoo.cfg argument\n";
    print_usage(std::cerr, options);
    return kExitUsage;
  }

  // ----- zoo.cfg --------------------------------------------------------------------------------
  zablab::runtime::ZooConfig config;
  try {
    config = zablab::runtime::load_zoo_cfg(config_path);
  } catch (const zablab::runtime::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return kExitUsage;
  }
  for (const auto& warning : config.warnings) early_log(*log_level, LogLevel::warn, warning);
  const bool ensemble = config.distributed();
  std::int64_t myid = 0;
  std::string myid_file;
  zablab::server::ServerConfig server_config;
  try {
    if (ensemble) {
      myid_file = zablab::runtime::myid_path(config);
      myid = zablab::runtime::read_myid(myid_file);
    }
    server_config = zablab::runtime::to_server_config(config, myid, myid_file);
  } catch (const zablab::runtime::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return kExitUsage;
  }
  if (ensemble) {
    const bool observer = server_config.quorum_servers.at(myid).observer;
    if (observer != (config.peer_type == zablab::runtime::PeerType::observer)) {
      // ZooKeeper's QuorumPeerConfig does the same: every member must agree on who votes, and
      // they all read the server.N lines.
      early_log(*log_level, LogLevel::warn,
                config.file + ": peerType=" + (observer ? "participant" : "observer") + " but server." +
                    std::to_string(myid) + " is " + (observer ? "an observer" : "a participant") +
                    ": the server.N line decides");
    }
  } else if (!config.servers.empty()) {
    early_log(*log_level, LogLevel::warn,
              config.file + ": server.N lines ignored: a single participant runs standalone");
  }

  // Relative directories are relative to the working directory, as in ZooKeeper. They are made
  // absolute once here so that log lines and the `conf` four-letter word show where data lives.
  for (std::string* dir : {&server_config.data_dir, &server_config.data_log_dir}) {
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(*dir, ec);
    if (!ec) *dir = absolute.lexically_normal().string();
    std::filesystem::create_directories(*dir, ec);
    if (ec || !std::filesystem::is_directory(*dir)) {
      early_log(*log_level, LogLevel::error,
                "cannot create data directory " + *dir + ": " + (ec ? ec.message() : "not a directory"));
      return kExitFailure;
    }
  }

  // ----- serve ----------------------------------------------------------------------------------
  try {
    zablab::runtime::AsioEnv env(*log_level);
    env.stop_on_signals();  // a signal during start-up stops the loop as soon as it runs
    env.set_max_connections(static_cast<std::size_t>(config.max_cnxns));
    env.posix_disk().set_log_preallocation(static_cast<std::uint64_t>(config.pre_alloc_size_kb) * 1024);

    std::uint16_t port = 0;
    try {
      port = env.listen(server_config.client_port_address, static_cast<std::uint16_t>(server_config.client_port),
                        config.client_port_listen_backlog);
    } catch (const std::runtime_error& e) {
      env.log(LogLevel::error, e.what());
      return kExitFailure;
    }
    server_config.client_port = port;  // the real one when clientPort=0

    // Declared before the node, so it outlives it.
    std::unique_ptr<zablab::sim::record::LiveRecorder> recorder;
    // However main leaves, the transport (which lives as long as env) stops calling the recorder
    // before the recorder is gone.
    struct StopRecordingPeers {
      zablab::runtime::AsioEnv& env;
      ~StopRecordingPeers() { stop_recording_peers(env); }
    } stop_recording_peers_on_exit{env};
    auto finish_trace = [&](const std::string& reason) {
      if (!recorder) return;
      env.set_trace_listener(nullptr);
      stop_recording_peers(env);
      try {
        recorder->finish(env.wall_ms(), reason);
        env.log(LogLevel::info, "trace: " + std::to_string(recorder->written()) + " events written to " + trace_path);
      } catch (const zablab::sim::record::RecordError& e) {
        env.log(LogLevel::error, std::string("trace: ") + e.what());
      }
      recorder.reset();
    };
    if (!trace_path.empty()) {
      const std::int64_t node_id = ensemble ? myid : 1;
      const std::string description = std::string(ensemble ? "zablab-server ensemble member " : "zablab-server standalone ") +
                                      std::to_string(node_id) + " (" + config.file + ")";
      const std::string cfg = zablab::sim::Json()
                                  .str("zoo_cfg", config.file)
                                  .num("myid", node_id)
                                  .num("servers", static_cast<std::int64_t>(server_config.quorum_servers.size()))
                                  .num("client_port", port)
                                  .num("tick_ms", server_config.tick_time_ms)
                                  .str("data_dir", server_config.data_dir)
                                  .done();
      try {
        recorder = std::make_unique<zablab::sim::record::LiveRecorder>(trace_path, node_id, description, cfg,
                                                                         env.wall_ms());
      } catch (const zablab::sim::record::RecordError& e) {
        env.log(LogLevel::error, std::string("--trace: ") + e.what());
        return kExitFailure;
      }
      env.set_trace_listener([&recorder, &env](const zablab::TraceEvent& e) {
        if (recorder) recorder->add(env.wall_ms(), e);
      });
    }

    std::unique_ptr<zablab::server::ServerCore> node;

    if (ensemble) {
      // The peer transport: our own server.N line says where to listen, the others where to
      // connect.
      auto& peers = env.enable_peer_transport(myid);
      peers.set_connect_timeout(std::chrono::milliseconds(config.cnx_timeout_ms));
      if (recorder) record_peer_messages(env, peers, *recorder, server_config);
      for (const auto& [sid, s] : server_config.quorum_servers) {
        peers.set_peer(sid, zablab::runtime::PeerAddress{s.host, static_cast<std::uint16_t>(s.quorum_port),
                                                         static_cast<std::uint16_t>(s.election_port)});
      }
      const auto& me = server_config.quorum_servers.at(myid);
      // NetUtils.formatInetAddr, as an Apache member writes its own in the connection header.
      peers.set_election_address((me.host.find(':') != std::string::npos ? "[" + me.host + "]" : me.host) + ":" +
                                 std::to_string(me.election_port));
      const std::string peer_host = config.quorum_listen_on_all_ips ? "0.0.0.0" : me.host;
      try {
        peers.listen(zablab::PeerChannel::quorum, peer_host, static_cast<std::uint16_t>(me.quorum_port));
        peers.listen(zablab::PeerChannel::election, peer_host, static_cast<std::uint16_t>(me.election_port));
      } catch (const std::runtime_error& e) {
        env.log(LogLevel::error, e.what());
        return kExitFailure;
      }
      std::size_t voters = 0;
      for (const auto& [sid, s] : server_config.quorum_servers) voters += s.observer ? 0 : 1;
      env.log(LogLevel::info, "ensemble member " + std::to_string(myid) + " (" +
                                  (me.observer ? "observer" : "participant") + ") of " +
                                  std::to_string(server_config.quorum_servers.size()) + " servers, " +
                                  std::to_string(voters) + " voting; myid from " + myid_file);
      node = std::make_unique<zablab::quorum::QuorumPeer>(env, server_config);
    } else {
      node = std::make_unique<zablab::server::ServerCore>(env, server_config);
    }
    env.attach(*node);
    node->start();  // recovers from the data directory; may shut down on a disk error
    if (env.shutdown_reason()) {
      finish_trace(*env.shutdown_reason());
      return kExitFailure;
    }

    std::cout << "zablab-server: serving on " << env.listening_on() << std::endl;
    const std::string hosts = client_host_for(server_config.client_port_address) + ":" + std::to_string(port);
    env.log(LogLevel::info, "serving on " + env.listening_on() + " (dataDir " + server_config.data_dir +
                                ", dataLogDir " + server_config.data_log_dir + ")");
    env.log(LogLevel::info,
            "connect with: zablab-cli -server " + hosts +
                ", or python3 -c \"from kazoo.client import KazooClient; zk = KazooClient(hosts='" + hosts +
                "'); zk.start(); print(zk.get_children('/')); zk.stop()\", or: echo srvr | nc " +
                client_host_for(server_config.client_port_address) + " " + std::to_string(port));

    env.run();
    finish_trace(env.shutdown_reason() ? *env.shutdown_reason() : "stopped");
    if (env.shutdown_reason()) return kExitFailure;
    env.log(LogLevel::info, "stopped");
  } catch (const std::exception& e) {
    early_log(*log_level, LogLevel::error, std::string("fatal: ") + e.what());
    return kExitFailure;
  }
  return EXIT_SUCCESS;
}
