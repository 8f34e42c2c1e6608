# Used by scripts/fuzz.sh only while tests/CMakeLists.txt lacks `add_subdirectory(fuzz)`: passed as
# CMAKE_PROJECT_INCLUDE, it reads tests/fuzz/CMakeLists.txt at the end of the top-level
# CMakeLists, once every library target exists (a deferred call may include, not add_subdirectory).
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL include ${CMAKE_SOURCE_DIR}/tests/fuzz/CMakeLists.txt)
