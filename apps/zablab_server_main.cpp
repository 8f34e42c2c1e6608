// zablab-server [options] <zoo.cfg>: a standalone ZooKeeper-compatible server on real TCP and disk.
//
// Exit codes: 0 after SIGINT/SIGTERM; 1 when the server cannot run (port taken, data directory
// not writable, the node shut itself down after a disk error); 2 for a bad command line or zoo.cfg.
//
// Once it serves, it prints exactly one line on stdout, "zablab-server: serving on <addr>:<port>",
// which tests read to learn the port (clientPort=0 lets the OS pick one). Everything else goes to
// stderr as log lines.
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>

#include <boost/program_options.hpp>

#include "core/server/server_config.h"
#include "core/server/standalone_server.h"
#include "runtime/asio_env.h"
#include "runtime/log.h"
#include "runtime/zoo_config.h"

namespace {

namespace po = boost::program_options;
using zablab::LogLevel;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void print_usage(std::ostream& out, const po::options_description& options) {
  out << "usage: zablab-server [options] <zoo.cfg>\n"
         "\n"
         "Runs a standalone ZooKeeper-compatible server configured by zoo.cfg (Apache ZooKeeper 3.8\n"
         "keys; see docs/configuration.md). Stops cleanly on SIGINT or SIGTERM.\n"
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

}  // namespace

int main(int argc, char** argv) {
  // ----- command line ---------------------------------------------------------------------------
  std::string log_level_text = "info";
  std::string config_path;
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit")(
      "log-level", po::value<std::string>(&log_level_text)->value_name("LEVEL")->default_value("info"),
      "least severe log level written to stderr: debug, info, warn or error");
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
  if (config.distributed()) {
    std::cerr << config.file << ": server." << config.servers.front().id
              << ": ensemble mode is not implemented yet (zablab-server runs standalone only)\n";
    return kExitUsage;
  }
  if (!config.servers.empty()) {
    early_log(*log_level, LogLevel::warn,
              config.file + ": server.N lines ignored: a single participant runs standalone");
  }

  // Relative directories are relative to the working directory, as in ZooKeeper. They are made
  // absolute once here so that log lines and the `conf` four-letter word show where data lives.
  zablab::server::ServerConfig server_config = zablab::runtime::to_server_config(config);
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

    std::uint16_t port = 0;
    try {
      port = env.listen(config.client_port_address, static_cast<std::uint16_t>(config.client_port),
                        config.client_port_listen_backlog);
    } catch (const std::runtime_error& e) {
      env.log(LogLevel::error, e.what());
      return kExitFailure;
    }
    server_config.client_port = port;  // the real one when clientPort=0

    zablab::server::StandaloneServer node(env, server_config);
    env.attach(node);
    node.start();  // recovers from the data directory; may shut down on a disk error
    if (env.shutdown_reason()) return kExitFailure;

    std::cout << "zablab-server: serving on " << env.listening_on() << std::endl;
    const std::string hosts = client_host_for(config.client_port_address) + ":" + std::to_string(port);
    env.log(LogLevel::info, "serving on " + env.listening_on() + " (dataDir " + server_config.data_dir +
                                ", dataLogDir " + server_config.data_log_dir + ")");
    env.log(LogLevel::info,
            "connect with: zablab-cli -server " + hosts +
                ", or python3 -c \"from kazoo.client import KazooClient; zk = KazooClient(hosts='" + hosts +
                "'); zk.start(); print(zk.get_children('/')); zk.stop()\", or: echo srvr | nc " +
                client_host_for(config.client_port_address) + " " + std::to_string(port));

    env.run();
    if (env.shutdown_reason()) return kExitFailure;
    env.log(LogLevel::info, "stopped");
  } catch (const std::exception& e) {
    early_log(*log_level, LogLevel::error, std::string("fatal: ") + e.what());
    return kExitFailure;
  }
  return EXIT_SUCCESS;
}
