// Writes the fuzzer's seed corpus: small valid layers and image archives that reach
// every parser (whiteouts, hard links, symlinks, gzip, zstd, OCI and docker archives).
#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_archives.h"

using namespace driftguard::testing;

namespace {

void write_seed(const std::string& directory, const std::string& name, char mode,
                const std::string& bytes) {
    write_file(directory + "/" + name, std::string(1, mode) + bytes);
}

std::string sample_layer() {
    return make_tar({directory("bin"),
                     file("bin/tool",
                          "\x7f"
                          "ELF\x02\x01\x01" +
                              std::string(57, '\0'),
                          0755),
                     hardlink("bin/tool2", "bin/tool"), symlink("bin/sh", "tool"),
                     file("bin/run", "#!/bin/sh\necho\n", 0755), file("etc/.wh.gone", ""),
                     file("opt/.wh..wh..opq", ""), file("etc/data", "data")});
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        return 2;
    }
    const std::string directory = argv[1];
    std::filesystem::create_directories(directory);
    const std::string layer = sample_layer();
    write_seed(directory, "layer-plain", 0, layer);
    write_seed(directory, "layer-gzip", 0, compress(layer, Compression::gzip));
    write_seed(directory, "layer-zstd", 0, compress(layer, Compression::zstd));

    TempDir scratch;
    OciImageBuilder builder;
    builder.add_layer(layer, Compression::gzip);
    builder.add_layer(make_tar({file("bin/.wh.run", ""), file("bin/new", "#!/bin/sh\n", 0755)}),
                      Compression::none);
    builder.write_archive(scratch / "oci.tar");
    std::ifstream oci(scratch / "oci.tar", std::ios::binary);
    write_seed(directory, "oci-archive", 1, std::string(std::istreambuf_iterator<char>(oci), {}));
    write_seed(directory, "docker-archive", 1, make_docker_archive({layer}, "localhost/seed:1"));
    return 0;
}
