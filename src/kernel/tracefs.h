#pragma once

#include "common/result.h"

namespace driftguard::kernel {

// libbpf resolves "tracepoint/<category>/<name>" programs through tracefs
// (events/<category>/<name>/id). Container hosts often do not mount it: mount it at
// /sys/kernel/tracing if no tracefs is reachable there or under debugfs.
Status ensure_tracefs();

}  // namespace driftguard::kernel
