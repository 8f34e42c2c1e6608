# Used by scripts/fuzz.sh only while tests/CMakeLists.txt lacks `add_subdirectory(fuzz)`: passed as
# CMAKE_PROJECT_INCLUDE, it reads tests/fuzz/CMakeLists.txt at the end of the top-level
# CMakeLists, once every library target exists (a deferred call may include, not add_subdirectory).
# A build directory configured with it before tests/CMakeLists.txt said add_subdirectory(fuzz) still
# names this file: then it does nothing (the targets would be defined twice).
file(READ ${CMAKE_SOURCE_DIR}/tests/CMakeLists.txt _zl_tests_cmake)
if(NOT _zl_tests_cmake MATCHES "add_subdirectory\\(fuzz\\)")
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL include ${CMAKE_SOURCE_DIR}/tests/fuzz/CMakeLists.txt)
endif()
