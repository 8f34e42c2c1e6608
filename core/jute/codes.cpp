#include "core/jute/codes.h"

namespace zablab {

// Names as ZooKeeper's Request.op2String prints them (note "createTtl").
std::string_view op::name(std::int32_t type) {
  switch (type) {
    case notification: return "notification";
    case create: return "create";
    case remove: return "delete";
    case exists: return "exists";
    case get_data: return "getData";
    case set_data: return "setData";
    case get_acl: return "getACL";
    case set_acl: return "setACL";
    case get_children: return "getChildren";
    case sync: return "sync";
    case ping: return "ping";
    case get_children2: return "getChildren2";
    case check: return "check";
    case multi: return "multi";
    case create2: return "create2";
    case reconfig: return "reconfig";
    case check_watches: return "checkWatches";
    case remove_watches: return "removeWatches";
    case create_container: return "createContainer";
    case delete_container: return "deleteContainer";
    case create_ttl: return "createTtl";
    case multi_read: return "multiRead";
    case auth: return "auth";
    case set_watches: return "setWatches";
    case sasl: return "sasl";
    case get_ephemerals: return "getEphemerals";
    case get_all_children_number: return "getAllChildrenNumber";
    case set_watches2: return "setWatches2";
    case add_watch: return "addWatch";
    case who_am_i: return "whoAmI";
    case create_session: return "createSession";
    case close_session: return "closeSession";
    case error: return "error";
  }
  // Returning a view means no per-call storage for the number; callers print the number if needed.
  return "unknown";
}

// KeeperException.Code names in CamelCase, as in the protocol reference's error table.
std::string_view err_name(Err e) {
  switch (e) {
    case Err::ok: return "Ok";
    case Err::system_error: return "SystemError";
    case Err::runtime_inconsistency: return "RuntimeInconsistency";
    case Err::data_inconsistency: return "DataInconsistency";
    case Err::connection_loss: return "ConnectionLoss";
    case Err::marshalling_error: return "MarshallingError";
    case Err::unimplemented: return "Unimplemented";
    case Err::operation_timeout: return "OperationTimeout";
    case Err::bad_arguments: return "BadArguments";
    case Err::unknown_session: return "UnknownSession";
    case Err::new_config_no_quorum: return "NewConfigNoQuorum";
    case Err::reconfig_in_progress: return "ReconfigInProgress";
    case Err::api_error: return "APIError";
    case Err::no_node: return "NoNode";
    case Err::no_auth: return "NoAuth";
    case Err::bad_version: return "BadVersion";
    case Err::no_children_for_ephemerals: return "NoChildrenForEphemerals";
    case Err::node_exists: return "NodeExists";
    case Err::not_empty: return "NotEmpty";
    case Err::session_expired: return "SessionExpired";
    case Err::invalid_callback: return "InvalidCallback";
    case Err::invalid_acl: return "InvalidACL";
    case Err::auth_failed: return "AuthFailed";
    case Err::session_moved: return "SessionMoved";
    case Err::not_read_only: return "NotReadOnly";
    case Err::ephemeral_on_local_session: return "EphemeralOnLocalSession";
    case Err::no_watcher: return "NoWatcher";
    case Err::request_timeout: return "RequestTimeout";
    case Err::reconfig_disabled: return "ReconfigDisabled";
    case Err::session_closed_require_sasl_auth: return "SessionClosedRequireSaslAuth";
    case Err::quota_exceeded: return "QuotaExceeded";
    case Err::throttled_op: return "ThrottledOp";
  }
  return "unknown";  // a value outside the enum, e.g. a code read off the wire
}

}  // namespace zablab
