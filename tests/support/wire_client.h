// A client speaking ZooKeeper's wire protocol to a node through a FakeEnv, for unit tests:
// it frames requests, delivers them as on_client_bytes, and parses whatever the node sent back.
#pragma once

#include <string>
#include <vector>

#include "core/jute/codes.h"
#include "core/jute/frame.h"
#include "core/jute/records.h"
#include "tests/support/fake_env.h"

namespace zablab::test {

struct Reply {
  jute::ReplyHeader header;
  std::string body;
  Err err() const { return static_cast<Err>(header.err); }
  template <class R>
  R as() const {
    return jute::decode<R>(body);
  }
};

class WireClient {
 public:
  WireClient(FakeEnv& env, Node& node, ConnId id, std::string remote = "127.0.0.1:40000")
      : env_(env), node_(node), id_(id) {
    node_.on_client_connected(id_, std::move(remote));
  }

  void send_raw(std::string_view bytes) { node_.on_client_bytes(id_, bytes); }

  jute::ConnectResponse connect(std::int32_t timeout_ms = 30000, std::int64_t session_id = 0,
                                std::string passwd = std::string(16, '\0'), std::int64_t last_zxid = 0) {
    jute::ConnectRequest req{0, last_zxid, timeout_ms, session_id, passwd, false, true};
    send_raw(jute::frame(jute::encode(req)));
    env_.complete_disk(node_);
    auto frames = take_frames();
    if (frames.empty()) return jute::ConnectResponse{};
    return jute::decode<jute::ConnectResponse>(frames.front());
  }

  template <class R>
  void send(std::int32_t type, const R& body, std::int32_t xid = -100) {
    jute::Writer w;
    jute::write(w, jute::RequestHeader{xid == -100 ? next_xid_++ : xid, type});
    jute::write(w, body);
    send_raw(jute::frame(w.data()));
  }
  void send_header(std::int32_t type, std::int32_t xid = -100) {
    jute::Writer w;
    jute::write(w, jute::RequestHeader{xid == -100 ? next_xid_++ : xid, type});
    send_raw(jute::frame(w.data()));
  }

  // Everything the node sent since the last call, as frames.
  std::vector<std::string> take_frames() {
    std::vector<std::string> frames;
    jute::FrameDecoder decoder(1 << 30);
    decoder.feed(env_.out[id_]);
    env_.out[id_].clear();
    std::string f;
    while (decoder.next(f) == jute::FrameDecoder::Status::frame) frames.push_back(f);
    return frames;
  }
  std::vector<Reply> replies() {
    std::vector<Reply> out;
    for (const auto& f : take_frames()) {
      jute::Reader r(f);
      Reply rep;
      jute::read(r, rep.header);
      rep.body = std::string(r.rest());
      out.push_back(std::move(rep));
    }
    return out;
  }
  // Sends one request and returns its reply (the last frame; watch events are dropped).
  template <class R>
  Reply call(std::int32_t type, const R& body) {
    send(type, body);
    env_.complete_disk(node_);
    auto all = replies();
    for (auto it = all.rbegin(); it != all.rend(); ++it)
      if (it->header.xid != xid::notification) return *it;
    return Reply{};
  }
  bool closed() const { return env_.closed.count(id_) > 0; }
  ConnId id() const { return id_; }

 private:
  FakeEnv& env_;
  Node& node_;
  ConnId id_;
  std::int32_t next_xid_ = 1;
};

// One request as a frame with a chosen xid: many of them in one chunk of bytes are a pipeline.
template <class R>
std::string request_frame(std::int32_t xid, std::int32_t type, const R& body) {
  jute::Writer w;
  jute::write(w, jute::RequestHeader{xid, type});
  jute::write(w, body);
  return jute::frame(w.data());
}

// The watch events among `replies`, in order.
inline std::vector<jute::WatcherEvent> events_of(const std::vector<Reply>& replies) {
  std::vector<jute::WatcherEvent> out;
  for (const auto& r : replies)
    if (r.header.xid == xid::notification) out.push_back(r.as<jute::WatcherEvent>());
  return out;
}

}  // namespace zablab::test
