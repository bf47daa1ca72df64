#include "policy/policy_match.h"

#include <fnmatch.h>

#include <algorithm>

#include <fmt/format.h>

namespace driftguard::policy {
namespace {

// Empty pattern: not constrained.
bool glob(const std::string& pattern, const std::string& text, int flags = 0) {
    return pattern.empty() || ::fnmatch(pattern.c_str(), text.c_str(), flags) == 0;
}

bool path_glob(const std::string& pattern, const std::string& path) {
    if (pattern.ends_with("/**")) {
        const std::string directory = pattern.substr(0, pattern.size() - 2);  // keeps the "/"
        return path.size() > directory.size() &&
               glob(directory + "*", path.substr(0, path.find('/', directory.size())),
                    FNM_PATHNAME);
    }
    return glob(pattern, path, FNM_PATHNAME);
}

}  // namespace

bool selects(const Selector& selector, const runtime::ContainerMetadata& container) {
    if (selector.build != !container.builder.empty()) {
        return false;
    }
    if (!glob(selector.image, container.image_name)) {
        return false;
    }
    if (!selector.image_digest.empty() && selector.image_digest != container.image_digest &&
        selector.image_digest != container.image_id &&
        selector.image_digest != "sha256:" + container.image_id) {
        return false;
    }
    if (!glob(selector.pod_namespace, container.pod_namespace)) {
        return false;
    }
    if (!selector.container.empty() && !glob(selector.container, container.name) &&
        !(!container.pod_container.empty() && glob(selector.container, container.pod_container))) {
        return false;
    }
    for (const auto& [key, value] : selector.labels) {
        auto found = container.labels.find(key);
        if (found == container.labels.end() || !glob(value, found->second)) {
            return false;
        }
    }
    return true;
}

ModeDecision decide_mode(const Policy& policy, const runtime::ContainerMetadata& container) {
    for (std::size_t i = 0; i < policy.rules.size(); ++i) {
        const Rule& rule = policy.rules[i];
        if (selects(rule.match, container)) {
            const std::string name = rule.name.empty() ? fmt::format("#{}", i) : rule.name;
            return {rule.mode, fmt::format("rule '{}' (line {})", name, rule.line),
                    rule.deny_anonymous_exec};
        }
    }
    if (!container.builder.empty()) {
        // Builds install packages and run what they just wrote: that is their job, not
        // drift. A node that enforces on workloads must not break them.
        return {DG_MODE_OFF, "image build (no rule has build: true)"};
    }
    return {policy.default_mode, "defaultMode"};
}

dg_mode build_default_mode(const Policy& policy) {
    dg_mode strictest = DG_MODE_OFF;
    for (const Rule& rule : policy.rules) {
        if (rule.match.build && rule.mode > strictest) {
            strictest = rule.mode;
        }
    }
    return strictest;
}

std::vector<Exception> exceptions_for(const Policy& policy,
                                      const runtime::ContainerMetadata& container) {
    std::vector<Exception> matching;
    std::copy_if(
        policy.exceptions.begin(), policy.exceptions.end(), std::back_inserter(matching),
        [&container](const Exception& exception) { return selects(exception.match, container); });
    return matching;
}

bool path_matches(const Exception& exception, const std::string& path) {
    return exception.paths.empty() ||
           std::any_of(exception.paths.begin(), exception.paths.end(),
                       [&path](const std::string& pattern) { return path_glob(pattern, path); });
}

bool digest_matches(const Exception& exception, const std::string& sha256_hex) {
    return exception.sha256.empty() || std::find(exception.sha256.begin(), exception.sha256.end(),
                                                 sha256_hex) != exception.sha256.end();
}

}  // namespace driftguard::policy
