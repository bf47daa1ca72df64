#include "image/image_scanner.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "image/image_error.h"
#include "image/layer_tree.h"

namespace driftguard::image {
namespace {

struct ParsedReference {
    ImageFormat format = ImageFormat::rootfs;
    std::string path;
    std::string name;  // ref inside a layout or archive, or the storage image
};

bool is_image_id(const std::string& text) {
    std::string hex = text.starts_with("sha256:") ? text.substr(7) : text;
    return hex.size() >= 12 && hex.size() <= 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
               return std::isxdigit(static_cast<unsigned char>(c));
           });
}

// Splits "PATH[:REF]" at the first colon.
std::pair<std::string, std::string> split_path_ref(const std::string& text) {
    auto colon = text.find(':');
    if (colon == std::string::npos) {
        return {text, {}};
    }
    return {text.substr(0, colon), text.substr(colon + 1)};
}

// Tells an oci-archive from a docker-archive by the members it has.
ImageFormat detect_archive(const std::string& path, const ScanLimits& limits) {
    auto files = open_archive_files(path, limits);
    if (files->exists("oci-layout") && files->exists("index.json")) {
        return ImageFormat::oci_archive;
    }
    if (files->exists("manifest.json")) {
        return ImageFormat::docker_archive;
    }
    throw ImageError(
        fmt::format("{}: a tar archive, but neither an OCI layout nor a docker-archive", path));
}

ParsedReference parse_reference(const std::string& reference, const ScanLimits& limits) {
    struct Transport {
        std::string_view prefix;
        ImageFormat format;
    };
    static constexpr Transport kTransports[] = {
        {"oci:", ImageFormat::oci_layout},
        {"oci-archive:", ImageFormat::oci_archive},
        {"docker-archive:", ImageFormat::docker_archive},
        {"containers-storage:", ImageFormat::containers_storage},
        {"rootfs:", ImageFormat::rootfs},
    };
    for (const auto& transport : kTransports) {
        if (!reference.starts_with(transport.prefix)) {
            continue;
        }
        std::string rest = reference.substr(transport.prefix.size());
        if (rest.empty()) {
            throw ImageError(
                fmt::format("image reference \"{}\" names nothing after the transport", reference));
        }
        if (transport.format == ImageFormat::containers_storage) {
            return {transport.format, {}, rest};
        }
        if (transport.format == ImageFormat::rootfs) {
            return {transport.format, rest, {}};
        }
        auto [path, ref] = split_path_ref(rest);
        return {transport.format, path, ref};
    }

    struct stat info {};
    if (::stat(reference.c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode)) {
            struct stat marker {};
            bool layout = ::stat((reference + "/oci-layout").c_str(), &marker) == 0;
            return {layout ? ImageFormat::oci_layout : ImageFormat::rootfs, reference, {}};
        }
        if (S_ISREG(info.st_mode)) {
            return {detect_archive(reference, limits), reference, {}};
        }
        throw ImageError(fmt::format("{}: neither a directory nor a regular file", reference));
    }
    if (is_image_id(reference)) {
        return {ImageFormat::containers_storage, {}, reference};
    }
    throw ImageError(
        fmt::format("\"{}\" is not a file or directory; for an image in local storage write "
                    "containers-storage:{}",
                    reference, reference));
}

}  // namespace

std::string_view to_string(ImageFormat format) {
    switch (format) {
        case ImageFormat::oci_layout:
            return "oci";
        case ImageFormat::oci_archive:
            return "oci-archive";
        case ImageFormat::docker_archive:
            return "docker-archive";
        case ImageFormat::containers_storage:
            return "containers-storage";
        case ImageFormat::rootfs:
            return "rootfs";
    }
    return "rootfs";
}

std::unique_ptr<ImageSource> open_image(const std::string& reference, const ScanOptions& options) {
    ParsedReference parsed = parse_reference(reference, options.limits);
    ImageInfo info;
    info.reference = reference;
    info.format = parsed.format;
    const Platform platform =
        options.platform.empty() ? host_platform() : parse_platform(options.platform);
    switch (parsed.format) {
        case ImageFormat::oci_layout:
            return open_oci_image(open_directory_files(parsed.path, options.limits), info,
                                  parsed.name, platform, options.limits);
        case ImageFormat::oci_archive:
            return open_oci_image(open_archive_files(parsed.path, options.limits), info,
                                  parsed.name, platform, options.limits);
        case ImageFormat::docker_archive:
            return open_docker_archive(open_archive_files(parsed.path, options.limits), info,
                                       parsed.name, options.limits);
        case ImageFormat::containers_storage:
            return open_storage_image(options.storage_root, info, parsed.name, options.limits);
        case ImageFormat::rootfs:
            return open_rootfs(parsed.path, info);
    }
    throw ImageError("unknown image format");
}

Inventory scan_image(ImageSource& source, const ScanLimits& limits) {
    LayerTree tree(limits);
    LayerApplier applier(tree, limits);
    const std::size_t layer_count = source.layers().size();
    for (std::size_t index = 0; index < layer_count; ++index) {
        applier.begin_layer(static_cast<std::uint16_t>(index));
        try {
            source.read_layer(index, applier);
        } catch (const ImageError& error) {
            const std::string& digest = source.layers()[index].digest;
            rethrow_with_context(error, fmt::format("layer {}/{}{}{}", index + 1, layer_count,
                                                    digest.empty() ? "" : " ", digest));
        }
    }

    Inventory inventory;
    inventory.image = source.info();
    inventory.layers = source.layers();
    inventory.stats = applier.stats();
    inventory.paths = tree.size();
    tree.for_each([&](const std::string& path, const TreeNode& node) {
        if (node.type == NodeType::symlink) {
            ++inventory.symlinks;
        }
        if (node.type != NodeType::regular || !node.content) {
            return;
        }
        inventory.executables.push_back(
            Executable{"/" + path, node.mode, node.uid, node.gid, node.layer, node.content});
    });
    index_by_digest(inventory);
    return inventory;
}

}  // namespace driftguard::image
