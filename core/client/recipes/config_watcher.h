// A watched configuration node (Curator NodeCache): the listener hears the node's data at start
// and after every change, and nullopt while the node does not exist. A getData watch when the
// node exists, an exists watch when it does not; re-armed on every event and after expiry. Only
// the latest state is promised (changes between two reads merge into one event, as with every
// ZooKeeper watch).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/client/recipes/recipe_base.h"

namespace zablab::client::recipes {

class ConfigWatcher : private Guarded {
 public:
  using Listener = std::function<void(const std::optional<std::string>& data, std::int32_t version)>;
  ConfigWatcher(Client& client, std::string path);
  ~ConfigWatcher();
  void start(Listener listener);
  const std::optional<std::string>& data() const { return data_; }
  std::int32_t version() const { return version_; }

 private:
  void read();
  void publish(std::optional<std::string> data, std::int32_t version);
  Client& client_;
  std::string path_;
  Listener listener_;
  std::uint64_t listener_id_ = 0;
  std::uint64_t gen_ = 0;
  std::int64_t session_ = 0;
  std::optional<std::string> data_;
  std::int32_t version_ = -1;
  bool started_ = false, published_ = false;
};

}  // namespace zablab::client::recipes
