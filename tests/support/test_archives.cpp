#include "test_archives.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/sha256.h"

namespace driftguard::testing {
namespace {

struct WriterDeleter {
    void operator()(archive* writer) const { archive_write_free(writer); }
};

la_ssize_t append_to_string(archive* /*writer*/, void* client, const void* buffer, size_t length) {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
}

void check(int status, archive* writer, const char* what) {
    if (status < ARCHIVE_WARN) {
        throw std::runtime_error(fmt::format("{}: {}", what, archive_error_string(writer)));
    }
}

// Writes a raw byte string through a libarchive compression filter.
std::string filter_bytes(const std::string& data, Compression compression) {
    std::string output;
    std::unique_ptr<archive, WriterDeleter> writer(archive_write_new());
    check(archive_write_set_format_raw(writer.get()), writer.get(), "raw format");
    if (compression == Compression::gzip) {
        check(archive_write_add_filter_gzip(writer.get()), writer.get(), "gzip");
    } else if (compression == Compression::zstd) {
        check(archive_write_add_filter_zstd(writer.get()), writer.get(), "zstd");
    }
    archive_write_set_bytes_in_last_block(writer.get(), 1);
    check(archive_write_open(writer.get(), &output, nullptr, append_to_string, nullptr),
          writer.get(), "open");
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                        archive_entry_free);
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
    check(archive_write_header(writer.get(), entry.get()), writer.get(), "header");
    if (!data.empty()) {
        archive_write_data(writer.get(), data.data(), data.size());
    }
    check(archive_write_close(writer.get()), writer.get(), "close");
    return output;
}

}  // namespace

TarMember file(std::string name, std::string data, std::uint32_t mode) {
    return TarMember{std::move(name), MemberType::file, std::move(data), mode, {}};
}
TarMember directory(std::string name, std::uint32_t mode) {
    return TarMember{std::move(name), MemberType::directory, {}, mode, {}};
}
TarMember symlink(std::string name, std::string target) {
    return TarMember{std::move(name), MemberType::symlink, {}, 0777, std::move(target)};
}
TarMember hardlink(std::string name, std::string target) {
    return TarMember{std::move(name), MemberType::hardlink, {}, 0644, std::move(target)};
}

std::string compress(const std::string& data, Compression compression) {
    if (compression == Compression::none) {
        return data;
    }
    return filter_bytes(data, compression);
}

std::string make_tar(const std::vector<TarMember>& members, Compression compression) {
    std::string output;
    std::unique_ptr<archive, WriterDeleter> writer(archive_write_new());
    check(archive_write_set_format_pax_restricted(writer.get()), writer.get(), "pax format");
    archive_write_set_bytes_in_last_block(writer.get(), 1);
    check(archive_write_open(writer.get(), &output, nullptr, append_to_string, nullptr),
          writer.get(), "open");
    for (const auto& member : members) {
        std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                            archive_entry_free);
        archive_entry_set_pathname(entry.get(), member.name.c_str());
        archive_entry_set_perm(entry.get(), member.mode);
        archive_entry_set_mtime(entry.get(), 1700000000, 0);
        switch (member.type) {
            case MemberType::file:
                archive_entry_set_filetype(entry.get(), AE_IFREG);
                archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.data.size()));
                break;
            case MemberType::directory:
                archive_entry_set_filetype(entry.get(), AE_IFDIR);
                break;
            case MemberType::symlink:
                archive_entry_set_filetype(entry.get(), AE_IFLNK);
                archive_entry_set_symlink(entry.get(), member.link.c_str());
                break;
            case MemberType::hardlink:
                archive_entry_set_filetype(entry.get(), AE_IFREG);
                archive_entry_set_hardlink(entry.get(), member.link.c_str());
                archive_entry_set_size(entry.get(), 0);
                break;
            case MemberType::char_device:
                archive_entry_set_filetype(entry.get(), AE_IFCHR);
                archive_entry_set_rdevmajor(entry.get(), 1);
                archive_entry_set_rdevminor(entry.get(), 3);
                break;
            case MemberType::fifo:
                archive_entry_set_filetype(entry.get(), AE_IFIFO);
                break;
        }
        check(archive_write_header(writer.get(), entry.get()), writer.get(), "header");
        if (member.type == MemberType::file && !member.data.empty()) {
            archive_write_data(writer.get(), member.data.data(), member.data.size());
        }
    }
    check(archive_write_close(writer.get()), writer.get(), "close");
    return compress(output, compression);
}

std::size_t find_header(const std::string& tar, const std::string& name) {
    for (std::size_t offset = 0; offset + 512 <= tar.size(); offset += 512) {
        const char* header = tar.data() + offset;
        if (std::memcmp(header + 257, "ustar", 5) == 0 &&
            std::string(header, strnlen(header, 100)) == name) {
            return offset;
        }
    }
    throw std::runtime_error("no ustar header for " + name);
}

