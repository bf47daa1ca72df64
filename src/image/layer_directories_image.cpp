// The image of a running container, read from its overlay lower directories (the
// extracted image layers on the host), bottom first, with overlayfs whiteouts.
#include "image/directory_layer_reader.h"
#include "image/image_source.h"

namespace driftguard::image {
namespace {

class LayerDirectoriesImage final : public ImageSource {
  public:
    LayerDirectoriesImage(std::vector<std::string> directories, ImageInfo info)
        : directories_(std::move(directories)), info_(std::move(info)) {
        for (const auto& directory : directories_) {
            layers_.push_back(LayerInfo{{}, {}, "overlay lower directory " + directory, 0, "none"});
        }
    }
    const ImageInfo& info() const override { return info_; }
    const std::vector<LayerInfo>& layers() const override { return layers_; }
    void read_layer(std::size_t index, LayerApplier& applier) override {
        read_directory_layer(directories_.at(index), WhiteoutEncoding::overlay, applier,
                             directories_[index]);
    }

  private:
    std::vector<std::string> directories_;
    ImageInfo info_;
    std::vector<LayerInfo> layers_;
};

}  // namespace

std::unique_ptr<ImageSource> open_layer_directories(const std::vector<std::string>& directories,
                                                    ImageInfo info) {
    return std::make_unique<LayerDirectoriesImage>(directories, std::move(info));
}

}  // namespace driftguard::image
