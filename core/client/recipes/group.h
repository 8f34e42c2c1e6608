// Group membership and a service registry (Curator's PersistentNode + PathChildrenCache and
// ServiceDiscovery, kazoo's Party).
//
//   Member: keeps the ephemeral node <dir>/<id> (with data) alive for as long as it is joined:
//     created on join(), created again in a new session after expiry, deleted on leave().
//   GroupView: the members of <dir> (name -> data), kept up to date with a children watch and a
//     read of each new member; the listener hears every new view. Watches are re-armed after
//     expiry.
//   ServiceRegistry: Member under <base>/<service>/<instance>; ServiceCache: GroupView of
//     <base>/<service>.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/client/recipes/recipe_base.h"

namespace zablab::client::recipes {

class Member : private Guarded {
 public:
  Member(Client& client, std::string dir, std::string id, std::string data = {});
  ~Member();
  void join(DoneCallback cb = {});
  void leave(DoneCallback cb = {});
  bool joined() const { return joined_; }
  const std::string& path() const { return path_; }

 private:
  void create();
  void on_state(State s);
  Client& client_;
  std::string dir_, path_, data_;
  std::uint64_t listener_id_ = 0;
  std::uint64_t gen_ = 0;
  bool wanted_ = false, joined_ = false;
  DoneCallback join_cb_;
};

class GroupView : private Guarded {
 public:
  using Members = std::map<std::string, std::string>;  // name -> data
  GroupView(Client& client, std::string dir);
  ~GroupView();
  // Starts watching; the listener hears the first view and every change.
  void start(std::function<void(const Members&)> listener);
  const Members& members() const { return members_; }

 private:
  void refresh();
  void read_new(std::uint64_t g, std::vector<std::string> names, std::size_t i, Members next);
  void on_state(State s);
  Client& client_;
  std::string dir_;
  std::function<void(const Members&)> listener_;
  std::uint64_t listener_id_ = 0;
  std::uint64_t gen_ = 0;
  std::int64_t session_ = 0;
  Members members_;
  bool started_ = false, published_ = false;
};

class ServiceRegistry {
 public:
  ServiceRegistry(Client& client, std::string base = "/services") : client_(client), base_(std::move(base)) {}
  // Registers (or re-registers) an instance; it stays registered while this registry lives.
  void register_instance(const std::string& service, const std::string& instance, std::string payload,
                         DoneCallback cb = {});
  void unregister_instance(const std::string& service, const std::string& instance, DoneCallback cb = {});
  std::string service_path(const std::string& service) const { return join_path(base_, service); }

 private:
  Client& client_;
  std::string base_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Member>> instances_;
};

// The instances of one service (instance -> payload), kept up to date.
class ServiceCache : public GroupView {
 public:
  ServiceCache(Client& client, const std::string& service, const std::string& base = "/services")
      : GroupView(client, join_path(base, service)) {}
};

}  // namespace zablab::client::recipes
