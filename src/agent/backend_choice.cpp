#include "agent/backend_choice.h"

#include <cerrno>

#include <fmt/format.h>

namespace driftguard::agent {
namespace {

constexpr const char* kKillAction =
    "SIGKILL sent in the kernel before the drifted code runs (exit 137)";
constexpr const char* kDenyAction =
    "the exec, mapping or open fails with EPERM (\"Operation not permitted\"); the caller "
    "goes on";

kernel::Enforcement enforcement_of(const std::string& name) {
    return name == "lsm"        ? kernel::Enforcement::lsm
           : name == "fmod_ret" ? kernel::Enforcement::fmod_ret
                                : kernel::Enforcement::kill;
}

}  // namespace

Result<BackendChoice> choose_backend(const std::string& requested, const KernelOffers& offers) {
    std::vector<BackendOption> options;
    for (const auto& [name, probe] :
         {std::pair{"lsm", offers.lsm}, std::pair{"fmod_ret", offers.fmod_ret},
          std::pair{"fanotify", offers.fanotify}}) {
        const kernel::Offer offer = probe();
        const bool in_release = std::string(name) != "fanotify";
        options.push_back(
            BackendOption{.name = name,
                          .offered = offer.available,
                          .in_release = in_release,
                          .reason = offer.available && !in_release
                                        ? offer.reason + "; not in this release of driftguard"
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
        if (option.usable()) {
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
    BackendChoice choice{.name = chosen->name,
                         .enforcement = enforcement_of(chosen->name),
                         .action = chosen->name == "kill" ? kKillAction : kDenyAction,
                         .considered = options};
    std::string refused;
    for (const auto& option : options) {
        if (&option != chosen && option.name != "kill") {
            refused +=
                fmt::format("{}{}: {}", refused.empty() ? "" : "; ", option.name, option.reason);
        }
    }
    choice.why = wanted.empty() ? "the best backend this kernel and release offer (" + refused + ")"
                                : "asked for with --backend";
    if (wanted.empty() && refused.empty()) {
        choice.why = "the best backend there is";
    }
    return choice;
}

BackendChoice fall_back_to_kill(const BackendChoice& failed, const std::string& error) {
    BackendChoice kill = failed;
    kill.name = "kill";
    kill.enforcement = kernel::Enforcement::kill;
    kill.action = kKillAction;
    for (auto& option : kill.considered) {
        if (option.name == failed.name) {
            option.offered = false;
            option.reason += "; but the sensor's programs for it did not load: " + error;
            kill.why = "fell back: " + option.name + ": " + option.reason;
        }
    }
    return kill;
}

}  // namespace driftguard::agent
