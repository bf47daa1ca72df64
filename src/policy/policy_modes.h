#pragma once

#include <optional>
#include <string_view>

#include "driftguard/abi.h"

namespace driftguard::policy {

// "enforce", "audit", "off": the words the policy file and the CLI use for dg_mode.
inline std::optional<dg_mode> parse_mode(std::string_view text) {
    if (text == "enforce") {
        return DG_MODE_ENFORCE;
    }
    if (text == "audit") {
        return DG_MODE_AUDIT;
    }
    if (text == "off") {
        return DG_MODE_OFF;
    }
    return std::nullopt;
}

}  // namespace driftguard::policy
