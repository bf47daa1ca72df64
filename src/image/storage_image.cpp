// Images in the local containers-storage (podman, buildah, CRI-O), overlay driver:
//   overlay-images/images.json   id, names, top layer; big-data files hold manifest and config
//   overlay-layers/layers.json   id, parent, diff-digest, compressed-diff-digest
//   overlay/<layer id>/diff      the layer, extracted, with overlayfs whiteouts
// The storage is root-owned and trusted to be consistent; it is read without taking
// its locks, so an image removed during the scan fails the scan with a clear error.
#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "image/directory_layer_reader.h"
#include "image/image_error.h"
#include "image/image_source.h"
#include "image/json_fields.h"
#include "image/member_path.h"

namespace driftguard::image {
namespace {

// containers/storage names a big-data file after its key, base64-encoded behind "="
// whenever the key has characters other than [0-9a-z.] (e.g. "sha256:…").
std::string big_data_file_name(const std::string& key) {
    bool plain = std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.';
    });
    if (plain) {
        return key;
    }
    std::string encoded(4 * ((key.size() + 2) / 3) + 1, '\0');
    int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                 reinterpret_cast<const unsigned char*>(key.data()),
                                 static_cast<int>(key.size()));
    encoded.resize(static_cast<std::size_t>(length));
    return "=" + encoded;
}

