// OCI image layouts (directory or oci-archive tar): index.json -> [index ->] manifest
// -> config + layers, every blob verified against its descriptor's digest and size.
#include <sys/utsname.h>

#include <fmt/format.h>

#include "image/blob_layer.h"
#include "image/image_error.h"
#include "image/image_source.h"
#include "image/json_fields.h"
#include "image/media_types.h"

namespace driftguard::image {
namespace {

constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
constexpr int kMaxIndexDepth = 4;

struct Descriptor {
    std::string media_type;
    std::string digest;
    std::uint64_t size = 0;
    nlohmann::json json;
};

Descriptor read_descriptor(const nlohmann::json& json, const std::string& where) {
    Descriptor descriptor;
    descriptor.media_type = require_string(json, "mediaType", where);
    descriptor.digest = require_string(json, "digest", where);
    descriptor.size = require_size(json, "size", where);
    descriptor.json = json;
    if (!is_valid_sha256_digest(descriptor.digest)) {
        throw ImageError(fmt::format("{}: digest \"{}\" is not sha256:<64 hex digits>", where,
                                     descriptor.digest));
    }
    return descriptor;
}

std::string blob_name(const std::string& digest) {
    return "blobs/sha256/" + digest.substr(7);
}

// Reads a small blob (index, manifest, config) and checks its size and digest.
std::string read_verified_blob(ImageFiles& files, const Descriptor& descriptor,
                               const ScanLimits& limits) {
    const std::string name = blob_name(descriptor.digest);
    if (descriptor.size > limits.max_metadata_bytes) {
        throw ImageError(fmt::format("{}: descriptor size {} exceeds the metadata limit of {}",
                                     files.location(name), descriptor.size,
                                     limits.max_metadata_bytes));
    }
    if (!files.exists(name)) {
        throw ImageError(
            fmt::format("{}: blob {} is missing", files.location(name), descriptor.digest));
    }
    std::string content = files.read_small(name, limits.max_metadata_bytes);
    if (content.size() != descriptor.size) {
        throw ImageError(fmt::format("{}: blob has {} bytes but its descriptor states {}",
                                     files.location(name), content.size(), descriptor.size));
    }
    std::string actual = to_oci_digest(sha256_of(content));
    if (actual != descriptor.digest) {
        throw ImageError(fmt::format("{}: digest mismatch: content is {}, expected {}",
                                     files.location(name), actual, descriptor.digest));
    }
    return content;
}

bool platform_matches(const nlohmann::json& descriptor, const Platform& platform) {
    auto found = descriptor.find("platform");
    if (found == descriptor.end() || !found->is_object()) {
        return false;
    }
    auto text = [&](const char* key) {
        auto value = found->find(key);
        return value != found->end() && value->is_string() ? value->get<std::string>()
                                                           : std::string();
    };
    return text("os") == platform.os && text("architecture") == platform.architecture &&
           (platform.variant.empty() || text("variant") == platform.variant);
}

class OciImage final : public ImageSource {
  public:
    OciImage(std::unique_ptr<ImageFiles> files, ImageInfo info, const std::string& ref_name,
             const Platform& platform, const ScanLimits& limits)
        : files_(std::move(files)), info_(std::move(info)), limits_(limits) {
        check_layout_marker();
        Descriptor manifest = select_from_index(ref_name, platform);
        load_manifest(manifest);
    }

    const ImageInfo& info() const override { return info_; }
    const std::vector<LayerInfo>& layers() const override { return layers_; }

    void read_layer(std::size_t index, LayerApplier& applier) override {
        LayerInfo& layer = layers_.at(index);
        read_blob_layer(*files_, blob_name(layer.digest), layer.digest, layer.size,
                        layer_media_type(layer.media_type), layer, applier, limits_);
    }

