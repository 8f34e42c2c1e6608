// Colours and small drawing helpers shared by the panels: one colour per role, phase, message
// kind and record category, so the ring, the space-time diagram and the lists agree.
#pragma once

#include <imgui.h>

#include <string>

#include "gui/model/ensemble_state.h"
#include "gui/model/layout.h"
#include "gui/model/timeline.h"

namespace zablab::gui::style {

ImU32 role_color(Role r, int alpha = 255);
ImU32 phase_color(Phase p, int alpha = 255);
ImU32 category_color(Category c, int alpha = 255);
ImU32 message_color(const Message& m, int alpha = 255);
ImVec4 to_vec4(ImU32 c);

inline constexpr ImU32 kText = IM_COL32(230, 230, 235, 255);
inline constexpr ImU32 kDim = IM_COL32(150, 150, 160, 255);
inline constexpr ImU32 kCursor = IM_COL32(255, 90, 90, 255);
inline constexpr ImU32 kSelect = IM_COL32(255, 255, 255, 255);
inline constexpr ImU32 kBlocked = IM_COL32(235, 60, 60, 255);
inline constexpr ImU32 kLink = IM_COL32(95, 100, 115, 255);
inline constexpr ImU32 kCanvas = IM_COL32(22, 24, 30, 255);
inline constexpr ImU32 kStripe = IM_COL32(28, 30, 37, 255);  // every other space-time lane
inline constexpr ImU32 kGutter = IM_COL32(26, 28, 35, 255);  // behind the lane names

// `over` drawn with `alpha` (0-255) on the opaque `under`, as one opaque colour: a layer that
// costs one fill instead of two.
ImU32 mix(ImU32 over, ImU32 under, int alpha);

inline ImVec2 im(Vec2 v) { return ImVec2(v.x, v.y); }
inline Vec2 vec(ImVec2 v) { return Vec2{v.x, v.y}; }

// Text centred on `center`.
void centered_text(ImDrawList* dl, ImVec2 center, ImU32 color, const std::string& text);
// A pill with text, centred on `center`; returns its rectangle.
Rect label_pill(ImDrawList* dl, ImVec2 center, ImU32 fill, ImU32 text_color, const std::string& text,
                bool outline = false);
// An arrow head at `tip` pointing from `from`.
void arrow_head(ImDrawList* dl, ImVec2 from, ImVec2 tip, ImU32 color, float size);
// A dashed line.
void dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 color, float thickness, float dash, float gap);
// A small X mark.
void cross(ImDrawList* dl, ImVec2 c, float r, ImU32 color, float thickness);

// "s3" with the role, for lists.
std::string server_title(const ServerView& s);
// Heading text in a colour.
void heading(const char* text, ImU32 color = kText);

}  // namespace zablab::gui::style