bool is_hex(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

// Candidate full names for what a user typed: "app" -> localhost/app:latest,
// docker.io/library/app:latest, …
std::vector<std::string> name_candidates(const std::string& name) {
    std::string tagged = name;
    const auto slash = name.rfind('/');
    const auto colon = name.rfind(':');
    if (name.find('@') == std::string::npos &&
        (colon == std::string::npos || (slash != std::string::npos && colon < slash))) {
        tagged += ":latest";
    }
    std::vector<std::string> candidates{tagged, "localhost/" + tagged, "docker.io/" + tagged,
                                        "docker.io/library/" + tagged};
    return candidates;
}

class StorageImage final : public ImageSource {
  public:
    StorageImage(std::string root, ImageInfo info, const std::string& name_or_id,
                 const ScanLimits& limits)
        : root_(std::move(root)), info_(std::move(info)), limits_(limits) {
        const nlohmann::json& image = find_image(name_or_id);
        const std::string where = root_ + "/overlay-images/images.json";
        const std::string id = require_string(image, "id", where);
        if (!is_hex(id)) {
            throw ImageError(fmt::format("{}: image id \"{}\" is not hex", where, id));
        }
        info_.config_digest = "sha256:" + id;
        info_.manifest_digest = optional_string(image, "digest", where);
        if (auto names = image.find("names"); info_.name.empty() && names != image.end() &&
                                              names->is_array() && !names->empty() &&
                                              names->front().is_string()) {
            info_.name = names->front().get<std::string>();
        }
        read_config(id);
        collect_layers(require_string(image, "layer", where));
    }

    const ImageInfo& info() const override { return info_; }
    const std::vector<LayerInfo>& layers() const override { return layers_; }

    void read_layer(std::size_t index, LayerApplier& applier) override {
        const std::string directory = root_ + "/overlay/" + layer_ids_.at(index) + "/diff";
        read_directory_layer(directory, WhiteoutEncoding::overlay, applier, directory);
        layers_[index].compression = "none";
    }

  private:
    nlohmann::json load(const std::string& relative) {
        const std::string path = root_ + "/" + relative;
        auto files = open_directory_files(root_, limits_);
        if (!files->exists(relative)) {
            throw ImageError(
                fmt::format("{}: missing (is {} a containers-storage root?)", path, root_));
        }
        // images.json and layers.json grow with the store; allow them more than one manifest.
        return parse_image_json(files->read_small(relative, 64 * limits_.max_metadata_bytes), path);
    }

    const nlohmann::json& find_image(const std::string& name_or_id) {
        images_ = load("overlay-images/images.json");
        const std::string where = root_ + "/overlay-images/images.json";
        if (!images_.is_array()) {
            throw ImageError(fmt::format("{}: expected a list", where));
        }
        std::string wanted = name_or_id.starts_with("sha256:") ? name_or_id.substr(7) : name_or_id;
        const auto candidates = name_candidates(name_or_id);
        std::vector<const nlohmann::json*> by_id;
        for (const auto& image : images_) {
            const std::string id = optional_string(image, "id", where);
            if (id == wanted) {
                return image;
            }
            if (wanted.size() >= 4 && is_hex(wanted) && id.starts_with(wanted)) {
                by_id.push_back(&image);
            }
            if (auto names = image.find("names"); names != image.end() && names->is_array()) {
                for (const auto& name : *names) {
                    if (name.is_string() &&
                        std::find(candidates.begin(), candidates.end(), name.get<std::string>()) !=
                            candidates.end()) {
                        info_.name = name.get<std::string>();  // the name the user meant
                        return image;
                    }
                }
            }
        }
        if (by_id.size() == 1) {
            return *by_id.front();
        }
        if (by_id.size() > 1) {
            throw ImageError(
                fmt::format("image ID prefix \"{}\" is ambiguous in {}", wanted, root_));
        }
        throw ImageError(
            fmt::format("no image \"{}\" in the containers-storage at {}", name_or_id, root_));
    }

    void read_config(const std::string& id) {
        const std::string relative =
            "overlay-images/" + id + "/" + big_data_file_name("sha256:" + id);
        auto files = open_directory_files(root_, limits_);
        if (!files->exists(relative)) {
            return;  // images without a stored config still have layers worth scanning
        }
        const std::string text = files->read_small(relative, limits_.max_metadata_bytes);
        if (to_oci_digest(sha256_of(text)) != info_.config_digest) {
            throw ImageError(
                fmt::format("{}/{}: config does not match the image ID", root_, relative));
        }
        nlohmann::json config = parse_image_json(text, root_ + "/" + relative);
        info_.os = optional_string(config, "os", relative);
        info_.architecture = optional_string(config, "architecture", relative);
    }

    void collect_layers(const std::string& top) {
        nlohmann::json layers = load("overlay-layers/layers.json");
        const std::string where = root_ + "/overlay-layers/layers.json";
        if (!layers.is_array()) {
            throw ImageError(fmt::format("{}: expected a list", where));
        }
        std::string current = top;
        std::set<std::string> visited;
        while (!current.empty()) {
            if (!is_hex(current) || !visited.insert(current).second ||
                visited.size() > limits_.max_layers) {
                throw ImageError(fmt::format("{}: broken layer chain at \"{}\"", where, current));
            }
            auto found =
                std::find_if(layers.begin(), layers.end(), [&](const nlohmann::json& layer) {
                    return layer.is_object() && optional_string(layer, "id", where) == current;
                });
            if (found == layers.end()) {
                throw ImageError(fmt::format("{}: layer {} is missing", where, current));
            }
            layer_ids_.push_back(current);
            layers_.push_back(LayerInfo{optional_string(*found, "compressed-diff-digest", where),
                                        optional_string(*found, "diff-digest", where),
                                        "containers-storage overlay layer",
                                        0,
                                        {}});
            if (auto size = found->find("diff-size");
                size != found->end() && size->is_number_unsigned()) {
                layers_.back().size = size->get<std::uint64_t>();
            }
            current = optional_string(*found, "parent", where);
        }
        std::reverse(layer_ids_.begin(), layer_ids_.end());
        std::reverse(layers_.begin(), layers_.end());
    }

    std::string root_;
    ImageInfo info_;
    const ScanLimits& limits_;
    nlohmann::json images_;
    std::vector<std::string> layer_ids_;
    std::vector<LayerInfo> layers_;
};

}  // namespace

std::unique_ptr<ImageSource> open_storage_image(const std::string& storage_root, ImageInfo info,
                                                const std::string& name_or_id,
                                                const ScanLimits& limits) {
    return std::make_unique<StorageImage>(storage_root, std::move(info), name_or_id, limits);
}

}  // namespace driftguard::image
