#include "image/member_path.h"

#include <fmt/format.h>

#include "image/image_error.h"

namespace driftguard::image {

std::string normalize_member_path(std::string_view name, const ScanLimits& limits) {
    if (name.size() > limits.max_path_length) {
        throw ImageError(fmt::format("path of {} bytes exceeds the limit of {}", name.size(),
                                     limits.max_path_length));
    }
    if (name.find('\0') != std::string_view::npos) {
        throw ImageError("path contains a NUL byte");
    }
    if (!name.empty() && name.front() == '/') {
        throw ImageError(fmt::format("absolute path '{}' in a layer", name));
    }
    std::string path;
    path.reserve(name.size());
    std::size_t depth = 0;
    std::size_t position = 0;
    while (position <= name.size()) {
        std::size_t end = name.find('/', position);
        if (end == std::string_view::npos) {
            end = name.size();
        }
        std::string_view component = name.substr(position, end - position);
        position = end + 1;
        if (component.empty() || component == ".") {
            continue;
        }
        if (component == "..") {
            throw ImageError(fmt::format("path '{}' climbs out with '..'", name));
        }
        if (++depth > limits.max_path_depth) {
            throw ImageError(
                fmt::format("path is nested deeper than {} directories", limits.max_path_depth));
        }
        if (!path.empty()) {
            path.push_back('/');
        }
        path.append(component);
    }
    return path;
}

std::string_view parent_path(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view base_name(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string join_path(std::string_view directory, std::string_view name) {
    if (directory.empty()) {
        return std::string(name);
    }
    std::string joined;
    joined.reserve(directory.size() + 1 + name.size());
    joined.append(directory).append("/").append(name);
    return joined;
}

bool symlink_escapes_root(std::string_view link_path, std::string_view target) {
    if (!target.empty() && target.front() == '/') {
        return false;  // absolute targets resolve inside the container's root
    }
    // Depth of the directory holding the link: "usr/bin/ls" lives at depth 2.
    long depth = 0;
    for (char c : parent_path(link_path)) {
        depth += c == '/' ? 1 : 0;
    }
    if (!parent_path(link_path).empty()) {
        ++depth;
    }
    std::size_t position = 0;
    while (position <= target.size()) {
        std::size_t end = target.find('/', position);
        if (end == std::string_view::npos) {
            end = target.size();
        }
        std::string_view component = target.substr(position, end - position);
        position = end + 1;
        if (component.empty() || component == ".") {
            continue;
        }
        if (component == "..") {
            if (--depth < 0) {
                return true;
            }
        } else {
            ++depth;
        }
    }
    return false;
}

}  // namespace driftguard::image
