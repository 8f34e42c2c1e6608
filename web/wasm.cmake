# The browser build (docs/web.md): the simulator, checkers, scenarios and the visualizer compiled
# by Debian's emscripten into one static page. The top CMakeLists.txt includes this file instead
# of its own body when the toolchain is emscripten (scripts/build-web runs emcmake).
#
# Every dependency is Debian's: Boost is header-only here (Graph's connected components, no
# Program_options), ImGui's .cpp files and SQLite's amalgamation come from Debian's source
# packages (apt-get source, unpacked by scripts/build-web into ZABLAB_IMGUI_DIR and
# ZABLAB_SQLITE_DIR), GLFW and WebGL2 from emscripten's own JS libraries.
set(ZABLAB_IMGUI_DIR "" CACHE PATH "ImGui 1.86 sources (apt-get source imgui)")
set(ZABLAB_SQLITE_DIR "" CACHE PATH "a folder with SQLite's sqlite3.c and sqlite3.h (built from apt-get source sqlite3)")
if(NOT EXISTS "${ZABLAB_IMGUI_DIR}/imgui.cpp" OR NOT EXISTS "${ZABLAB_SQLITE_DIR}/sqlite3.c")
  message(FATAL_ERROR "web: set ZABLAB_IMGUI_DIR and ZABLAB_SQLITE_DIR (scripts/build-web does)")
endif()

# JS-based C++ exceptions: the scenario parser and the trace reader throw and catch.
add_compile_options(-fexceptions)
add_link_options(-fexceptions)

# What the native build finds with find_package, as targets of the same names.
add_library(web_boost_headers INTERFACE)
# Only the boost/ and stb/ folders of /usr/include (libboost-dev, libstb-dev: header-only here):
# the rest of it is the host's libc, not emscripten's.
set(_zl_host_headers ${CMAKE_BINARY_DIR}/host-headers)
file(MAKE_DIRECTORY ${_zl_host_headers})
file(CREATE_LINK /usr/include/boost ${_zl_host_headers}/boost SYMBOLIC)
file(CREATE_LINK /usr/include/stb ${_zl_host_headers}/stb SYMBOLIC)
target_include_directories(web_boost_headers SYSTEM INTERFACE ${_zl_host_headers})
add_library(Boost::headers ALIAS web_boost_headers)

add_library(web_sqlite STATIC ${ZABLAB_SQLITE_DIR}/sqlite3.c)
target_include_directories(web_sqlite SYSTEM PUBLIC ${ZABLAB_SQLITE_DIR})
# One thread, no shared libraries, no mmap: what a browser tab offers.
target_compile_definitions(web_sqlite PRIVATE SQLITE_THREADSAFE=0 SQLITE_OMIT_LOAD_EXTENSION SQLITE_MAX_MMAP_SIZE=0
                                              SQLITE_DEFAULT_MEMSTATUS=0)
target_compile_options(web_sqlite PRIVATE -w)
add_library(SQLite::SQLite3 ALIAS web_sqlite)

add_library(web_threads INTERFACE)  # no pthreads in the page (gui/model/background_reader reads in slices)
add_library(Threads::Threads ALIAS web_threads)

add_subdirectory(core)
add_subdirectory(sim)
add_subdirectory(sim/scenario)
add_subdirectory(sim/checkers)
add_subdirectory(sim/record)
add_subdirectory(gui)   # finds no native ImGui here: gui_model only
add_subdirectory(web)
