// Names of opcodes and error codes (core/jute/codes.cpp).
#include <catch2/catch.hpp>

#include "core/jute/codes.h"

using namespace zablab;

TEST_CASE("jute/codes: op names as ZooKeeper spells them", "[jute]") {
  CHECK(op::name(op::create) == "create");
  CHECK(op::name(op::remove) == "delete");
  CHECK(op::name(op::get_data) == "getData");
  CHECK(op::name(op::get_children2) == "getChildren2");
  CHECK(op::name(op::create_ttl) == "createTtl");
  CHECK(op::name(op::who_am_i) == "whoAmI");
  CHECK(op::name(op::close_session) == "closeSession");
  CHECK(op::name(op::create_session) == "createSession");
  CHECK(op::name(op::notification) == "notification");
  CHECK(op::name(op::error) == "error");
  CHECK(op::name(10) == "unknown");
  CHECK(op::name(12345) == "unknown");
}

TEST_CASE("jute/codes: error names as KeeperException.Code", "[jute]") {
  CHECK(err_name(Err::ok) == "Ok");
  CHECK(err_name(Err::no_node) == "NoNode");
  CHECK(err_name(Err::bad_version) == "BadVersion");
  CHECK(err_name(Err::node_exists) == "NodeExists");
  CHECK(err_name(Err::session_expired) == "SessionExpired");
  CHECK(err_name(Err::marshalling_error) == "MarshallingError");
  CHECK(err_name(Err::invalid_acl) == "InvalidACL");
  CHECK(err_name(Err::api_error) == "APIError");
  CHECK(err_name(Err::throttled_op) == "ThrottledOp");
  CHECK(err_name(static_cast<Err>(-9)) == "unknown");
}
