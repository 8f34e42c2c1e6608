// stb_image_write's code for the browser build (gui/app/window.cpp's save_png): the native build
// links Debian's libstb, which has no wasm build; its header carries the code behind this define.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
