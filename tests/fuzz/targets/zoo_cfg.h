// Fuzz target `zoo_cfg`: zoo.cfg parsing, strict as runtime/zoo_config.h promises.
//
// Input: the file's text. Properties: parse_zoo_cfg() and to_server_config() throw nothing but
// ConfigError, whose message names the file; a configuration that parses converts to server
// settings for a standalone server (when it has a client port) and for each of its server.N.
#pragma once

#include "runtime/zoo_config.h"
#include "tests/fuzz/common.h"

namespace zablab::fuzz {

inline int zoo_cfg_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  runtime::ZooConfig cfg;
  try {
    cfg = runtime::parse_zoo_cfg(text, "fuzz.cfg");
  } catch (const runtime::ConfigError& e) {
    ZL_FUZZ_CHECK(std::string_view(e.what()).starts_with("fuzz.cfg"), std::string("message names no file: ") + e.what());
    ZL_FUZZ_CHECK(e.line() >= 0, "negative line number");
    return 0;
  }
  (void)cfg.distributed();
  (void)runtime::myid_path(cfg);
  std::vector<std::int64_t> ids{0};
  for (const auto& s : cfg.servers) ids.push_back(s.id);
  for (std::int64_t myid : ids) {
    try {
      (void)runtime::to_server_config(cfg, myid, "fuzz/myid");
    } catch (const runtime::ConfigError&) {
    }
  }
  return 0;
}

}  // namespace zablab::fuzz
