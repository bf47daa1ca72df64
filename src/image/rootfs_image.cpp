// A plain root filesystem directory as an image of one layer (no whiteouts).
#include "image/directory_layer_reader.h"
#include "image/image_source.h"

namespace driftguard::image {
namespace {

class RootfsImage final : public ImageSource {
  public:
    RootfsImage(std::string directory, ImageInfo info)
        : directory_(std::move(directory)), info_(std::move(info)) {
        layers_.push_back(LayerInfo{{}, {}, "root filesystem directory", 0, "none"});
    }
    const ImageInfo& info() const override { return info_; }
    const std::vector<LayerInfo>& layers() const override { return layers_; }
    void read_layer(std::size_t /*index*/, LayerApplier& applier) override {
        read_directory_layer(directory_, WhiteoutEncoding::none, applier, directory_);
    }

  private:
    std::string directory_;
    ImageInfo info_;
    std::vector<LayerInfo> layers_;
};

}  // namespace

std::unique_ptr<ImageSource> open_rootfs(const std::string& directory, ImageInfo info) {
    return std::make_unique<RootfsImage>(directory, std::move(info));
}

}  // namespace driftguard::image