void set_first_member_size(std::string& tar, std::uint64_t size, std::size_t header_offset) {
    char* header = tar.data() + header_offset;
    if (size < (1ULL << 33)) {
        std::string octal = fmt::format("{:011o}", size);
        std::memcpy(header + 124, octal.c_str(), 12);
    } else {
        // base-256: high bit set in the first byte, big-endian value in the rest.
        std::memset(header + 124, 0, 12);
        header[124] = static_cast<char>(0x80);
        for (int i = 0; i < 8; ++i) {
            header[135 - i] = static_cast<char>((size >> (8 * i)) & 0xff);
        }
    }
    std::memset(header + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i) {
        sum += static_cast<unsigned char>(header[i]);
    }
    std::string checksum = fmt::format("{:06o}", sum);
    std::memcpy(header + 148, checksum.c_str(), 7);
}

std::string sha256_digest(const std::string& data) {
    return to_oci_digest(sha256_of(data));
}

std::string OciImageBuilder::add_layer(const std::string& uncompressed, Compression compression) {
    static const char* kTypes[] = {"application/vnd.oci.image.layer.v1.tar",
                                   "application/vnd.oci.image.layer.v1.tar+gzip",
                                   "application/vnd.oci.image.layer.v1.tar+zstd"};
    return add_raw_layer(compress(uncompressed, compression), kTypes[static_cast<int>(compression)],
                         sha256_digest(uncompressed));
}

std::string OciImageBuilder::add_raw_layer(const std::string& bytes, const std::string& media_type,
                                           const std::string& diff_id) {
    std::string digest = sha256_digest(bytes);
    blobs[digest] = bytes;
    layers_.push_back(Layer{digest, media_type, bytes.size(), diff_id});
    return digest;
}

std::string OciImageBuilder::config_json() const {
    nlohmann::json diff_ids = nlohmann::json::array();
    for (const auto& layer : layers_) {
        diff_ids.push_back(layer.diff_id);
    }
    return nlohmann::json{{"architecture", "amd64"},
                          {"os", "linux"},
                          {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
        .dump();
}

std::string OciImageBuilder::manifest_json() {
    std::string config = config_json();
    std::string config_digest = sha256_digest(config);
    blobs[config_digest] = config;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : layers_) {
        layers.push_back(
            {{"mediaType", layer.media_type}, {"digest", layer.digest}, {"size", layer.size}});
    }
    return nlohmann::json{{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                          {"config",
                           {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                            {"digest", config_digest},
                            {"size", config.size()}}},
                          {"layers", layers}}
        .dump();
}

void OciImageBuilder::finalize() {
    if (!index_.empty()) {
        return;
    }
    std::string manifest = manifest_json();
    manifest_digest = sha256_digest(manifest);
    blobs[manifest_digest] = manifest;
    index_ =
        nlohmann::json{{"schemaVersion", 2},
                       {"manifests",
                        {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                          {"digest", manifest_digest},
                          {"size", manifest.size()},
                          {"annotations", {{"org.opencontainers.image.ref.name", ref_name_}}}}}}}
            .dump();
}

void OciImageBuilder::write_directory(const std::string& directory) {
    finalize();
    std::filesystem::create_directories(directory + "/blobs/sha256");
    write_file(directory + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    write_file(directory + "/index.json", index_);
    for (const auto& [digest, bytes] : blobs) {
        write_file(directory + "/blobs/sha256/" + digest.substr(7), bytes);
    }
}

void OciImageBuilder::write_archive(const std::string& path) {
    finalize();
    std::vector<TarMember> members{directory("blobs"), directory("blobs/sha256"),
                                   file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"),
                                   file("index.json", index_)};
    for (const auto& [digest, bytes] : blobs) {
        members.push_back(file("blobs/sha256/" + digest.substr(7), bytes));
    }
    write_file(path, make_tar(members));
}

std::string make_docker_archive(const std::vector<std::string>& layer_tars,
                                const std::string& repo_tag) {
    nlohmann::json diff_ids = nlohmann::json::array();
    nlohmann::json layer_names = nlohmann::json::array();
    std::vector<TarMember> members;
    for (const auto& tar : layer_tars) {
        std::string digest = sha256_digest(tar);
        diff_ids.push_back(digest);
        std::string name = digest.substr(7) + ".tar";
        layer_names.push_back(name);
        members.push_back(file(name, tar));
    }
    std::string config = nlohmann::json{{"architecture", "amd64"},
                                        {"os", "linux"},
                                        {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
                             .dump();
    std::string config_name = sha256_digest(config).substr(7) + ".json";
    members.push_back(file(config_name, config));
    nlohmann::json manifest = nlohmann::json::array(
        {{{"Config", config_name}, {"RepoTags", {repo_tag}}, {"Layers", layer_names}}});
    members.push_back(file("manifest.json", manifest.dump()));
    return make_tar(members);
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + path);
    }
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base ? base : "/tmp") + "/driftguard-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace driftguard::testing
