#pragma once

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "driftguard/abi.h"
#include "kernel/sensor.h"

namespace driftguard::kernel {

// The name each kernel counter (enum dg_counter) has in `driftguard status`, whether the
// agent or the pinned sensor answers.
inline constexpr std::array<std::pair<dg_counter, const char*>, DG_COUNTER_MAX> kCounterNames = {{
    {DG_COUNTER_EXECS, "execs_judged"},
    {DG_COUNTER_MAPS, "mappings_judged"},
    {DG_COUNTER_KILLS, "blocked"},
    {DG_COUNTER_AUDITS, "audited"},
    {DG_COUNTER_EVENTS_DROPPED, "events_dropped"},
    {DG_COUNTER_PENDING_FULL, "scripts_judged_for_lack_of_room"},
    {DG_COUNTER_SCRIPTS_UNSEEN, "script_names_replaced_unopened"},
    {DG_COUNTER_SCOPE_UNRECORDED, "tasks_scope_unrecorded"},
    {DG_COUNTER_EVENTS_THROTTLED, "events_throttled"},
}};

inline nlohmann::json counters_json(const SensorCounters& counters) {
    nlohmann::json json = nlohmann::json::object();
    for (const auto& [index, name] : kCounterNames) {
        json[name] = counters.values[index];
    }
    return json;
}

}  // namespace driftguard::kernel
