// ChildSet (core/data/child_set.h), the chunked sorted names of a znode's children, against
// std::set under random inserts and erases: same contents, order, size and lookups throughout,
// across chunk splits and emptied chunks.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "core/data/child_set.h"
#include "core/util/prng.h"

using zablab::data::ChildSet;

namespace {

void check_same(const ChildSet& s, const std::set<std::string>& model, zablab::util::Prng& prng) {
  REQUIRE(s.size() == model.size());
  CHECK(s.empty() == model.empty());
  CHECK(std::vector<std::string>(s.begin(), s.end()) == std::vector<std::string>(model.begin(), model.end()));
  for (int i = 0; i < 20; ++i) {
    const std::string probe = "n" + std::to_string(prng.uniform(0, 5000));
    CHECK(s.contains(probe) == (model.count(probe) == 1));
    const auto got = s.upper_bound(probe);
    const auto want = model.upper_bound(probe);
    if (want == model.end()) {
      CHECK(got == s.end());
    } else {
      REQUIRE(got != s.end());
      CHECK(*got == *want);
    }
  }
}

}  // namespace

TEST_CASE("data/child set: inserts and erases keep the names sorted and unique, as std::set") {
  zablab::util::Prng prng(5);
  ChildSet s;
  std::set<std::string> model;
  CHECK(s.begin() == s.end());
  CHECK(s.upper_bound("a") == s.end());
  CHECK(s.erase("a") == 0);
  // Growth far past a chunk, then shrinking to nothing, with lookups on the way.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4000; ++i) {
      const std::string name = "n" + std::to_string(prng.uniform(0, 5000));
      CHECK(s.insert(name) == model.insert(name).second);
      if (i % 500 == 0) check_same(s, model, prng);
    }
    check_same(s, model, prng);
    for (int i = 0; i < 6000; ++i) {
      const std::string name = "n" + std::to_string(prng.uniform(0, 5000));
      CHECK(s.erase(name) == model.erase(name));
      if (i % 500 == 0) check_same(s, model, prng);
    }
    check_same(s, model, prng);
  }
  for (const auto& name : std::vector<std::string>(model.begin(), model.end())) CHECK(s.erase(name) == 1);
  CHECK(s.empty());
  CHECK(s.begin() == s.end());
}

TEST_CASE("data/child set: sequential names append; equality and initializer lists") {
  ChildSet s;
  for (int i = 0; i < 3000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seq%010d", i);
    REQUIRE(s.insert(name));
  }
  CHECK(s.size() == 3000);
  CHECK(*s.begin() == "seq0000000000");
  CHECK(*s.upper_bound("seq0000001499") == "seq0000001500");
  CHECK(s.count("seq0000002999") == 1);
  ChildSet copy = s;
  CHECK(copy == s);
  copy.erase("seq0000000007");
  CHECK_FALSE(copy == s);
  const ChildSet small{"quota", "config", "config"};
  CHECK(std::vector<std::string>(small.begin(), small.end()) == std::vector<std::string>{"config", "quota"});
}
