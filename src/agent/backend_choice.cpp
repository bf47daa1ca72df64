#include "agent/backend_choice.h"

#include <cerrno>

#include <fmt/format.h>

namespace driftguard::agent {
namespace {

constexpr const char* kKillAction =
    "SIGKILL sent in the kernel before the drifted code runs (exit 137)";

}  // namespace

Result<BackendChoice> choose_backend(const std::string& requested, const KernelOffers& offers) {
    std::vector<BackendOption> options;
    for (const auto& [name, probe] :
         {std::pair{"lsm", offers.lsm}, std::pair{"fmod_ret", offers.fmod_ret},
          std::pair{"fanotify", offers.fanotify}}) {
        const kernel::Offer offer = probe();
        options.push_back(BackendOption{
            .name = name,
            .offered = offer.available,
            .in_release = false,
            .reason = offer.available ? offer.reason + "; not in this release of driftguard"
                                      : offer.reason});
    }
    options.push_back(
        BackendOption{.name = "kill",
                      .offered = true,
                      .in_release = true,
                      .reason = "tracepoints (tp_btf) load on every kernel with BTF"});

    const std::string wanted = requested == "auto" ? "" : requested;
    const BackendOption* chosen = nullptr;
    for (const auto& option : options) {
        if (!wanted.empty() && option.name != wanted) {
            continue;
        }
        if (option.offered && option.in_release) {
            chosen = &option;
            break;
        }
        if (!wanted.empty()) {
            return Error{fmt::format("backend {} cannot be used here: {}", wanted, option.reason),
                         EOPNOTSUPP};
        }
    }
    if (chosen == nullptr) {
        return Error{fmt::format("unknown backend '{}': expected auto, lsm, fmod_ret, fanotify "
                                 "or kill",
                                 requested),
                     EINVAL};
    }
    BackendChoice choice{.name = chosen->name, .action = kKillAction, .considered = options};
    std::string refused;
    for (const auto& option : options) {
        if (&option != chosen && option.name != "kill") {
            refused +=
                fmt::format("{}{}: {}", refused.empty() ? "" : "; ", option.name, option.reason);
        }
    }
    choice.why = wanted.empty() ? "the best backend this kernel and release offer (" + refused + ")"
                                : "asked for with --backend";
    return choice;
}

}  // namespace driftguard::agent
