// docker-archive (docker save, podman save --format docker-archive): manifest.json lists
// the config file and the layer tars. Layers are checked against the config's diff_ids
// (the digests of the uncompressed tars) where they are stored uncompressed.
#include <regex>

#include <fmt/format.h>

#include "image/blob_layer.h"
#include "image/image_error.h"
#include "image/image_source.h"
#include "image/json_fields.h"
#include "image/media_types.h"

namespace driftguard::image {
namespace {

// "<64 hex>.json", "<64 hex>.tar", "blobs/sha256/<64 hex>": the digest the name implies.
std::string digest_in_name(const std::string& name) {
    static const std::regex kHex("([0-9a-f]{64})(\\.json|\\.tar)?$");
    std::smatch match;
    if (std::regex_search(name, match, kHex)) {
        return "sha256:" + match[1].str();
    }
    return {};
}

class DockerArchive final : public ImageSource {
  public:
    DockerArchive(std::unique_ptr<ImageFiles> files, ImageInfo info, const std::string& ref_name,
                  const ScanLimits& limits)
        : files_(std::move(files)), info_(std::move(info)), limits_(limits) {
        const std::string where = files_->location("manifest.json");
        nlohmann::json manifest = parse_image_json(
            files_->read_small("manifest.json", limits_.max_metadata_bytes), where);
        if (!manifest.is_array() || manifest.empty()) {
            throw ImageError(fmt::format("{}: expected a non-empty list", where));
        }
        const nlohmann::json& entry = select(manifest, ref_name, where);

        const std::string config_name = require_string(entry, "Config", where);
        const std::string config_where = files_->location(config_name);
        const std::string config_text = files_->read_small(config_name, limits_.max_metadata_bytes);
        info_.config_digest = to_oci_digest(sha256_of(config_text));
        if (std::string implied = digest_in_name(config_name);
            !implied.empty() && implied != info_.config_digest) {
            throw ImageError(fmt::format("{}: digest mismatch: content is {}, name says {}",
                                         config_where, info_.config_digest, implied));
        }
        nlohmann::json config = parse_image_json(config_text, config_where);
        info_.os = optional_string(config, "os", config_where);
        info_.architecture = optional_string(config, "architecture", config_where);
        std::vector<std::string> diff_ids;
        if (auto rootfs = config.find("rootfs"); rootfs != config.end() && rootfs->is_object()) {
            if (auto ids = rootfs->find("diff_ids"); ids != rootfs->end() && ids->is_array()) {
                for (const auto& id : *ids) {
                    diff_ids.push_back(id.is_string() ? id.get<std::string>() : std::string());
                }
            }
        }

        const auto& layers = require_member(entry, "Layers", where);
        if (!layers.is_array()) {
            throw ImageError(fmt::format("{}: \"Layers\" is not a list", where));
        }
        if (layers.size() > limits_.max_layers) {
            throw ImageError(fmt::format("{}: {} layers exceed the limit of {}", where,
                                         layers.size(), limits_.max_layers));
        }
        if (diff_ids.size() != layers.size()) {
            throw ImageError(fmt::format("{}: {} layers but the config lists {} diff_ids", where,
                                         layers.size(), diff_ids.size()));
        }
        for (std::size_t i = 0; i < layers.size(); ++i) {
            if (!layers[i].is_string()) {
                throw ImageError(fmt::format("{}: Layers[{}] is not a string", where, i));
            }
            const std::string name = layers[i].get<std::string>();
            if (!files_->exists(name)) {
                throw ImageError(fmt::format("{}: layer {} is missing", files_->location(name), i));
            }
            if (!is_valid_sha256_digest(diff_ids[i])) {
                throw ImageError(
                    fmt::format("{}: diff_ids[{}] is not a sha256 digest", config_where, i));
            }
            layer_names_.push_back(name);
            layers_.push_back(LayerInfo{
                diff_ids[i], diff_ids[i], "application/vnd.docker.image.rootfs.diff.tar", 0, {}});
        }
    }

    const ImageInfo& info() const override { return info_; }
    const std::vector<LayerInfo>& layers() const override { return layers_; }

    void read_layer(std::size_t index, LayerApplier& applier) override {
        LayerInfo& layer = layers_.at(index);
        // The stored tar's own digest is its diff_id when it is uncompressed, which is
        // how docker and podman write these archives; a compressed layer cannot be
        // checked against a diff_id in the same pass and is read unverified.
        const std::string& name = layer_names_.at(index);
        const std::string stored_digest = read_blob_layer(
            *files_, name, std::string(), std::nullopt, std::nullopt, layer, applier, limits_);
        if (layer.compression != to_string(Compression::none)) {
            layer.digest.clear();
        } else if (stored_digest != layer.diff_id) {
            throw ImageError(fmt::format("{}: digest mismatch: content is {}, expected {}",
                                         files_->location(name), stored_digest, layer.diff_id));
        }
    }

  private:
    const nlohmann::json& select(const nlohmann::json& manifest, const std::string& ref_name,
                                 const std::string& where) {
        if (ref_name.empty()) {
            if (manifest.size() != 1) {
                throw ImageError(
                    fmt::format("{}: holds {} images; name one as docker-archive:PATH:NAME", where,
                                manifest.size()));
            }
            remember_name(manifest.front());
            return manifest.front();
        }
        if (std::all_of(ref_name.begin(), ref_name.end(), ::isdigit) && ref_name.size() < 6) {
            std::size_t index = std::stoul(ref_name);
            if (index < manifest.size()) {
                remember_name(manifest[index]);
                return manifest[index];
            }
        }
        for (const auto& entry : manifest) {
            auto tags = entry.find("RepoTags");
            if (tags == entry.end() || !tags->is_array()) {
                continue;
            }
            for (const auto& tag : *tags) {
                if (tag.is_string() && (tag.get<std::string>() == ref_name ||
                                        tag.get<std::string>().ends_with("/" + ref_name))) {
                    info_.name = tag.get<std::string>();
                    return entry;
                }
            }
        }
        throw ImageError(fmt::format("{}: no image named \"{}\"", where, ref_name));
    }

    void remember_name(const nlohmann::json& entry) {
        auto tags = entry.find("RepoTags");
        if (tags != entry.end() && tags->is_array() && !tags->empty() &&
            tags->front().is_string()) {
            info_.name = tags->front().get<std::string>();
        }
    }

    std::unique_ptr<ImageFiles> files_;
    ImageInfo info_;
    const ScanLimits& limits_;
    std::vector<std::string> layer_names_;
    std::vector<LayerInfo> layers_;
};

}  // namespace

std::unique_ptr<ImageSource> open_docker_archive(std::unique_ptr<ImageFiles> files, ImageInfo info,
                                                 const std::string& ref_name,
                                                 const ScanLimits& limits) {
    return std::make_unique<DockerArchive>(std::move(files), std::move(info), ref_name, limits);
}

}  // namespace driftguard::image
