#pragma once

#include <cerrno>
#include <memory>
#include <string_view>

#include "common/result.h"
#include "kernel/libbpf_error.h"

namespace driftguard::kernel {

// Owns a bpftool-generated skeleton through its explicit steps:
//   open (parse the object, CO-RE relocations pending) -> configure rodata
//   -> load (verifier) -> attach.
// `Ops` names the skeleton's generated functions, e.g.
//   struct SelftestOps { static constexpr auto open = selftest__open; ... };
template <typename Skeleton, typename Ops>
class SkeletonHandle {
  public:
    static Result<SkeletonHandle> open(std::string_view name) {
        errno = 0;
        Skeleton* raw = Ops::open();
        if (raw == nullptr) {
            return libbpf_error("open skeleton", name, -(errno != 0 ? errno : EINVAL));
        }
        return SkeletonHandle(raw, name);
    }

    Skeleton* operator->() const { return skeleton_.get(); }
    Skeleton* get() const { return skeleton_.get(); }

    Status load() { return check_libbpf(Ops::load(skeleton_.get()), "load skeleton", name_); }
    Status attach() { return check_libbpf(Ops::attach(skeleton_.get()), "attach skeleton", name_); }

  private:
    struct Deleter {
        void operator()(Skeleton* skeleton) const { Ops::destroy(skeleton); }
    };
    SkeletonHandle(Skeleton* raw, std::string_view name) : skeleton_(raw), name_(name) {}

    std::unique_ptr<Skeleton, Deleter> skeleton_;
    std::string_view name_;
};

}  // namespace driftguard::kernel
