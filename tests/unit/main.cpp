// Catch2's main, alone in this file: it is the slowest file to compile, so it never changes.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
