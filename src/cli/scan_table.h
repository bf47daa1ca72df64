#pragma once

#include <ostream>

#include "image/inventory.h"

namespace driftguard::cli {

// The human-readable scan report: one row per executable and a summary line.
void print_scan_table(const image::Inventory& inventory, std::ostream& out);

}  // namespace driftguard::cli
