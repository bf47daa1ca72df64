#pragma once

#include <nlohmann/json.hpp>

#include "image/inventory.h"

namespace driftguard::image {

// The versioned JSON form of an inventory (docs/scan.md, schema "driftguard.scan/v1").
inline constexpr const char* kScanSchema = "driftguard.scan/v1";
nlohmann::json inventory_to_json(const Inventory& inventory);

// CycloneDX 1.5 BOM: one "file" component per executable with its SHA-256.
nlohmann::json inventory_to_cyclonedx(const Inventory& inventory, const std::string& tool_version);

}  // namespace driftguard::image
