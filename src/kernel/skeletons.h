#pragma once

// The bpftool-generated skeletons, each with the Ops that SkeletonHandle needs.
// libbpf 1.1's skeleton headers use kernel types: <linux/types.h> must come first.
#include <linux/types.h>

#include "backend_probes.skel.h"
#include "kernel/skeleton.h"
#include "selftest.skel.h"
#include "sensor.skel.h"

namespace driftguard::kernel {

struct SelftestOps {
    static selftest* open() { return selftest__open(); }
    static int load(selftest* skeleton) { return selftest__load(skeleton); }
    static int attach(selftest* skeleton) { return selftest__attach(skeleton); }
    static void destroy(selftest* skeleton) { selftest__destroy(skeleton); }
};
using SelftestProgram = SkeletonHandle<selftest, SelftestOps>;

struct SensorOps {
    static sensor* open() { return sensor__open(); }
    static int load(sensor* skeleton) { return sensor__load(skeleton); }
    static int attach(sensor* skeleton) { return sensor__attach(skeleton); }
    static void destroy(sensor* skeleton) { sensor__destroy(skeleton); }
};
using SensorProgram = SkeletonHandle<sensor, SensorOps>;

struct BackendProbesOps {
    static backend_probes* open() { return backend_probes__open(); }
    static int load(backend_probes* skeleton) { return backend_probes__load(skeleton); }
    static int attach(backend_probes* skeleton) { return backend_probes__attach(skeleton); }
    static void destroy(backend_probes* skeleton) { backend_probes__destroy(skeleton); }
};
using BackendProbesProgram = SkeletonHandle<backend_probes, BackendProbesOps>;

}  // namespace driftguard::kernel
