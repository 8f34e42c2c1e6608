// The page's address fragment (web/page_link): what a teacher's link opens, and that a mistyped
// or hostile one names nothing it should not. Native: web/page_link.cpp is plain C++.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "web/page_link.h"

using zablab::web::Link;

TEST_CASE("web link: a scenario, seed, record and play round-trip through the fragment") {
  std::string ignored;
  const Link link = Link::parse("#scenario=leader-crash-committed-on-some&seed=1&at=123&play=1", ignored);
  CHECK(ignored.empty());
  CHECK(link.scenario == "leader-crash-committed-on-some");
  CHECK(link.live == 0);
  CHECK(link.seed == 1u);
  CHECK(link.at == 123u);
  CHECK(link.play);
  CHECK(link.format() == "scenario=leader-crash-committed-on-some&seed=1&at=123&play=1");
  CHECK(link.source_name() == "leader-crash-committed-on-some.scn, seed 1");
}

TEST_CASE("web link: a live world of N voters") {
  std::string ignored;
  const Link link = Link::parse("live=5&at=40", ignored);
  CHECK(link.live == 5);
  CHECK_FALSE(link.seed);
  CHECK(link.format() == "live=5&at=40");
  CHECK(link.source_name() == "live world of 5");
}

TEST_CASE("web link: unknown keys, bad numbers and path-like names are ignored and reported") {
  std::string ignored;
  const Link link = Link::parse("scenario=../etc/passwd&seed=x&at=-1&live=99&foo=1&play=yes", ignored);
  CHECK_FALSE(link.names_a_source());
  CHECK_FALSE(link.seed);
  CHECK_FALSE(link.at);
  CHECK_FALSE(link.play);
  CHECK(ignored == "scenario=../etc/passwd, seed=x, at=-1, live=99, foo=1, play=yes");
  CHECK(link.format().empty());
}

TEST_CASE("web link: a scenario and a live world in one link open the scenario") {
  std::string ignored;
  const Link link = Link::parse("live=3&scenario=total-outage", ignored);
  CHECK(link.scenario == "total-outage");
  CHECK(link.live == 0);
  CHECK(link.format() == "scenario=total-outage");
}

TEST_CASE("web link: an empty fragment names no source") {
  std::string ignored;
  CHECK_FALSE(Link::parse("", ignored).names_a_source());
  CHECK_FALSE(Link::parse("#", ignored).names_a_source());
  CHECK(ignored.empty());
}

TEST_CASE("web link: a live world with observers (the source menu's live 3 + 1 observer)") {
  std::string ignored;
  const Link link = Link::parse("live=3&observers=1&seed=2&at=7", ignored);
  CHECK(ignored.empty());
  CHECK(link.observers == 1);
  CHECK(link.format() == "live=3&observers=1&seed=2&at=7");
  CHECK(link.source_name() == "live world of 3 + 1 observer, seed 2");
  CHECK(Link::parse("scenario=total-outage&observers=1", ignored).format() == "scenario=total-outage");
}
