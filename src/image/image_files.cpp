#include "image/image_files.h"

#include <sys/stat.h>

#include <map>
#include <optional>

#include <fmt/format.h>

#include "image/archive_reader.h"
#include "image/image_error.h"
#include "image/member_path.h"

namespace driftguard::image {
namespace {

// Members at most this large are kept in memory by the archive index, up to the budget.
constexpr std::size_t kCachedMemberLimit = 4 * 1024 * 1024;
constexpr std::size_t kCacheBudget = 64 * 1024 * 1024;
constexpr int kMaxLinkHops = 8;

std::string read_all(ByteStream& stream, std::size_t limit, const std::string& where) {
    std::string content;
    for (auto chunk = stream.read(); !chunk.empty(); chunk = stream.read()) {
        if (content.size() + chunk.size() > limit) {
            throw ImageError(fmt::format("{}: larger than the limit of {} bytes", where, limit));
        }
        content.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    }
    return content;
}

class MemoryStream final : public ByteStream {
  public:
    explicit MemoryStream(const std::string& data) : data_(data) {}
    std::span<const std::byte> read() override {
        if (done_) {
            return {};
        }
        done_ = true;
        return {reinterpret_cast<const std::byte*>(data_.data()), data_.size()};
    }

  private:
    const std::string& data_;
    bool done_ = false;
};

class DirectoryFiles final : public ImageFiles {
  public:
    DirectoryFiles(std::string directory, const ScanLimits& limits)
        : directory_(std::move(directory)), limits_(limits) {}

    bool exists(const std::string& name) override {
        struct stat info {};
        return ::stat(full_path(name).c_str(), &info) == 0;
    }
    std::string read_small(const std::string& name, std::size_t limit) override {
        FileStream file(full_path(name), location(name));
        return read_all(file, limit, location(name));
    }
    void stream(const std::string& name, const std::function<void(ByteStream&)>& consume) override {
        FileStream file(full_path(name), location(name));
        consume(file);
    }
    std::string location(const std::string& name) const override { return directory_ + "/" + name; }

  private:
    std::string full_path(const std::string& name) const {
        return directory_ + "/" + normalize_member_path(name, limits_);
    }
    std::string directory_;
    const ScanLimits& limits_;
};

// The current member of an ArchiveReader as a ByteStream.
class ArchiveMemberStream final : public ByteStream {
  public:
    explicit ArchiveMemberStream(ArchiveReader& reader) : reader_(reader) {}
    std::span<const std::byte> read() override { return reader_.read_block(); }

  private:
    ArchiveReader& reader_;
};

class ArchiveFiles final : public ImageFiles {
  public:
    ArchiveFiles(std::string path, const ScanLimits& limits)
        : path_(std::move(path)), limits_(limits) {
        index();
    }

    bool exists(const std::string& name) override { return resolve(name) != nullptr; }

    std::string read_small(const std::string& name, std::size_t limit) override {
        const Member* member = require(name);
        if (member->size > limit) {
            throw ImageError(fmt::format("{}: {} bytes, larger than the limit of {}",
                                         location(name), member->size, limit));
        }
        if (member->cached) {
            return *member->cached;
        }
        std::string content;
        stream(name,
               [&](ByteStream& stream) { content = read_all(stream, limit, location(name)); });
        return content;
    }

    void stream(const std::string& name, const std::function<void(ByteStream&)>& consume) override {
        const Member* member = require(name);
        if (member->cached) {
            MemoryStream memory(*member->cached);
            consume(memory);
            return;
        }
        ArchiveReader reader = ArchiveReader::open_file(path_, path_);
        std::uint64_t ordinal = 0;
        while (reader.next_entry() != nullptr) {
            if (ordinal++ == member->ordinal) {
                ArchiveMemberStream member_stream(reader);
                consume(member_stream);
                return;
            }
        }
        throw ImageError(fmt::format("{}: member vanished while reading", location(name)));
    }

    std::string location(const std::string& name) const override { return path_ + ":" + name; }

  private:
    struct Member {
        std::uint64_t ordinal = 0;
        std::uint64_t size = 0;
        bool regular = false;
        std::string symlink_target;  // resolved relative to the archive root
        std::optional<std::string> cached;
    };

    void index() {
        ArchiveReader reader = ArchiveReader::open_file(path_, path_);
        std::size_t cached_bytes = 0;
        std::uint64_t ordinal = 0;
        while (archive_entry* entry = reader.next_entry()) {
            const char* raw = archive_entry_pathname(entry);
            std::string name;
            try {
                name = normalize_member_path(raw ? raw : "", limits_);
            } catch (const ImageError& error) {
                rethrow_with_context(error, fmt::format("{}: member '{}'", path_, raw ? raw : ""));
            }
            if (members_.size() >= limits_.max_entries) {
                throw ImageError(
                    fmt::format("{}: more than {} members", path_, limits_.max_entries));
            }
            Member member;
            member.ordinal = ordinal++;
            member.size =
                static_cast<std::uint64_t>(std::max<la_int64_t>(archive_entry_size(entry), 0));
            member.regular = archive_entry_filetype(entry) == AE_IFREG &&
                             archive_entry_hardlink(entry) == nullptr;
            if (archive_entry_filetype(entry) == AE_IFLNK &&
                archive_entry_symlink(entry) != nullptr) {
                std::string target = archive_entry_symlink(entry);
                member.symlink_target = target.starts_with("/")
                                            ? target.substr(1)
                                            : join_path(parent_path(name), target);
            }
            if (member.regular && member.size <= kCachedMemberLimit &&
                cached_bytes + member.size <= kCacheBudget) {
                ArchiveMemberStream stream(reader);
                member.cached = read_all(stream, kCachedMemberLimit, location(name));
                cached_bytes += member.cached->size();
            }
            members_.insert_or_assign(std::move(name), std::move(member));
        }
    }

    const Member* resolve(const std::string& name) const {
        std::string current = name;
        for (int hop = 0; hop <= kMaxLinkHops; ++hop) {
            std::string canonical;
            try {
                canonical = normalize_member_path(current, limits_);
            } catch (const ImageError&) {
                return nullptr;
            }
            auto found = members_.find(canonical);
            if (found == members_.end()) {
                return nullptr;
            }
            if (found->second.symlink_target.empty()) {
                return found->second.regular ? &found->second : nullptr;
            }
            current = found->second.symlink_target;
        }
        return nullptr;
    }

    const Member* require(const std::string& name) const {
        const Member* member = resolve(name);
        if (member == nullptr) {
            throw ImageError(fmt::format("{}: no such file in the archive", location(name)));
        }
        return member;
    }

    std::string path_;
    const ScanLimits& limits_;
    std::map<std::string, Member, std::less<>> members_;
};

}  // namespace

std::unique_ptr<ImageFiles> open_directory_files(const std::string& directory,
                                                 const ScanLimits& limits) {
    return std::make_unique<DirectoryFiles>(directory, limits);
}

std::unique_ptr<ImageFiles> open_archive_files(const std::string& archive_path,
                                               const ScanLimits& limits) {
    return std::make_unique<ArchiveFiles>(archive_path, limits);
}

}  // namespace driftguard::image
