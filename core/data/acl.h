// ZooKeeper ACLs: permission checks against a connection's identities, the fix-up applied to an
// ACL list on create/setACL, and the built-in auth providers (world, auth, digest, ip, super).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/jute/records.h"

namespace zablab::data {

using Acl = std::vector<jute::ACL>;
using Identities = std::vector<jute::Id>;  // what a connection has authenticated as

// [ALL world:anyone], [ALL auth:""], [READ world:anyone]
Acl open_acl_unsafe();
Acl creator_all_acl();
Acl read_acl_unsafe();

// True if `ids` may do `wanted` (a perm bit) on a node with `acl`. An empty ACL allows everything;
// a "super" identity passes every check.
bool acl_allows(const Acl& acl, std::int32_t wanted, const Identities& ids);

// The list a create/setACL stores: duplicates dropped, "auth" entries expanded to the caller's
// authenticated identities (digest, not ip). nullopt = InvalidACL.
std::optional<Acl> fixup_acl(const Acl& requested, const Identities& ids);

// "user:password" -> "user:BASE64(SHA1(user:password))", the digest scheme's id.
std::string digest_id(std::string_view user_colon_password);

// The ip scheme: "10.0.0.0/8" matches "10.1.2.3"; IPv4 with an optional mask, else exact string.
bool ip_matches(std::string_view acl_id, std::string_view address);
bool valid_ip_id(std::string_view acl_id);

// "127.0.0.1:5000" -> "127.0.0.1"; "[::1]:5000" -> "::1".
std::string address_of(std::string_view remote);

}  // namespace zablab::data
