// ZooKeeper path rules (PathUtils.validatePath): starts with '/', no trailing '/' except the root,
// no empty, "." or ".." segment, no NUL, no control or reserved characters (checked on the UTF-8
// decoded code points; bytes that are not UTF-8 are refused too).
#pragma once

#include <string>
#include <string_view>

namespace zablab::data {

// Empty when valid, else the reason ("Path must not end with / character").
std::string path_error(std::string_view path);
inline bool valid_path(std::string_view path) { return path_error(path).empty(); }

// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "" (the root has no parent).
std::string_view parent_path(std::string_view path);
// "/a/b" -> "b"; "/" -> "".
std::string_view base_name(std::string_view path);
// "/" + "b" -> "/b"; "/a" + "b" -> "/a/b".
std::string child_path(std::string_view parent, std::string_view name);

}  // namespace zablab::data
