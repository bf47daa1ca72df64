#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace driftguard::testing {

enum class MemberType { file, directory, symlink, hardlink, char_device, fifo };

// One member of a tar the tests build.
struct TarMember {
    std::string name;
    MemberType type = MemberType::file;
    std::string data;
    std::uint32_t mode = 0644;
    std::string link;  // symlink target or hard link target
};

TarMember file(std::string name, std::string data, std::uint32_t mode = 0644);
TarMember directory(std::string name, std::uint32_t mode = 0755);
TarMember symlink(std::string name, std::string target);
TarMember hardlink(std::string name, std::string target);

enum class Compression { none, gzip, zstd };

// A pax tar of `members`, compressed as asked. Member names are written as given, so
// tests can build hostile archives ("../x", "/etc/x").
std::string make_tar(const std::vector<TarMember>& members,
                     Compression compression = Compression::none);
std::string compress(const std::string& data, Compression compression);

// Overwrites the size field of the first member header of an uncompressed ustar/pax
// tar with `size` (octal, or base-256 when it does not fit) and fixes the checksum.
void set_first_member_size(std::string& tar, std::uint64_t size, std::size_t header_offset = 0);
// Offset of the ustar header of the member called `name` (after any pax headers).
std::size_t find_header(const std::string& tar, const std::string& name);

std::string sha256_digest(const std::string& data);  // "sha256:<hex>"

// Builds an OCI image layout: layers, config, manifest, index.
class OciImageBuilder {
  public:
    // Adds a layer; returns its blob digest. `uncompressed` is the tar before compression.
    std::string add_layer(const std::string& uncompressed, Compression compression);
    // Adds a layer with exact bytes and media type (for hostile cases).
    std::string add_raw_layer(const std::string& bytes, const std::string& media_type,
                              const std::string& diff_id);
    void set_ref_name(std::string name) { ref_name_ = std::move(name); }

    std::string config_json() const;
    std::string manifest_json();

    // Writes the layout. Blobs in `omit` are left out; `replace` swaps a blob's bytes.
    void write_directory(const std::string& directory);
    void write_archive(const std::string& path);

    std::map<std::string, std::string> blobs;  // digest -> bytes, editable by tests
    std::string manifest_digest;

  private:
    struct Layer {
        std::string digest;
        std::string media_type;
        std::uint64_t size;
        std::string diff_id;
    };
    void finalize();
    std::vector<Layer> layers_;
    std::string ref_name_ = "test:1";
    std::string index_;
};

// Builds a docker-archive (docker save layout).
std::string make_docker_archive(const std::vector<std::string>& layer_tars,
                                const std::string& repo_tag);

// Writes bytes to a file (throws on failure).
void write_file(const std::string& path, const std::string& data);

// A fresh directory under the test temp dir, removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

}  // namespace driftguard::testing
