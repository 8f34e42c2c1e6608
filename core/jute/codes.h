// ZooKeeper's numbers on the wire: opcodes, error codes, watcher event types and states,
// create modes, permissions, special xids. Values from Apache ZooKeeper 3.8 (ZooDefs.java,
// KeeperException.java, Watcher.java); see ../shared/reference/zookeeper-protocol.md sections 3-9.
#pragma once

#include <cstdint>
#include <string_view>

namespace zablab {

namespace op {
inline constexpr std::int32_t notification = 0;
inline constexpr std::int32_t create = 1;
inline constexpr std::int32_t remove = 2;  // "delete"
inline constexpr std::int32_t exists = 3;
inline constexpr std::int32_t get_data = 4;
inline constexpr std::int32_t set_data = 5;
inline constexpr std::int32_t get_acl = 6;
inline constexpr std::int32_t set_acl = 7;
inline constexpr std::int32_t get_children = 8;
inline constexpr std::int32_t sync = 9;
inline constexpr std::int32_t ping = 11;
inline constexpr std::int32_t get_children2 = 12;
inline constexpr std::int32_t check = 13;
inline constexpr std::int32_t multi = 14;
inline constexpr std::int32_t create2 = 15;
inline constexpr std::int32_t reconfig = 16;
inline constexpr std::int32_t check_watches = 17;
inline constexpr std::int32_t remove_watches = 18;
inline constexpr std::int32_t create_container = 19;
inline constexpr std::int32_t delete_container = 20;
inline constexpr std::int32_t create_ttl = 21;
inline constexpr std::int32_t multi_read = 22;
inline constexpr std::int32_t auth = 100;
inline constexpr std::int32_t set_watches = 101;
inline constexpr std::int32_t sasl = 102;
inline constexpr std::int32_t get_ephemerals = 103;
inline constexpr std::int32_t get_all_children_number = 104;
inline constexpr std::int32_t set_watches2 = 105;
inline constexpr std::int32_t add_watch = 106;
inline constexpr std::int32_t who_am_i = 107;
inline constexpr std::int32_t create_session = -10;
inline constexpr std::int32_t close_session = -11;
inline constexpr std::int32_t error = -1;  // error txn / failed op inside a multi result

// "create", "getData", ... as ZooKeeper names them in logs and 4lw output; "unknown" if unknown.
std::string_view name(std::int32_t type);
}  // namespace op

// KeeperException.Code
enum class Err : std::int32_t {
  ok = 0,
  system_error = -1,
  runtime_inconsistency = -2,
  data_inconsistency = -3,
  connection_loss = -4,
  marshalling_error = -5,
  unimplemented = -6,
  operation_timeout = -7,
  bad_arguments = -8,
  unknown_session = -12,
  new_config_no_quorum = -13,
  reconfig_in_progress = -14,
  api_error = -100,
  no_node = -101,
  no_auth = -102,
  bad_version = -103,
  no_children_for_ephemerals = -108,
  node_exists = -110,
  not_empty = -111,
  session_expired = -112,
  invalid_callback = -113,
  invalid_acl = -114,
  auth_failed = -115,
  session_moved = -118,
  not_read_only = -119,
  ephemeral_on_local_session = -120,
  no_watcher = -121,
  request_timeout = -122,
  reconfig_disabled = -123,
  session_closed_require_sasl_auth = -124,
  quota_exceeded = -125,
  throttled_op = -127,
};
// "NoNode", "BadVersion", ... as ZooKeeper's KeeperException.Code names them; "unknown" if unknown.
std::string_view err_name(Err e);

// Special xids (RequestHeader.xid / ReplyHeader.xid).
namespace xid {
inline constexpr std::int32_t notification = -1;
inline constexpr std::int32_t ping = -2;
inline constexpr std::int32_t auth = -4;
inline constexpr std::int32_t set_watches = -8;
}  // namespace xid

// Watcher.Event.EventType
namespace event_type {
inline constexpr std::int32_t none = -1;
inline constexpr std::int32_t node_created = 1;
inline constexpr std::int32_t node_deleted = 2;
inline constexpr std::int32_t node_data_changed = 3;
inline constexpr std::int32_t node_children_changed = 4;
inline constexpr std::int32_t data_watch_removed = 5;
inline constexpr std::int32_t child_watch_removed = 6;
inline constexpr std::int32_t persistent_watch_removed = 7;
}  // namespace event_type

// Watcher.Event.KeeperState
namespace keeper_state {
inline constexpr std::int32_t disconnected = 0;
inline constexpr std::int32_t sync_connected = 3;
inline constexpr std::int32_t auth_failed = 4;
inline constexpr std::int32_t connected_read_only = 5;
inline constexpr std::int32_t expired = -112;
inline constexpr std::int32_t closed = 7;
}  // namespace keeper_state

// CreateMode flags of CreateRequest.flags.
namespace create_mode {
inline constexpr std::int32_t persistent = 0;
inline constexpr std::int32_t ephemeral = 1;
inline constexpr std::int32_t persistent_sequential = 2;
inline constexpr std::int32_t ephemeral_sequential = 3;
inline constexpr std::int32_t container = 4;
inline constexpr std::int32_t persistent_with_ttl = 5;
inline constexpr std::int32_t persistent_sequential_with_ttl = 6;
}  // namespace create_mode

// ZooDefs.Perms
namespace perm {
inline constexpr std::int32_t read = 1;
inline constexpr std::int32_t write = 2;
inline constexpr std::int32_t create = 4;
inline constexpr std::int32_t remove = 8;  // DELETE
inline constexpr std::int32_t admin = 16;
inline constexpr std::int32_t all = 31;
}  // namespace perm

// WatcherType of checkWatches/removeWatches, and AddWatchMode of addWatch.
namespace watcher_type {
inline constexpr std::int32_t children = 1;
inline constexpr std::int32_t data = 2;
inline constexpr std::int32_t any = 3;
}  // namespace watcher_type
namespace add_watch_mode {
inline constexpr std::int32_t persistent = 0;
inline constexpr std::int32_t persistent_recursive = 1;
}  // namespace add_watch_mode

// Stored ephemeralOwner markers for container and TTL nodes (EphemeralType.java); both report 0.
inline constexpr std::int64_t container_owner = static_cast<std::int64_t>(0x8000000000000000ULL);
inline constexpr std::int64_t ttl_owner_mask = static_cast<std::int64_t>(0xFF00000000000000ULL);
inline constexpr std::int64_t max_ttl = (std::int64_t{1} << 40) - 1;

}  // namespace zablab
