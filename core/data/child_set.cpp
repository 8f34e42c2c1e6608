#include "core/data/child_set.h"

#include <algorithm>

namespace zablab::data {

std::size_t ChildSet::chunk_for(std::string_view name) const {
  const auto it = std::partition_point(chunks_.begin(), chunks_.end(),
                                       [&](const std::vector<std::string>& c) { return std::string_view(c.back()) < name; });
  const auto at = static_cast<std::size_t>(it - chunks_.begin());
  return at == chunks_.size() && at > 0 ? at - 1 : at;
}

bool ChildSet::insert(std::string name) {
  if (chunks_.empty()) {
    chunks_.emplace_back().push_back(std::move(name));
    size_ = 1;
    return true;
  }
  const std::size_t ci = chunk_for(name);
  std::vector<std::string>& chunk = chunks_[ci];
  const auto pos = std::lower_bound(chunk.begin(), chunk.end(), name);
  if (pos != chunk.end() && *pos == name) return false;
  chunk.insert(pos, std::move(name));
  ++size_;
  if (chunk.size() > kChunk) {
    // Split in halves: each chunk stays between kChunk/2 and kChunk names after a split.
    std::vector<std::string> upper(std::make_move_iterator(chunk.begin() + static_cast<std::ptrdiff_t>(kChunk / 2)),
                                   std::make_move_iterator(chunk.end()));
    chunk.resize(kChunk / 2);
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(ci) + 1, std::move(upper));
  }
  return true;
}

std::size_t ChildSet::erase(std::string_view name) {
  if (chunks_.empty()) return 0;
  const std::size_t ci = chunk_for(name);
  std::vector<std::string>& chunk = chunks_[ci];
  const auto pos = std::lower_bound(chunk.begin(), chunk.end(), name,
                                    [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  if (pos == chunk.end() || *pos != name) return 0;
  chunk.erase(pos);
  --size_;
  if (chunk.empty()) chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(ci));
  return 1;
}

ChildSet::const_iterator ChildSet::upper_bound(std::string_view name) const {
  // The first chunk whose last name is > name holds the answer.
  const auto it = std::partition_point(chunks_.begin(), chunks_.end(),
                                       [&](const std::vector<std::string>& c) { return std::string_view(c.back()) <= name; });
  if (it == chunks_.end()) return end();
  const auto pos = std::upper_bound(it->begin(), it->end(), name,
                                    [](std::string_view a, const std::string& b) { return a < std::string_view(b); });
  return {&chunks_, static_cast<std::size_t>(it - chunks_.begin()), static_cast<std::size_t>(pos - it->begin())};
}

ChildSet::const_iterator ChildSet::find(std::string_view name) const {
  if (chunks_.empty()) return end();
  const std::size_t ci = chunk_for(name);
  const std::vector<std::string>& chunk = chunks_[ci];
  const auto pos = std::lower_bound(chunk.begin(), chunk.end(), name,
                                    [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  if (pos == chunk.end() || *pos != name) return end();
  return {&chunks_, ci, static_cast<std::size_t>(pos - chunk.begin())};
}

}  // namespace zablab::data
