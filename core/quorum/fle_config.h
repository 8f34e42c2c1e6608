// The configuration a version-2 election notification carries, checked as ZooKeeper's receiver
// checks it (FastLeaderElection.Messenger.WorkerReceiver: QuorumPeer.configFromString, that is
// java.util.Properties.load, then QuorumPeerConfig.parseDynamicConfig with QuorumMaj and
// QuorumServer's address parsing).
//
// zablab has no reconfig: it never adopts a configuration it hears. It only says whether the text
// would parse, so that a member with a broken config is named in the log as ZooKeeper names it.
// What ZooKeeper refuses with an exception it catches (ConfigException) and what escapes as a
// runtime exception (a server id or a version that is not a number, observers without
// participants) are both "does not parse" here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace zablab::quorum {

// java.util.Properties.load over `text`: logical lines (a backslash before the line end joins the
// next), `#` and `!` comments, the key up to the first unescaped `=`, `:` or blank, escapes
// (\t \n \r \f \uXXXX, else the character itself). The last of a repeated key wins. nullopt: a
// malformed \u escape (Properties.load throws IllegalArgumentException).
std::optional<std::map<std::string, std::string>> parse_properties(std::string_view text);

// What makes `text` a configuration ZooKeeper's receiver cannot parse ("Unrecognised parameter:
// my", "server.1=h:2888:2888: quorum and election port must differ", ...), or nullopt when it
// parses. Hierarchical quorums (group.N, weight.N lines) are accepted unread: zablab has none.
std::optional<std::string> notification_config_problem(std::string_view text);

}  // namespace zablab::quorum
