// What a malformed snapshot is reported as, with the byte offset of the damage (files and the
// quorum port's SNAP stream alike).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace zablab::persist {

class SnapshotError : public std::runtime_error {
 public:
  SnapshotError(std::size_t offset, const std::string& what)
      : std::runtime_error("byte " + std::to_string(offset) + ": " + what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

}  // namespace zablab::persist
