# Used by scripts/fuzz.sh only while tests/CMakeLists.txt lacks `add_subdirectory(fuzz)`: passed as
# CMAKE_PROJECT_INCLUDE, it adds tests/fuzz at the end of the top-level CMakeLists, once every
# library target exists.
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL add_subdirectory ${CMAKE_SOURCE_DIR}/tests/fuzz
               ${CMAKE_BINARY_DIR}/tests/fuzz)
