#include "agent/upper_layer_verifier.h"

#include <fcntl.h>
#include <fts.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include <spdlog/spdlog.h>

#include "agent/stable_file_digest.h"
#include "policy/policy_match.h"

namespace driftguard::agent {

std::string_view to_string(UpperLayerVerifier::Outcome outcome) {
    switch (outcome) {
        case UpperLayerVerifier::Outcome::allowed:
            return "allowed";
        case UpperLayerVerifier::Outcome::excepted:
            return "excepted by policy";
        case UpperLayerVerifier::Outcome::not_in_image:
            return "not-in-image";
        case UpperLayerVerifier::Outcome::content_differs:
            return "content-differs";
        case UpperLayerVerifier::Outcome::made_executable:
            return "made-executable";
        case UpperLayerVerifier::Outcome::unreadable:
            return "unreadable";
        case UpperLayerVerifier::Outcome::changed_while_hashing:
            return "changed-while-hashing";
        case UpperLayerVerifier::Outcome::has_writers:
            return "open-for-writing-elsewhere";
        case UpperLayerVerifier::Outcome::too_large:
            return "too-large-to-hash";
    }
    return "unreadable";
}

UpperLayerVerifier::UpperLayerVerifier(AllowedFiles& allowed, const image::Inventory& inventory,
                                       std::string upperdir, WorkerPool& hashing, Defer defer)
    : allowed_(allowed),
      inventory_(inventory),
      upperdir_(std::move(upperdir)),
      inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      hashing_(hashing),
      defer_(std::move(defer)) {
    watch_directory("");
}

void UpperLayerVerifier::set_exceptions(std::vector<policy::Exception> exceptions) {
    const bool changed = exceptions.size() != exceptions_.size() ||
                         !std::equal(exceptions.begin(), exceptions.end(), exceptions_.begin(),
                                     [](const auto& a, const auto& b) {
                                         return a.paths == b.paths && a.sha256 == b.sha256;
                                     });
    exceptions_ = std::move(exceptions);
    if (changed && !exceptions_.empty()) {
        sweep();
    }
}

bool UpperLayerVerifier::may_except(const std::string& path) const {
    return std::any_of(exceptions_.begin(), exceptions_.end(),
                       [&](const policy::Exception& exception) {
                           return exception.paths.empty() || policy::path_matches(exception, path);
                       });
}

bool UpperLayerVerifier::may_allow(const std::string& path, bool executable) const {
    if (image_executable(path) != nullptr) {
        return true;
    }
    return std::any_of(
        exceptions_.begin(), exceptions_.end(), [&](const policy::Exception& exception) {
            return exception.paths.empty() ? executable : policy::path_matches(exception, path);
        });
}

UpperLayerVerifier::Candidate UpperLayerVerifier::candidate(const std::string& path) const {
    Candidate candidate{path, upperdir_};
    if (const image::Executable* in_image = image_executable(path)) {
        candidate.in_image = true;
        candidate.image_mode = in_image->mode;
        candidate.image_size = in_image->content->size;
    }
    candidate.exceptions_apply = may_except(path);
    return candidate;
}

UpperLayerVerifier::Hashed UpperLayerVerifier::hash(const Candidate& candidate) {
    Hashed hashed{candidate.path};
    hashed.fd.reset(::open((candidate.upperdir + candidate.path).c_str(),
                           O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    struct stat before {};
    if (!hashed.fd || ::fstat(hashed.fd.get(), &before) != 0 || !S_ISREG(before.st_mode)) {
        hashed.outcome = Outcome::unreadable;
        return hashed;
    }
    if (candidate.in_image && (candidate.image_mode & 0111) == 0 && (before.st_mode & 0111) != 0) {
        hashed.outcome = Outcome::made_executable;
        return hashed;
    }
    // The image bounds what is worth hashing: another size cannot be the image's content.
    if (candidate.in_image && !candidate.exceptions_apply &&
        static_cast<std::uint64_t>(before.st_size) != candidate.image_size) {
        hashed.outcome = Outcome::content_differs;
        return hashed;
    }
    if (has_writers(hashed.fd.get())) {
        hashed.outcome = Outcome::has_writers;
        return hashed;
    }
    const std::uint64_t limit =
        candidate.exceptions_apply || !candidate.in_image ? kMaxHashedBytes : candidate.image_size;
    auto digest = stable_file_digest(hashed.fd.get(), limit);
    if (!digest) {
        hashed.outcome = digest.error().code == EFBIG    ? Outcome::too_large
                         : digest.error().code == ESTALE ? Outcome::changed_while_hashing
                                                         : Outcome::unreadable;
        return hashed;
    }
    hashed.digest = *digest;
    return hashed;
}

UpperLayerVerifier::Outcome UpperLayerVerifier::conclude(Hashed& hashed) {
    if (hashed.outcome) {
        return *hashed.outcome;
    }
    const std::string& path = hashed.path;
    const image::Executable* in_image = image_executable(path);
    Outcome outcome = Outcome::not_in_image;
    if (in_image != nullptr) {
        outcome = hashed.digest.sha256 == in_image->content->sha256 ? Outcome::allowed
                                                                    : Outcome::content_differs;
    }
    if (outcome != Outcome::allowed) {
        const std::string hex = to_hex(hashed.digest.sha256);
        const bool executable = (hashed.digest.attributes.st_mode & 0111) != 0;
        for (const auto& exception : exceptions_) {
            if ((exception.paths.empty() ? executable : policy::path_matches(exception, path)) &&
                policy::digest_matches(exception, hex)) {
                outcome = Outcome::excepted;
                break;
            }
        }
    }
    if (outcome != Outcome::allowed && outcome != Outcome::excepted) {
        return outcome;
    }
    // The entry carries the ctime read before hashing: a write since voids it in the kernel.
    if (auto status = allowed_.allow(hashed.fd.get(), hashed.digest.attributes); !status) {
        if (status.error().code == ETXTBSY) {
            return Outcome::has_writers;
        }
        spdlog::warn("cannot allow {}: {}", path, status.error().message);
        return Outcome::unreadable;
    }
    return outcome;
}

UpperLayerVerifier::Outcome UpperLayerVerifier::verify(const std::string& path) {
    Hashed hashed = hash(candidate(path));
    return conclude(hashed);
}

void UpperLayerVerifier::check(const std::string& path) {
    struct stat info {};
    if (::lstat((upperdir_ + path).c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
        !may_allow(path, (info.st_mode & 0111) != 0)) {
        return;
    }
    if (in_flight_.count(path) != 0) {
        look_again_.insert(path);  // the hash under way may predate this change
        return;
    }
    // One container gets a bounded share of the shared queue, so another's copy-ups are
    // not kept waiting behind it; the rest is retried on the tick.
    const bool queued =
        in_flight_.size() < kMaxInFlight &&
        hashing_.submit([this, alive = std::weak_ptr<bool>(alive_), job = candidate(path)] {
            auto result = std::make_shared<Hashed>(hash(job));
            return [this, alive, result] {
                if (alive.lock()) {
                    hashed(*result);
                }
            };
        });
    if (!queued) {
        waiting_.insert(path);  // no room now: when a hash returns, or on the tick
        return;
    }
    waiting_.erase(path);
    in_flight_.insert(path);
}

void UpperLayerVerifier::check_waiting() {
    while (!waiting_.empty() && in_flight_.size() < kMaxInFlight) {
        const std::string path = *waiting_.begin();
        waiting_.erase(waiting_.begin());
        const std::size_t before = in_flight_.size();
        check(path);
        if (in_flight_.size() == before && waiting_.count(path) != 0) {
            return;  // the shared queue is full
        }
    }
}

void UpperLayerVerifier::hashed(Hashed& result) {
    const std::string path = result.path;
    in_flight_.erase(path);
    const Outcome outcome = conclude(result);
    if (outcome == Outcome::has_writers) {
        had_writers_.insert(path);
    } else {
        had_writers_.erase(path);
    }
    spdlog::info("upper-layer file {}: {}", path, to_string(outcome));
    if (look_again_.erase(path) != 0) {
        check(path);
    }
    check_waiting();
}

void UpperLayerVerifier::retry_files_with_writers() {
    const std::set<std::string> paths = std::move(had_writers_);
    had_writers_.clear();
    for (const auto& path : paths) {
        check(path);
    }
    check_waiting();
}

void UpperLayerVerifier::sweep() {
    scan_subtree("");
}

void UpperLayerVerifier::scan_subtree(const std::string& relative) {
    subtrees_.push_back(relative);
    schedule_slice();
}

void UpperLayerVerifier::schedule_slice() {
    if (slice_scheduled_ || !walking()) {
        return;
    }
    slice_scheduled_ = true;
    defer_([this, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.lock()) {
            walk_slice();
        }
    });
}

void UpperLayerVerifier::walk_slice() {
    slice_scheduled_ = false;
    for (std::size_t budget = kWalkSlice; budget > 0;) {
        if (!walking_) {
            if (subtrees_.empty()) {
                return;
            }
            walking_root_ = upperdir_ + subtrees_.front();
            subtrees_.pop_front();
            char* paths[] = {walking_root_.data(), nullptr};
            walking_.reset(::fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, nullptr));
            continue;
        }
        FTSENT* node = ::fts_read(walking_.get());
        if (node == nullptr) {
            walking_.reset();
            continue;
        }
        --budget;
        if (node->fts_info == FTS_F) {
            check(std::string(node->fts_path).substr(upperdir_.size()));
        } else if (node->fts_info == FTS_D && node->fts_level > 0) {
            // Watched before its entries are read: nothing created in it is missed.
            watch_directory(std::string(node->fts_path).substr(upperdir_.size()));
        }
    }
    schedule_slice();
}

void UpperLayerVerifier::watch_directory(const std::string& relative) {
    if (!inotify_) {
        return;
    }
    int wd = ::inotify_add_watch(
        inotify_.get(), (upperdir_ + relative).c_str(),
        IN_CREATE | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_TO | IN_ONLYDIR | IN_DONT_FOLLOW);
    if (wd >= 0) {
        watches_[wd] = relative;
    }
}

void UpperLayerVerifier::handle_watch_events() {
    alignas(inotify_event) std::array<char, 16384> buffer{};
    for (;;) {
        ssize_t length = ::read(inotify_.get(), buffer.data(), buffer.size());
        if (length <= 0) {
            return;
        }
        for (ssize_t offset = 0; offset < length;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
            offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
            auto watch = watches_.find(event->wd);
            if (watch == watches_.end() || event->len == 0) {
                continue;
            }
            const std::string path = watch->second + "/" + event->name;
            if (event->mask & IN_ISDIR) {
                if (event->mask & (IN_CREATE | IN_MOVED_TO)) {
                    // Files may have landed in it before the watch existed.
                    watch_directory(path);
                    scan_subtree(path);
                }
                continue;
            }
            check(path);
        }
    }
}

}  // namespace driftguard::agent
