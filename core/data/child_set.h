// The names of a znode's children, sorted: a std::set's interface for what the tree needs, stored
// as a list of sorted chunks of at most kChunk names. A parent with hundreds of thousands of
// children is listed (getChildren, snapshots) by walking a few thousand contiguous arrays rather
// than a red-black tree whose nodes lie scattered among the znodes' data -- a cache miss and often
// a TLB miss per child. An insert or erase moves at most kChunk names; a sequential create (the
// usual way a directory grows) appends to the last chunk.
#pragma once

#include <cstddef>
#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace zablab::data {

class ChildSet {
 public:
  static constexpr std::size_t kChunk = 512;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string*;
    using reference = const std::string&;

    const_iterator() = default;
    reference operator*() const { return (*chunks_)[chunk_][index_]; }
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      if (++index_ == (*chunks_)[chunk_].size()) {
        ++chunk_;
        index_ = 0;
      }
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const { return chunk_ == o.chunk_ && index_ == o.index_; }

   private:
    friend class ChildSet;
    const_iterator(const std::vector<std::vector<std::string>>* chunks, std::size_t chunk, std::size_t index)
        : chunks_(chunks), chunk_(chunk), index_(index) {}
    const std::vector<std::vector<std::string>>* chunks_ = nullptr;
    std::size_t chunk_ = 0;
    std::size_t index_ = 0;
  };
  using iterator = const_iterator;

  ChildSet() = default;
  ChildSet(std::initializer_list<std::string> names) {
    for (const auto& n : names) insert(n);
  }

  // False (and no change) when `name` is there already.
  bool insert(std::string name);
  // The number of names removed: 0 or 1.
  std::size_t erase(std::string_view name);
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const_iterator begin() const { return {&chunks_, 0, 0}; }
  const_iterator end() const { return {&chunks_, chunks_.size(), 0}; }
  // The first name after `name`, as std::set::upper_bound.
  const_iterator upper_bound(std::string_view name) const;
  const_iterator find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != end(); }
  std::size_t count(std::string_view name) const { return contains(name) ? 1 : 0; }

  bool operator==(const ChildSet& o) const { return size_ == o.size_ && std::equal(begin(), end(), o.begin()); }

 private:
  // The chunk `name` belongs in: the first whose last name is >= it (the last chunk if none).
  std::size_t chunk_for(std::string_view name) const;

  std::vector<std::vector<std::string>> chunks_;  // each sorted and non-empty; in order
  std::size_t size_ = 0;
};

}  // namespace zablab::data
