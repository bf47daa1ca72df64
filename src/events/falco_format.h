#pragma once

#include <nlohmann/json.hpp>

namespace driftguard::events {

// The event in the shape Falco writes with json_output: time, rule, priority, output,
// output_fields, hostname, source, tags (docs/events.md; schema in
// docs/schemas/falco-output.schema.json), so Falcosidekick and Falco pipelines take it
// unchanged. output_fields uses Falco's field names where one exists (proc.cmdline,
// container.id, k8s.ns.name, …) and driftguard.* for the rest.
nlohmann::json to_falco(const nlohmann::json& event);

}  // namespace driftguard::events
