// The libFuzzer entry point of one fuzz target: tests/fuzz/CMakeLists.txt compiles this file once
// per target with ZL_FUZZ_HEADER (its header in targets/) and ZL_FUZZ_ENTRY (its function).
#include <cstddef>
#include <cstdint>

#include ZL_FUZZ_HEADER

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return zablab::fuzz::ZL_FUZZ_ENTRY(data, size);
}
