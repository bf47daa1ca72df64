#include <gtest/gtest.h>

#include "common/sha256.h"
#include "image/inventory_json.h"

namespace driftguard::image {
namespace {

Inventory sample_inventory() {
    Inventory inventory;
    inventory.image.reference = "oci:/images/app";
    inventory.image.format = ImageFormat::oci_layout;
    inventory.image.name = "app:1";
    inventory.image.config_digest = "sha256:" + std::string(64, 'c');
    inventory.layers.push_back(
        LayerInfo{"sha256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'd'),
                  "application/vnd.oci.image.layer.v1.tar+gzip", 10, "gzip"});
    auto content = std::make_shared<ContentFacts>();
    content->sha256 = sha256_of("binary");
    content->size = 6;
    content->kind = ExecutableKind::elf_shared;
    content->linkage = Linkage::dynamic;
    content->interpreter = "/lib64/ld-linux-x86-64.so.2";
    content->machine = "x86_64";
    inventory.executables.push_back(Executable{"/usr/bin/app", 04755, 0, 0, 0, content});
    return inventory;
}

TEST(InventoryJson, CarriesTheSchemaVersionAndEveryField) {
    nlohmann::json json = inventory_to_json(sample_inventory());
    EXPECT_EQ(json["schema"], "driftguard.scan/v1");
    EXPECT_EQ(json["image"]["format"], "oci");
    const auto& executable = json["executables"][0];
    EXPECT_EQ(executable["path"], "/usr/bin/app");
    EXPECT_EQ(executable["mode"], "4755");
    EXPECT_EQ(executable["sha256"], to_hex(sha256_of("binary")));
    EXPECT_EQ(executable["kind"], "elf-shared");
    EXPECT_EQ(executable["linkage"], "dynamic");
    EXPECT_EQ(executable["interpreter"], "/lib64/ld-linux-x86-64.so.2");
    EXPECT_EQ(executable["layer"], "sha256:" + std::string(64, 'a'));
    EXPECT_EQ(json["summary"]["executables"], 1);
    EXPECT_EQ(json["summary"]["elf"], 1);
}

TEST(InventoryCycloneDx, ListsExecutablesAsFileComponentsWithSha256) {
    nlohmann::json bom = inventory_to_cyclonedx(sample_inventory(), "0.1.0");
    EXPECT_EQ(bom["bomFormat"], "CycloneDX");
    EXPECT_EQ(bom["specVersion"], "1.5");
    EXPECT_TRUE(bom["serialNumber"].get<std::string>().starts_with("urn:uuid:"));
    EXPECT_EQ(bom["metadata"]["component"]["type"], "container");
    const auto& component = bom["components"][0];
    EXPECT_EQ(component["type"], "file");
    EXPECT_EQ(component["name"], "/usr/bin/app");
    EXPECT_EQ(component["hashes"][0]["alg"], "SHA-256");
    EXPECT_EQ(component["hashes"][0]["content"], to_hex(sha256_of("binary")));
}

TEST(InventoryIndex, FindsExecutablesByPathAndByContent) {
    Inventory inventory;
    auto add = [&inventory](const std::string& path, const std::string& content) {
        auto facts = std::make_shared<ContentFacts>();
        facts->sha256 = sha256_of(content);
        Executable executable;
        executable.path = path;
        executable.content = facts;
        inventory.executables.push_back(executable);
    };
    add("/bin/ls", "ls");  // sorted by path, as scan_image() makes them
    add("/usr/bin/dir", "ls");
    add("/usr/bin/env", "env");
    index_by_digest(inventory);
    ASSERT_NE(find_executable(inventory, "/usr/bin/env"), nullptr);
    EXPECT_EQ(find_executable(inventory, "/usr/bin/env")->path, "/usr/bin/env");
    EXPECT_EQ(find_executable(inventory, "/usr/bin/e"), nullptr);
    const auto copies = find_by_digest(inventory, sha256_of("ls"));
    ASSERT_EQ(copies.size(), 2U);
    EXPECT_EQ(copies[0]->path, "/bin/ls");
    EXPECT_EQ(copies[1]->path, "/usr/bin/dir");
    EXPECT_TRUE(find_by_digest(inventory, sha256_of("miner")).empty());
}

}  // namespace
}  // namespace driftguard::image
