// A live world's actions in the page's address (web/page_actions): a link written after faults,
// manual deliveries and client-console commands reopens the same run, record for record.
// Native: web/page_actions.cpp is plain C++ over gui::LiveSource.
#include <catch2/catch.hpp>

#include "sim/world.h"
#include "web/page_actions.h"
#include "web/page_link.h"

using namespace zablab;
using zablab::web::Actions;
using zablab::web::Link;

namespace {

std::vector<std::string> lines(gui::LiveSource& source) {
  std::vector<std::string> out;
  for (const auto& r : source.mutable_world().trace().records()) out.push_back(sim::to_line(r));
  return out;
}

gui::LiveOptions three_voters() {
  gui::LiveOptions o;
  o.voters = 3;
  o.seed = 7;
  return o;
}

}  // namespace

TEST_CASE("web actions: faults, manual delivery and client commands in a link replay to the same records") {
  gui::LiveSource teacher(three_voters());
  std::string error;
  for (int i = 0; i < 200; ++i) teacher.advance();
  gui::Command crash;
  crash.kind = gui::CommandKind::crash;
  crash.a = 1;
  REQUIRE(teacher.apply(crash, error));
  for (int i = 0; i < 100; ++i) teacher.advance();
  REQUIRE(teacher.set_manual_delivery(true, error));
  for (int i = 0; i < 50 && teacher.pending_deliveries().empty(); ++i) teacher.advance();
  REQUIRE_FALSE(teacher.pending_deliveries().empty());
  const sim::HeldMessage held = teacher.pending_deliveries().front();
  REQUIRE(teacher.deliver(held.conn, held.from, error));
  REQUIRE(teacher.set_manual_delivery(false, error));
  gui::Command create;
  create.kind = gui::CommandKind::client_op;
  create.a = teacher.mutable_world().clients().front();
  create.op = "create";
  create.text = "/a path.with,odd&chars=%";
  create.data = "v 1";
  create.ephemeral = true;
  REQUIRE(teacher.apply(create, error));
  gui::Command split;
  split.kind = gui::CommandKind::partition;
  split.groups = {{1, 2}, {3}};
  REQUIRE(teacher.apply(split, error));
  REQUIRE(teacher.run_to(teacher.mutable_world().now() + 3'000'000'000LL));
  for (int i = 0; i < 40; ++i) teacher.advance();

  Link link;
  link.live = 3;
  link.seed = 7;
  link.actions = web::format_actions(teacher.inputs());
  link.at = teacher.mutable_world().trace().size() - 1;
  const std::string fragment = link.format();
  CHECK(fragment.find("crash.1") != std::string::npos);
  CHECK(fragment.find("hold") != std::string::npos);
  CHECK(fragment.find("deliver.") != std::string::npos);
  CHECK(fragment.find("client_op.") != std::string::npos);

  std::string ignored;
  const Link read = Link::parse("#" + fragment, ignored);
  CHECK(ignored.empty());
  CHECK(read.format() == fragment);
  Actions actions;
  REQUIRE(web::parse_actions(read.actions, actions, error));
  CHECK(web::format_actions(actions) == link.actions);
  CHECK(actions.size() == teacher.inputs().size());

  gui::LiveSource student(three_voters());
  student.replay(std::move(actions));
  CHECK(lines(student) == lines(teacher));
  CHECK(web::format_actions(student.inputs()) == link.actions);
}

TEST_CASE("web actions: only steps need no do= (the link's at says how far)") {
  gui::LiveSource source(three_voters());
  for (int i = 0; i < 30; ++i) source.advance();
  CHECK(web::format_actions(source.inputs()).empty());
}

TEST_CASE("web actions: a bad or hostile do= is refused, naming the entry") {
  Actions actions;
  std::string error;
  CHECK_FALSE(web::parse_actions("10,explode.1", actions, error));
  CHECK(error.find("action 2 'explode.1'") != std::string::npos);
  CHECK_FALSE(web::parse_actions("999999999999", actions, error));
  CHECK(error.find("steps in all") != std::string::npos);
  CHECK_FALSE(web::parse_actions("@99999999999999999", actions, error));
  CHECK_FALSE(web::parse_actions("deliver.1", actions, error));
  CHECK_FALSE(web::parse_actions("client_op.1001..create%2", actions, error));
  CHECK_FALSE(web::parse_actions("crash.-3", actions, error));
  CHECK_FALSE(web::parse_actions("0", actions, error));
  CHECK(web::parse_actions("", actions, error));
  CHECK(actions.empty());
}

TEST_CASE("web link: do= is kept for a live world and dropped for a scenario") {
  std::string ignored;
  Link live = Link::parse("live=3&do=5,crash.1,2&at=9", ignored);
  CHECK(ignored.empty());
  CHECK(live.actions == "5,crash.1,2");
  CHECK(live.format() == "live=3&do=5,crash.1,2&at=9");
  const Link replay = Link::parse("scenario=total-outage&do=5,crash.1", ignored);
  CHECK(replay.actions.empty());
  CHECK(ignored == "do=5,crash.1");
  ignored.clear();
  CHECK(Link::parse("live=3&do=crash.1;rm", ignored).actions.empty());
  CHECK(ignored == "do=crash.1;rm");
}
