#include "core/client/recipes/config_watcher.h"

namespace zablab::client::recipes {

ConfigWatcher::ConfigWatcher(Client& client, std::string path) : client_(client), path_(std::move(path)) {
  listener_id_ = client_.add_state_listener(guard([this](State s) {
    if (s == State::connected && started_ && client_.session_id() != session_) read();
  }));
}

ConfigWatcher::~ConfigWatcher() { client_.remove_state_listener(listener_id_); }

void ConfigWatcher::start(Listener listener) {
  listener_ = std::move(listener);
  started_ = true;
  read();
}

void ConfigWatcher::read() {
  auto g = ++gen_;
  session_ = client_.session_id();
  auto w = make_watcher(guard([this](const WatchedEvent& e) {
    if (e.type != event_type::none) read();
  }));
  client_.get_data(path_, w, guard([this, g, w](const Result<jute::GetDataResponse>& r) {
                     if (g != gen_) return;
                     if (retryable(client_, r.err)) return read();
                     if (r.ok()) return publish(r.value.data.value_or(""), r.value.stat.version);
                     if (r.err != Err::no_node) return;
                     // get_data set no watch on a missing node: an exists watch catches its creation.
                     client_.exists(path_, w, guard([this, g](const Result<jute::Stat>& s) {
                                      if (g != gen_) return;
                                      if (retryable(client_, s.err)) return read();
                                      if (s.ok()) return read();  // created meanwhile
                                      if (s.err == Err::no_node) publish(std::nullopt, -1);
                                    }));
                   }));
}

void ConfigWatcher::publish(std::optional<std::string> data, std::int32_t version) {
  if (published_ && data == data_ && version == version_) return;
  published_ = true;
  data_ = std::move(data);
  version_ = version;
  if (listener_) listener_(data_, version_);
}

}  // namespace zablab::client::recipes
