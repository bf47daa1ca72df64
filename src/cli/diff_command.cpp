#include "cli/diff_command.h"

#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "image/image_error.h"
#include "runtime/container_diff.h"
#include "runtime/container_discovery.h"
#include "runtime/metadata_resolver.h"

namespace driftguard::cli {
namespace {

struct Found {
    runtime::ContainerRoot root;
    runtime::ContainerMetadata metadata;
};

// The running container named by `reference`: ID, unique ID prefix (4+ digits), name,
// or kernel key. Sets `problem` when there is none or the prefix is ambiguous.
std::optional<Found> find_container(const std::string& reference, std::string& problem) {
    runtime::RuntimePaths paths;
    paths.ask_podman = false;  // containers/storage has the names; no need to wait on podman
    const runtime::MetadataResolver resolver(paths);
    std::optional<Found> match;
    for (const auto& [dev, root] : runtime::discover_containers()) {
        auto metadata = resolver.resolve_container(root.pid, root.upperdir, root.dev);
        if (metadata.id == reference || metadata.name == reference ||
            std::to_string(dev) == reference) {
            return Found{root, metadata};
        }
        if (reference.size() >= 4 && metadata.id.starts_with(reference)) {
            if (match) {
                problem = fmt::format("'{}' matches more than one container", reference);
                return std::nullopt;
            }
            match = Found{root, metadata};
        }
    }
    if (!match) {
        problem =
            fmt::format("no running container is '{}' (ID, ID prefix, name or key)", reference);
    }
    return match;
}

std::string mode_text(std::uint32_t mode) {
    return fmt::format("{:04o}", mode);
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
    struct Arguments {
        std::string container;
        bool json = false;
    };
    auto arguments = std::make_shared<Arguments>();
    CLI::App* diff = app.add_subcommand(
        "diff",
        "Executables a running container has added, modified or removed compared with "
        "its image");
    diff->add_option("container", arguments->container, "Container ID, ID prefix, name or key")
        ->required();
    diff->add_flag("--json", arguments->json, "JSON (driftguard.diff/v1)");
    diff->callback([arguments, &exit_code] {
        std::string problem;
        auto found = find_container(arguments->container, problem);
        if (!found) {
            fmt::print(stderr, "driftguard diff: {}\n", problem);
            exit_code = kExitUsage;
            return;
        }
        std::vector<runtime::ExecutableChange> changes;
        try {
            changes = runtime::diff_container(found->root,
                                              runtime::container_mount_points(found->root.pid));
        } catch (const image::ImageError& error) {
            fmt::print(stderr, "driftguard diff: {}\n", error.what());
            exit_code = kExitImageError;
            return;
        }
        const auto& metadata = found->metadata;
        if (arguments->json) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& change : changes) {
                nlohmann::json entry = {{"change", runtime::to_string(change.kind)},
                                        {"path", change.path}};
                if (change.kind != runtime::ExecutableChange::Kind::removed) {
                    entry["sha256"] = change.sha256;
                    entry["mode"] = mode_text(change.mode);
                }
                if (change.kind != runtime::ExecutableChange::Kind::added) {
                    entry["image_sha256"] = change.image_sha256;
                    entry["image_mode"] = mode_text(change.image_mode);
                    entry["image_layer"] = change.image_layer;
                }
                list.push_back(std::move(entry));
            }
            std::cout << nlohmann::json{{"schema", "driftguard.diff/v1"},
                                        {"container",
                                         {{"id", metadata.id},
                                          {"name", metadata.name},
                                          {"key", found->root.dev},
                                          {"image", metadata.image_name}}},
                                        {"changes", list}}
                             .dump(2)
                      << '\n';
            return;
        }
        std::cout << fmt::format(
            "container {} ({}), image {}: {} changed executables\n",
            metadata.id.empty() ? std::to_string(found->root.dev) : metadata.id.substr(0, 12),
            metadata.name.empty() ? "unnamed" : metadata.name,
            metadata.image_name.empty() ? "unknown" : metadata.image_name, changes.size());
        if (changes.empty()) {
            return;
        }
        std::cout << fmt::format("{:<9} {:<16} {:<16} {:<6} {}\n", "CHANGE", "SHA256",
                                 "IMAGE SHA256", "MODE", "PATH");
        for (const auto& change : changes) {
            std::cout << fmt::format(
                "{:<9} {:<16} {:<16} {:<6} {}\n", runtime::to_string(change.kind),
                change.sha256.empty() ? "-" : change.sha256.substr(0, 16),
                change.image_sha256.empty() ? "-" : change.image_sha256.substr(0, 16),
                change.kind == runtime::ExecutableChange::Kind::removed
                    ? mode_text(change.image_mode)
                    : mode_text(change.mode),
                change.path);
        }
    });
}

}  // namespace driftguard::cli
