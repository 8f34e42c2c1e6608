// The one vocabulary of trace events: core/env/trace_kinds.h (the core's events) and sim/trace.h
// (the records' kinds) each list a kind once; every other file uses the enum or the constant.
// ZABLAB_SOURCE_DIR is the source tree, set by the build.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/env/json_object.h"
#include "core/env/trace_kinds.h"
#include "core/util/hex.h"
#include "sim/trace.h"

#ifndef ZABLAB_SOURCE_DIR
#error "ZABLAB_SOURCE_DIR must name the source tree (target_compile_definitions in tests/CMakeLists.txt)"
#endif

using namespace zablab;
using namespace zablab::sim;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every name either table defines.
std::vector<std::string_view> all_names() {
  std::vector<std::string_view> out;
  for (const auto& k : kEventKinds) out.push_back(k.name);
  for (const auto& k : kRecordKinds) out.push_back(k.name);
  return out;
}

}  // namespace

TEST_CASE("every core event kind has one name, and that name leads back to it") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kEventKinds.size(); ++i) {
    const auto& k = kEventKinds[i];
    CHECK(static_cast<std::size_t>(k.kind) == i);  // the table is in enum order
    CHECK(event_name(k.kind) == k.name);
    CHECK(event_kind_named(k.name) == k.kind);
    CHECK_FALSE(k.meaning.empty());
    CHECK(names.insert(k.name).second);
  }
  CHECK(event_name(EventKind::zab_established) == "zab.established");
  CHECK(core_event::zab_commit == "zab.commit");
  CHECK_FALSE(event_kind_named("zab.nothing").has_value());
}

TEST_CASE("every record kind has one name, and that name leads back to it") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kRecordKinds.size(); ++i) {
    const auto& k = kRecordKinds[i];
    CHECK(static_cast<std::size_t>(k.kind) == i);
    CHECK(record_kind_name(k.kind) == k.name);
    CHECK(record_kind_named(k.name) == k.kind);
    CHECK_FALSE(k.meaning.empty());
    CHECK(names.insert(k.name).second);
  }
  CHECK(trace_kind::send == "net.send");
  CHECK(trace_kind::core == "core");
  CHECK_FALSE(record_kind_named("net.nothing").has_value());
}

TEST_CASE("the detail builder writes what the hand-built JSON wrote: zxids in ZooKeeper's hex, strings escaped once") {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{0x100000002}, std::int64_t{-1}, INT64_MAX}) {
    CHECK(JsonObject().hex("zxid", v).done() == "{\"zxid\":\"" + util::hex(v) + "\"}");
  }
  CHECK(JsonObject().num("sid", 2).str("mode", "DIFF").hex("peer_zxid", 0x100000002).boolean("observer", false).done() ==
        R"({"sid":2,"mode":"DIFF","peer_zxid":"0x100000002","observer":false})");
  CHECK(JsonObject().str("why", "a \"quoted\" \\ reason\n").done() == R"({"why":"a \"quoted\" \\ reason\u000a"})");
  CHECK(JsonObject().raw("txn", R"({"a":1})").num("n", -5).done() == R"({"txn":{"a":1},"n":-5})");
  CHECK(JsonObject().done() == "{}");
}

TEST_CASE("docs/trace.md names every kind of the one definition") {
  const std::string doc = read_file(std::filesystem::path(ZABLAB_SOURCE_DIR) / "docs" / "trace.md");
  REQUIRE_FALSE(doc.empty());
  for (std::string_view name : all_names()) {
    INFO(name);
    CHECK(doc.find("`" + std::string(name) + "`") != std::string::npos);
  }
}

TEST_CASE("no file in core, sim, gui, runtime or apps spells a dotted kind name outside its definition") {
  // Names without a dot ("core", "timer", "log", "snapshot") are also plain words, file names and
  // message names; the dotted ones are kinds only.
  std::vector<std::string> needles;
  for (std::string_view name : all_names())
    if (name.find('.') != std::string_view::npos) needles.push_back("\"" + std::string(name) + "\"");
  const std::filesystem::path root(ZABLAB_SOURCE_DIR);
  std::vector<std::string> found;
  std::size_t files = 0;
  for (const char* dir : {"core", "sim", "gui", "runtime", "apps", "web"}) {
    if (!std::filesystem::exists(root / dir)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root / dir)) {
      const auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
      const auto rel = std::filesystem::relative(e.path(), root).generic_string();
      if (rel == "core/env/trace_kinds.h" || rel == "sim/trace.h") continue;
      ++files;
      const std::string text = read_file(e.path());
      for (const auto& n : needles)
        if (text.find(n) != std::string::npos) found.push_back(rel + ": " + n);
    }
  }
  CHECK(files > 100);  // the tree was found
  for (const auto& f : found) FAIL_CHECK("a kind spelled as a literal: " << f);
}
