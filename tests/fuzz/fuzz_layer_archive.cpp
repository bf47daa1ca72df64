// libFuzzer target for everything that parses untrusted image bytes.
// The first input byte picks the path:
//   even: the bytes are one layer blob (tar, gzip or zstd) streamed into the layer tree;
//   odd:  the bytes are a whole image archive (oci-archive or docker-archive) on a memfd,
//         scanned exactly as `driftguard scan FILE` would.
// ImageError is the expected outcome for bad input; anything else (a crash, a sanitizer
// report, another exception, unbounded memory) is a finding.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "common/unique_fd.h"
#include "image/byte_stream.h"
#include "image/image_error.h"
#include "image/image_scanner.h"
#include "image/layer_applier.h"
#include "image/layer_tree.h"
#include "image/tar_layer_reader.h"

namespace {

using namespace driftguard::image;

class MemoryBlob final : public ByteStream {
  public:
    explicit MemoryBlob(std::span<const std::byte> data) : data_(data) {}
    std::span<const std::byte> read() override {
        // Small uneven chunks exercise libarchive's read-ahead across callback calls.
        std::size_t take = std::min<std::size_t>(data_.size() - offset_, 4093);
        auto chunk = data_.subspan(offset_, take);
        offset_ += take;
        return chunk;
    }
    std::uint64_t offset() const { return offset_; }

  private:
    std::span<const std::byte> data_;
    std::size_t offset_ = 0;
};

ScanLimits fuzz_limits() {
    ScanLimits limits;
    limits.max_entries = 100000;
    limits.max_layer_bytes = 64u << 20;
    limits.max_file_bytes = 32u << 20;
    limits.ratio_grace_bytes = 1u << 20;
    return limits;
}

void fuzz_layer(std::span<const std::byte> data) {
    const ScanLimits limits = fuzz_limits();
    LayerTree tree(limits);
    LayerApplier applier(tree, limits);
    MemoryBlob blob(data);
    read_tar_layer(blob, applier, limits, "fuzz-layer");
}

void fuzz_archive(std::span<const std::byte> data) {
    driftguard::UniqueFd fd(::memfd_create("fuzz-image", MFD_CLOEXEC));
    if (!fd || ::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
        return;
    }
    ScanOptions options;
    options.limits = fuzz_limits();
    options.storage_root = "/nonexistent";
    auto source = open_image("/proc/self/fd/" + std::to_string(fd.get()), options);
    scan_image(*source, options.limits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    auto data = std::as_bytes(std::span(bytes + 1, size - 1));
    try {
        if ((bytes[0] & 1) == 0) {
            fuzz_layer(data);
        } else {
            fuzz_archive(data);
        }
    } catch (const ImageError&) {
        // Refusing bad input with a message is the expected result.
    }
    return 0;
}
