#include "policy/policy_loader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/sha256.h"
#include "policy/policy_modes.h"

namespace driftguard::policy {
namespace {

constexpr std::size_t kMaxPolicyBytes = 1U << 20;

// Thrown inside the parser, turned into an Error with the position at the top.
struct PolicyError : std::runtime_error {
    PolicyError(const YAML::Mark& mark, const std::string& what)
        : std::runtime_error(what), line(mark.line + 1), column(mark.column + 1) {}
    int line;
    int column;
};

void expect_map(const YAML::Node& node, const std::string& where) {
    if (!node.IsMap()) {
        throw PolicyError(node.Mark(), where + ": expected a mapping");
    }
}

void reject_unknown_keys(const YAML::Node& node, const std::string& where,
                         const std::set<std::string>& known) {
    for (const auto& entry : node) {
        const auto key = entry.first.as<std::string>();
        if (known.count(key) == 0) {
            std::string allowed;
            for (const auto& name : known) {
                allowed += (allowed.empty() ? "" : ", ") + name;
            }
            throw PolicyError(
                entry.first.Mark(),
                fmt::format("{}: unknown key '{}' (expected one of: {})", where, key, allowed));
        }
    }
}

std::string scalar(const YAML::Node& node, const std::string& where) {
    if (!node.IsScalar()) {
        throw PolicyError(node.Mark(), where + ": expected a string");
    }
    return node.as<std::string>();
}

std::vector<std::string> scalar_list(const YAML::Node& node, const std::string& where) {
    if (!node.IsSequence()) {
        throw PolicyError(node.Mark(), where + ": expected a list");
    }
    std::vector<std::string> values;
    for (std::size_t i = 0; i < node.size(); ++i) {
        values.push_back(scalar(node[i], fmt::format("{}[{}]", where, i)));
    }
    return values;
}

dg_mode mode(const YAML::Node& node, const std::string& where) {
    const std::string text = scalar(node, where);
    auto parsed = parse_mode(text);
    if (!parsed) {
        throw PolicyError(node.Mark(), fmt::format("{}: '{}' is not a mode (expected enforce, "
                                                   "audit or off)",
                                                   where, text));
    }
    return *parsed;
}

bool boolean(const YAML::Node& node, const std::string& where) {
    const std::string text = scalar(node, where);
    if (text != "true" && text != "false") {
        throw PolicyError(node.Mark(), fmt::format("{}: '{}' is not true or false", where, text));
    }
    return text == "true";
}

bool is_sha256_hex(const std::string& text) {
    return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Selector selector(const YAML::Node& node, const std::string& where) {
    expect_map(node, where);
    reject_unknown_keys(node, where,
                        {"image", "imageDigest", "namespace", "labels", "container", "build"});
    Selector result;
    if (node["image"]) {
        result.image = scalar(node["image"], where + ".image");
    }
    if (node["imageDigest"]) {
        result.image_digest = scalar(node["imageDigest"], where + ".imageDigest");
        const std::string hex = result.image_digest.starts_with("sha256:")
                                    ? result.image_digest.substr(7)
                                    : result.image_digest;
        if (!is_sha256_hex(hex)) {
            throw PolicyError(node["imageDigest"].Mark(),
                              where + ".imageDigest: expected sha256: and 64 lowercase hex digits");
        }
    }
    if (node["namespace"]) {
        result.pod_namespace = scalar(node["namespace"], where + ".namespace");
    }
    if (node["container"]) {
        result.container = scalar(node["container"], where + ".container");
    }
    if (const auto labels = node["labels"]) {
        expect_map(labels, where + ".labels");
        for (const auto& entry : labels) {
            const auto key = entry.first.as<std::string>();
            result.labels[key] = scalar(entry.second, where + ".labels." + key);
        }
    }
    if (const auto build = node["build"]) {
        result.build = boolean(build, where + ".build");
    }
    return result;
}

Rule rule(const YAML::Node& node, const std::string& where) {
    expect_map(node, where);
    reject_unknown_keys(node, where, {"name", "match", "mode", "denyAnonymousExec"});
    Rule result;
    result.line = node.Mark().line + 1;
    if (node["name"]) {
        result.name = scalar(node["name"], where + ".name");
    }
    if (!node["match"]) {
        throw PolicyError(node.Mark(),
                          where + ": a rule needs 'match' (use {} for every container)");
    }
    result.match = selector(node["match"], where + ".match");
    if (!node["mode"]) {
        throw PolicyError(node.Mark(), where + ": a rule needs 'mode'");
    }
    result.mode = mode(node["mode"], where + ".mode");
    if (const auto deny = node["denyAnonymousExec"]) {
        result.deny_anonymous_exec = boolean(deny, where + ".denyAnonymousExec");
    }
    return result;
}

bool has_glob(const std::string& text) {
    return text.find_first_of("*?[") != std::string::npos;
}

// writtenBy: image programs (absolute, no globs), and directories only in `paths`.
void written_by(const YAML::Node& node, const std::string& where, Exception& result) {
    result.written_by = scalar_list(node["writtenBy"], where + ".writtenBy");
    if (result.written_by.empty()) {
        throw PolicyError(node["writtenBy"].Mark(),
                          where + ".writtenBy: expected at least one program");
    }
    for (std::size_t i = 0; i < result.written_by.size(); ++i) {
        const std::string& program = result.written_by[i];
        if (!program.starts_with("/") || has_glob(program) || program.ends_with("/")) {
            throw PolicyError(node["writtenBy"][i].Mark(),
                              fmt::format("{}.writtenBy[{}]: '{}' is not the absolute path of a "
                                          "program (no globs)",
                                          where, i, program));
        }
    }
    if (!result.sha256.empty()) {
        throw PolicyError(node["sha256"].Mark(),
                          where +
                              ": writtenBy names who may write the files; it does not go "
                              "with sha256");
    }
    if (result.paths.empty()) {
        throw PolicyError(node.Mark(), where + ": writtenBy needs 'paths' (directories, /dir/**)");
    }
    for (std::size_t i = 0; i < result.paths.size(); ++i) {
        const std::string& path = result.paths[i];
        const bool directory_form =
            path.ends_with("/**") && path.size() > 3 && !has_glob(path.substr(0, path.size() - 3));
        if (!directory_form) {
            throw PolicyError(node["paths"][i].Mark(),
                              fmt::format("{}.paths[{}]: '{}': with writtenBy, paths are "
                                          "directories written as /dir/** (no other globs)",
                                          where, i, path));
        }
    }
}

Exception exception(const YAML::Node& node, const std::string& where) {
    expect_map(node, where);
    reject_unknown_keys(node, where, {"name", "match", "paths", "sha256", "writtenBy"});
    Exception result;
    result.line = node.Mark().line + 1;
    if (node["name"]) {
        result.name = scalar(node["name"], where + ".name");
    }
    if (node["match"]) {
        result.match = selector(node["match"], where + ".match");
    }
    if (node["paths"]) {
        result.paths = scalar_list(node["paths"], where + ".paths");
        for (std::size_t i = 0; i < result.paths.size(); ++i) {
            if (!result.paths[i].starts_with("/")) {
                throw PolicyError(node["paths"][i].Mark(),
                                  fmt::format("{}.paths[{}]: '{}' is not an absolute path", where,
                                              i, result.paths[i]));
            }
        }
    }
    if (node["sha256"]) {
        result.sha256 = scalar_list(node["sha256"], where + ".sha256");
        for (std::size_t i = 0; i < result.sha256.size(); ++i) {
            if (!is_sha256_hex(result.sha256[i])) {
                throw PolicyError(
                    node["sha256"][i].Mark(),
                    fmt::format("{}.sha256[{}]: expected 64 lowercase hex digits", where, i));
            }
        }
    }
    if (result.paths.empty() && result.sha256.empty()) {
        throw PolicyError(node.Mark(),
                          where + ": an exception needs 'paths' or 'sha256' (or both)");
    }
    if (node["writtenBy"]) {
        written_by(node, where, result);
    }
    return result;
}

Policy document(const YAML::Node& root) {
    Policy policy;
    if (root.IsNull()) {
        return policy;  // an empty file: the default, enforce everywhere
    }
    expect_map(root, "policy");
    reject_unknown_keys(root, "policy", {"apiVersion", "defaultMode", "rules", "exceptions"});
    if (root["apiVersion"]) {
        const auto version = scalar(root["apiVersion"], "apiVersion");
        if (version != "driftguard/v1") {
            throw PolicyError(root["apiVersion"].Mark(),
                              fmt::format("apiVersion: '{}' is not supported (expected "
                                          "driftguard/v1)",
                                          version));
        }
    }
    if (root["defaultMode"]) {
        policy.default_mode = mode(root["defaultMode"], "defaultMode");
    }
    if (const auto rules = root["rules"]) {
        if (!rules.IsSequence()) {
            throw PolicyError(rules.Mark(), "rules: expected a list");
        }
        for (std::size_t i = 0; i < rules.size(); ++i) {
            policy.rules.push_back(rule(rules[i], fmt::format("rules[{}]", i)));
        }
    }
    if (const auto exceptions = root["exceptions"]) {
        if (!exceptions.IsSequence()) {
            throw PolicyError(exceptions.Mark(), "exceptions: expected a list");
        }
        for (std::size_t i = 0; i < exceptions.size(); ++i) {
            policy.exceptions.push_back(exception(exceptions[i], fmt::format("exceptions[{}]", i)));
        }
    }
    return policy;
}

}  // namespace

Result<Policy> parse_policy(const std::string& text, const std::string& origin) {
    try {
        Policy policy = document(YAML::Load(text));
        policy.origin = origin;
        policy.digest = to_hex(sha256_of(text));
        return policy;
    } catch (const PolicyError& error) {
        return Error{fmt::format("{}:{}:{}: {}", origin, error.line, error.column, error.what()),
                     EINVAL};
    } catch (const YAML::Exception& error) {
        return Error{fmt::format("{}:{}:{}: {}", origin, error.mark.line + 1, error.mark.column + 1,
                                 error.msg),
                     EINVAL};
    }
}

Result<Policy> load_policy_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return Error{fmt::format("{}: cannot read the policy: {}", path, std::strerror(errno)),
                     errno};
    }
    if (!S_ISREG(info.st_mode)) {
        return Error{fmt::format("{}: the policy is not a regular file", path), EINVAL};
    }
    if (static_cast<std::size_t>(info.st_size) > kMaxPolicyBytes) {
        return Error{fmt::format("{}: the policy is {} bytes; the limit is {}", path, info.st_size,
                                 kMaxPolicyBytes),
                     EFBIG};
    }
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    if (!file.good() && !file.eof()) {
        return Error{fmt::format("{}: cannot read the policy", path), EIO};
    }
    return parse_policy(text.str(), path);
}

}  // namespace driftguard::policy
