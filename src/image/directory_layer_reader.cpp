#include "image/directory_layer_reader.h"

#include <fcntl.h>
#include <fts.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/unique_fd.h"
#include "image/image_error.h"

namespace driftguard::image {
namespace {

constexpr std::size_t kReadChunk = 256 * 1024;

class FileContent final : public ContentReader {
  public:
    FileContent(const char* path, std::vector<std::byte>& buffer)
        : fd_(::open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)), buffer_(buffer) {
        if (!fd_) {
            throw ImageError(fmt::format("cannot open: {}", std::strerror(errno)));
        }
    }
    std::span<const std::byte> next() override {
        for (;;) {
            ssize_t got = ::read(fd_.get(), buffer_.data(), buffer_.size());
            if (got >= 0) {
                return std::span(buffer_).first(static_cast<std::size_t>(got));
            }
            if (errno != EINTR) {
                throw ImageError(fmt::format("read failed: {}", std::strerror(errno)));
            }
        }
    }

  private:
    UniqueFd fd_;
    std::vector<std::byte>& buffer_;
};

class NoContent final : public ContentReader {
  public:
    std::span<const std::byte> next() override { return {}; }
};

bool is_opaque_directory(const char* path) {
    // overlayfs marks opaque directories with this xattr ("y"); unprivileged overlay
    // mounts use the user. namespace instead.
    for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
        char value[2] = {};
        ssize_t size = ::lgetxattr(path, name, value, sizeof(value));
        if (size == 1 && value[0] == 'y') {
            return true;
        }
    }
    return false;
}

struct FtsCloser {
    void operator()(FTS* tree) const { fts_close(tree); }
};

}  // namespace

void read_directory_layer(const std::string& root, WhiteoutEncoding encoding, LayerApplier& applier,
                          const std::string& description) {
    struct stat root_info {};
    if (::stat(root.c_str(), &root_info) != 0 || !S_ISDIR(root_info.st_mode)) {
        throw ImageError(fmt::format("{}: not a readable directory", description));
    }
    std::string root_copy = root;
    char* paths[] = {root_copy.data(), nullptr};
    std::unique_ptr<FTS, FtsCloser> tree(
        fts_open(paths, FTS_PHYSICAL | FTS_COMFOLLOW | FTS_NOCHDIR | FTS_XDEV, nullptr));
    if (!tree) {
        throw ImageError(fmt::format("{}: cannot walk: {}", description, std::strerror(errno)));
    }

    std::vector<std::byte> buffer(kReadChunk);
    std::map<std::pair<dev_t, ino_t>, std::string> seen_inodes;
    NoContent no_content;
    const std::size_t prefix = root.size();

    for (;;) {
        errno = 0;
        FTSENT* node = fts_read(tree.get());
        if (node == nullptr) {
            if (errno != 0) {
                throw ImageError(
                    fmt::format("{}: walk failed: {}", description, std::strerror(errno)));
            }
            break;
        }
        if (node->fts_level == 0 || node->fts_info == FTS_DP) {
            continue;
        }
        std::string_view relative = std::string_view(node->fts_path).substr(prefix);
        while (!relative.empty() && relative.front() == '/') {
            relative.remove_prefix(1);
        }
        try {
            if (node->fts_info == FTS_DNR || node->fts_info == FTS_ERR ||
                node->fts_info == FTS_NS) {
                throw ImageError(fmt::format("cannot read: {}", std::strerror(node->fts_errno)));
            }
            const struct stat& info = *node->fts_statp;
            LayerEntry entry;
            entry.path = relative;
            entry.mode = info.st_mode & 07777;
            entry.uid = info.st_uid;
            entry.gid = info.st_gid;
            std::string link_target;
            switch (info.st_mode & S_IFMT) {
                case S_IFDIR:
                    entry.type = EntryType::directory;
                    applier.apply(entry, no_content);
                    if (encoding == WhiteoutEncoding::overlay &&
                        is_opaque_directory(node->fts_accpath)) {
                        entry.type = EntryType::opaque;
                        applier.apply(entry, no_content);
                    }
                    continue;
                case S_IFREG: {
                    if (info.st_nlink > 1) {
                        auto [it, inserted] =
                            seen_inodes.try_emplace({info.st_dev, info.st_ino}, relative);
                        if (!inserted) {
                            entry.type = EntryType::hardlink;
                            entry.link_target = it->second;
                            applier.apply(entry, no_content);
                            continue;
                        }
                    }
                    entry.type = EntryType::regular;
                    entry.size = static_cast<std::uint64_t>(info.st_size);
                    FileContent content(node->fts_accpath, buffer);
                    applier.apply(entry, content);
                    continue;
                }
                case S_IFLNK: {
                    link_target.resize(static_cast<std::size_t>(info.st_size) + 1);
                    ssize_t length =
                        ::readlink(node->fts_accpath, link_target.data(), link_target.size());
                    if (length < 0) {
                        throw ImageError(fmt::format("cannot read link: {}", std::strerror(errno)));
                    }
                    link_target.resize(static_cast<std::size_t>(length));
                    entry.type = EntryType::symlink;
                    entry.link_target = link_target;
                    applier.apply(entry, no_content);
                    continue;
                }
                case S_IFCHR:
                    if (encoding == WhiteoutEncoding::overlay && major(info.st_rdev) == 0 &&
                        minor(info.st_rdev) == 0) {
                        entry.type = EntryType::whiteout;
                        applier.apply(entry, no_content);
                        continue;
                    }
                    [[fallthrough]];
                case S_IFBLK:
                    if (encoding == WhiteoutEncoding::none) {
                        continue;  // a live root filesystem's /dev nodes are not image content
                    }
                    entry.type = EntryType::device;
                    applier.apply(entry, no_content);
                    continue;
                default:
                    entry.type = EntryType::fifo_socket;
                    applier.apply(entry, no_content);
                    continue;
            }
        } catch (const ImageError& error) {
            rethrow_with_context(error, fmt::format("{}: '{}'", description, relative));
        }
    }
}

}  // namespace driftguard::image