  private:
    void check_layout_marker() {
        const std::string where = files_->location("oci-layout");
        if (!files_->exists("oci-layout")) {
            throw ImageError(fmt::format("{}: missing: not an OCI image layout", where));
        }
        auto marker =
            parse_image_json(files_->read_small("oci-layout", limits_.max_metadata_bytes), where);
        std::string version = require_string(marker, "imageLayoutVersion", where);
        if (!version.starts_with("1.")) {
            throw ImageError(
                fmt::format("{}: unsupported imageLayoutVersion \"{}\"", where, version));
        }
    }

    Descriptor select_from_index(const std::string& ref_name, const Platform& platform) {
        std::string where = files_->location("index.json");
        if (!files_->exists("index.json")) {
            throw ImageError(fmt::format("{}: missing", where));
        }
        nlohmann::json index =
            parse_image_json(files_->read_small("index.json", limits_.max_metadata_bytes), where);
        bool top_level = true;
        for (int depth = 0; depth < kMaxIndexDepth; ++depth) {
            const auto& manifests = require_member(index, "manifests", where);
            if (!manifests.is_array() || manifests.empty()) {
                throw ImageError(fmt::format("{}: \"manifests\" is empty or not a list", where));
            }
            std::vector<Descriptor> candidates;
            for (std::size_t i = 0; i < manifests.size(); ++i) {
                candidates.push_back(
                    read_descriptor(manifests[i], fmt::format("{} manifests[{}]", where, i)));
            }
            Descriptor chosen = top_level ? choose_by_name(candidates, ref_name, where)
                                          : choose_by_platform(candidates, platform, where);
            top_level = false;
            if (is_manifest_media_type(chosen.media_type)) {
                return chosen;
            }
            if (!is_index_media_type(chosen.media_type)) {
                throw ImageError(
                    fmt::format("{}: {} has media type \"{}\", not a manifest or index", where,
                                chosen.digest, chosen.media_type));
            }
            where = files_->location(blob_name(chosen.digest));
            index = parse_image_json(read_verified_blob(*files_, chosen, limits_), where);
        }
        throw ImageError(
            fmt::format("{}: image indexes nested deeper than {}", where, kMaxIndexDepth));
    }

    Descriptor choose_by_name(const std::vector<Descriptor>& candidates,
                              const std::string& ref_name, const std::string& where) {
        if (ref_name.empty()) {
            if (candidates.size() != 1) {
                throw ImageError(fmt::format(
                    "{}: holds {} images; name one as oci:PATH:REF (ref.name annotation)", where,
                    candidates.size()));
            }
            info_.name = annotation(candidates.front());
            return candidates.front();
        }
        for (const auto& candidate : candidates) {
            std::string name = annotation(candidate);
            if (name == ref_name || name.ends_with(":" + ref_name)) {
                info_.name = name;
                return candidate;
            }
        }
        throw ImageError(fmt::format("{}: no image named \"{}\"", where, ref_name));
    }

    static Descriptor choose_by_platform(const std::vector<Descriptor>& candidates,
                                         const Platform& platform, const std::string& where) {
        for (const auto& candidate : candidates) {
            if (platform_matches(candidate.json, platform)) {
                return candidate;
            }
        }
        throw ImageError(fmt::format("{}: no manifest for platform {}/{}", where, platform.os,
                                     platform.architecture));
    }

    static std::string annotation(const Descriptor& descriptor) {
        auto annotations = descriptor.json.find("annotations");
        if (annotations == descriptor.json.end() || !annotations->is_object()) {
            return {};
        }
        auto name = annotations->find(kRefNameAnnotation);
        return name != annotations->end() && name->is_string() ? name->get<std::string>()
                                                               : std::string();
    }

