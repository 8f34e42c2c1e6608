#include "core/client/recipes/recipe_base.h"

#include <algorithm>
#include <cstdio>

#include "core/data/acl.h"

namespace zablab::client::recipes {

std::string new_protection_prefix(Client& client) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(client.random_u64()),
                static_cast<unsigned long long>(client.random_u64()));
  return "_c_" + std::string(buf) + "-";
}

std::optional<std::int64_t> sequence_of(std::string_view name) {
  if (name.size() < 10) return std::nullopt;
  std::int64_t v = 0;
  for (char c : name.substr(name.size() - 10)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string_view strip_protection(std::string_view name) {
  if (name.substr(0, 3) != "_c_") return name;
  auto dash = name.find('-');
  return dash == std::string_view::npos ? name : name.substr(dash + 1);
}

std::vector<std::string> sorted_by_sequence(const std::vector<std::string>& names,
                                            const std::vector<std::string>& prefixes) {
  std::vector<std::pair<std::int64_t, std::string>> keyed;
  for (const auto& n : names) {
    auto bare = strip_protection(n);
    bool match = prefixes.empty();
    for (const auto& p : prefixes) match = match || bare.substr(0, p.size()) == p;
    auto seq = sequence_of(n);
    if (match && seq) keyed.emplace_back(*seq, n);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> out;
  out.reserve(keyed.size());
  for (auto& [seq, n] : keyed) out.push_back(std::move(n));
  return out;
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

namespace {

// Creates prefixes[i..] one after the other.
void create_from(Client& client, std::shared_ptr<std::vector<std::string>> prefixes, std::size_t i, DoneCallback cb) {
  if (i == prefixes->size()) {
    cb(Err::ok);
    return;
  }
  client.create((*prefixes)[i], std::string(), data::open_acl_unsafe(), create_mode::persistent,
                [&client, prefixes, i, cb](const Result<CreateResult>& r) {
                  if (retryable(client, r.err)) return create_from(client, prefixes, i, cb);
                  if (!r.ok() && r.err != Err::node_exists) return cb(r.err);
                  create_from(client, prefixes, i + 1, cb);
                });
}

}  // namespace

void ensure_path(Client& client, const std::string& path, DoneCallback cb) {
  auto prefixes = std::make_shared<std::vector<std::string>>();
  for (std::size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') prefixes->push_back(path.substr(0, i));
  // Most of the time the path exists: one exists() instead of one create per level.
  client.exists(path, nullptr, [&client, prefixes, cb](const Result<jute::Stat>& r) {
    if (r.ok()) return cb(Err::ok);
    create_from(client, prefixes, 0, cb);
  });
}

std::string_view hold_event_name(HoldEvent e) {
  switch (e) {
    case HoldEvent::acquired: return "acquired";
    case HoldEvent::suspended: return "suspended";
    case HoldEvent::lost: return "lost";
    case HoldEvent::released: return "released";
  }
  return "unknown";
}

}  // namespace zablab::client::recipes
