// libFuzzer target: policy files as the agent reads them (YAML parse, validation, then
// selection against a container), which must never crash or hang, only refuse.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/policy_loader.h"
#include "policy/policy_match.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto parsed = driftguard::policy::parse_policy(text, "fuzz.yaml");
    if (parsed.ok()) {
        driftguard::runtime::ContainerMetadata container;
        container.name = "web-1";
        container.image_name = "docker.io/library/wordpress:6.6";
        container.pod_namespace = "blog";
        container.labels = {{"app", "wordpress"}};
        (void)driftguard::policy::decide_mode(parsed.value(), container);
        for (const auto& exception :
             driftguard::policy::exceptions_for(parsed.value(), container)) {
            (void)driftguard::policy::path_matches(exception, "/opt/vendor/bin/tool");
        }
    }
    return 0;
}