    void load_manifest(const Descriptor& descriptor) {
        const std::string where = files_->location(blob_name(descriptor.digest));
        nlohmann::json manifest =
            parse_image_json(read_verified_blob(*files_, descriptor, limits_), where);
        info_.manifest_digest = descriptor.digest;

        Descriptor config =
            read_descriptor(require_member(manifest, "config", where), where + " config");
        if (!is_config_media_type(config.media_type)) {
            throw ImageError(fmt::format("{}: config has media type \"{}\", not an image config",
                                         where, config.media_type));
        }
        const std::string config_where = files_->location(blob_name(config.digest));
        nlohmann::json config_json =
            parse_image_json(read_verified_blob(*files_, config, limits_), config_where);
        info_.config_digest = config.digest;
        info_.os = optional_string(config_json, "os", config_where);
        info_.architecture = optional_string(config_json, "architecture", config_where);
        std::vector<std::string> diff_ids = read_diff_ids(config_json, config_where);

        const auto& layers = require_member(manifest, "layers", where);
        if (!layers.is_array()) {
            throw ImageError(fmt::format("{}: \"layers\" is not a list", where));
        }
        if (layers.size() > limits_.max_layers) {
            throw ImageError(fmt::format("{}: {} layers exceed the limit of {}", where,
                                         layers.size(), limits_.max_layers));
        }
        if (!diff_ids.empty() && diff_ids.size() != layers.size()) {
            throw ImageError(fmt::format("{}: {} layers but the config lists {} diff_ids", where,
                                         layers.size(), diff_ids.size()));
        }
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const std::string layer_where = fmt::format("{} layers[{}]", where, i);
            Descriptor layer = read_descriptor(layers[i], layer_where);
            if (!layer_media_type(layer.media_type)) {
                throw ImageError(fmt::format("{}: media type \"{}\" is not a layer type",
                                             layer_where, layer.media_type));
            }
            if (!files_->exists(blob_name(layer.digest))) {
                throw ImageError(fmt::format("{}: blob {} is missing", layer_where, layer.digest));
            }
            layers_.push_back(LayerInfo{layer.digest,
                                        diff_ids.empty() ? std::string() : diff_ids[i],
                                        layer.media_type,
                                        layer.size,
                                        {}});
        }
    }

    static std::vector<std::string> read_diff_ids(const nlohmann::json& config,
                                                  const std::string& where) {
        std::vector<std::string> diff_ids;
        auto rootfs = config.find("rootfs");
        if (rootfs == config.end() || !rootfs->is_object()) {
            return diff_ids;
        }
        auto ids = rootfs->find("diff_ids");
        if (ids == rootfs->end() || !ids->is_array()) {
            return diff_ids;
        }
        for (const auto& id : *ids) {
            if (!id.is_string()) {
                throw ImageError(fmt::format("{}: rootfs.diff_ids holds a non-string", where));
            }
            diff_ids.push_back(id.get<std::string>());
        }
        return diff_ids;
    }

    std::unique_ptr<ImageFiles> files_;
    ImageInfo info_;
    const ScanLimits& limits_;
    std::vector<LayerInfo> layers_;
};

}  // namespace

Platform host_platform() {
    Platform platform;
    struct utsname name {};
    ::uname(&name);
    std::string machine = name.machine;
    if (machine == "x86_64") {
        platform.architecture = "amd64";
    } else if (machine == "aarch64") {
        platform.architecture = "arm64";
    } else {
        platform.architecture = machine;
    }
    return platform;
}

Platform parse_platform(const std::string& text) {
    Platform platform;
    auto first = text.find('/');
    if (first == std::string::npos || first == 0 || first + 1 == text.size()) {
        throw ImageError(fmt::format("platform \"{}\" is not os/arch[/variant]", text));
    }
    platform.os = text.substr(0, first);
    auto second = text.find('/', first + 1);
    platform.architecture = text.substr(
        first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    if (second != std::string::npos) {
        platform.variant = text.substr(second + 1);
    }
    return platform;
}

std::unique_ptr<ImageSource> open_oci_image(std::unique_ptr<ImageFiles> files, ImageInfo info,
                                            const std::string& ref_name, const Platform& platform,
                                            const ScanLimits& limits) {
    return std::make_unique<OciImage>(std::move(files), std::move(info), ref_name, platform,
                                      limits);
}

}  // namespace driftguard::image
