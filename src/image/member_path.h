#pragma once

#include <string>
#include <string_view>

#include "image/scan_limits.h"

namespace driftguard::image {

// Turns a layer member name into the canonical relative path used in the image tree
// ("./usr//bin/ls" -> "usr/bin/ls"; "./" -> ""). Throws ImageError for names that are
// absolute, contain "..", contain a NUL, or exceed the length or depth limits: such
// names can only come from a broken or hostile layer.
std::string normalize_member_path(std::string_view name, const ScanLimits& limits);

// The directory part of a canonical path ("usr/bin/ls" -> "usr/bin"; "ls" -> "").
std::string_view parent_path(std::string_view path);
// The last component of a canonical path.
std::string_view base_name(std::string_view path);
// Joins a canonical directory and a name.
std::string join_path(std::string_view directory, std::string_view name);

// True if a symlink at canonical `link_path` pointing at `target` resolves, lexically,
// to a place above the image root (a relative target with too many "..").
bool symlink_escapes_root(std::string_view link_path, std::string_view target);

}  // namespace driftguard::image
