// What a frame asks of the rasteriser, for --bench-frames: on software GL (Mesa's llvmpipe) a
// frame's cost follows the pixels its triangles cover more than how many triangles there are.
#pragma once

struct ImDrawList;
struct ImDrawData;

namespace zablab::gui {

// The pixels one window's draw list fills: the sum of its triangles' areas inside their clip
// rectangles (approximately: a triangle is clipped by its bounding box).
double covered_area(const ImDrawList* list);
// The same for a whole frame.
double covered_area(const ImDrawData* frame);
// Prints each window's share (as a fraction of `screen_pixels`) and triangle count.
void print_area_by_window(const ImDrawData* frame, double screen_pixels);

}  // namespace zablab::gui
