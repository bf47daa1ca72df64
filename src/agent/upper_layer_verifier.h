#pragma once

#include <fts.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/allowed_files.h"
#include "agent/stable_file_digest.h"
#include "agent/worker_pool.h"
#include "common/unique_fd.h"
#include "image/inventory.h"
#include "policy/policy.h"

namespace driftguard::agent {

// Tells the kernel which files of a container's upper layer may run although their data
// is there and not in the image:
//  - unchanged copies of image executables (copied up by chmod, chown or touch without
//    metacopy): same path, same SHA-256, not made executable where the image's was not;
//  - files a policy exception names (path glob and/or SHA-256; a digest-only exception
//    applies to files with an execute bit).
// The kernel entry carries the upper inode's ctime read before hashing and checked again
// after: a write during or after verification moves ctime and voids it. Until
// verification completes the file is drift (the window is documented in
// docs/kernel-sensor.md).
//
// Hashing runs on `hashing` workers (a container decides how much there is to hash); what
// the loop does per file is an lstat, a lookup and, when the hash is back, the decision
// and the kernel entry. A file changed while its hash is under way is looked at again
// when the hash returns; a file the full queue has no room for is retried on the tick.
// Walks of the upper layer (a sweep, a directory moved in) go kWalkSlice entries at a
// time, each slice deferred to the loop's next turn (`defer`), so a layer of millions of
// entries never holds the loop.
class UpperLayerVerifier {
  public:
    using Defer = std::function<void(std::function<void()>)>;
    static constexpr std::size_t kWalkSlice = 2048;
    // Hashes of one container queued or under way at most.
    static constexpr std::size_t kMaxInFlight = 16;
    UpperLayerVerifier(AllowedFiles& allowed, const image::Inventory& inventory,
                       std::string upperdir, WorkerPool& hashing, Defer defer);

    enum class Outcome {
        allowed,
        excepted,
        not_in_image,
        content_differs,
        made_executable,
        unreadable,
        changed_while_hashing,
        has_writers,  // open for writing or mapped shared-writable elsewhere: not verified now
        too_large     // over the hashing limit of files no image entry bounds
    };
    // Verifies the upper-layer file at `path` (absolute inside the container) at once,
    // on the caller's thread.
    Outcome verify(const std::string& path);
    // Verifies every regular file of the upper layer that shadows an image executable or
    // that an exception may name.
    void sweep();
    // The policy exceptions for this container; files they name are looked for again.
    void set_exceptions(std::vector<policy::Exception> exceptions);

    // inotify on the upper layer (recursive; new directories are added as they appear).
    int watch_fd() const { return inotify_.get(); }
    void handle_watch_events();
    // Verifies again the files that had a writer when they were last looked at (a writer
    // that closes leaves no inotify event when the kernel itself wrote the file, as a
    // copy-up does) and those the hashing queue had no room for. Called on the agent's
    // periodic tick.
    void retry_files_with_writers();
    // Files whose hash is queued or under way, and those waiting for room.
    std::size_t hashing() const { return in_flight_.size() + waiting_.size(); }
    // True while a walk of the upper layer has entries left.
    bool walking() const { return walking_ != nullptr || !subtrees_.empty(); }

    // The image's executable at `path` (absolute inside the container), or nullptr.
    const image::Executable* image_executable(const std::string& path) const {
        return image::find_executable(inventory_, path);
    }

  private:
    // What a worker needs to hash one file: copies, nothing of the verifier's.
    struct Candidate {
        std::string path;
        std::string upperdir;
        bool in_image = false;
        std::uint32_t image_mode = 0;
        std::uint64_t image_size = 0;
        bool exceptions_apply = false;
    };
    // What the worker found: an outcome already (the file cannot be allowed), or its
    // digest and the descriptor it was read from.
    struct Hashed {
        std::string path;
        std::optional<Outcome> outcome;
        UniqueFd fd;
        StableDigest digest;
    };
    Candidate candidate(const std::string& path) const;
    static Hashed hash(const Candidate& candidate);
    Outcome conclude(Hashed& hashed);
    void hashed(Hashed& hashed);
    void check_waiting();
    // Whether `path` is worth opening: an image executable's path or an exception's.
    bool may_allow(const std::string& path, bool executable) const;
    // True when an exception of the policy could allow a file at `path`.
    bool may_except(const std::string& path) const;
    void check(const std::string& path);
    void watch_directory(const std::string& relative);
    // Queues a walk of `relative` (a directory of the upper layer).
    void scan_subtree(const std::string& relative);
    void walk_slice();
    void schedule_slice();

    AllowedFiles& allowed_;
    const image::Inventory& inventory_;  // outlives the verifier (its container holds it)
    std::vector<policy::Exception> exceptions_;
    std::string upperdir_;
    UniqueFd inotify_;
    std::map<int, std::string> watches_;  // watch descriptor -> path relative to upperdir
    std::set<std::string> had_writers_;   // paths to verify again on the next tick
    WorkerPool& hashing_;
    std::set<std::string> in_flight_;   // hash queued or under way
    std::set<std::string> look_again_;  // changed while in flight
    std::set<std::string> waiting_;     // no room in the queue when they were checked
    struct FtsCloser {
        void operator()(FTS* tree) const { ::fts_close(tree); }
    };
    Defer defer_;
    std::unique_ptr<FTS, FtsCloser> walking_;  // the walk under way
    std::string walking_root_;
    std::deque<std::string> subtrees_;  // walks still to start
    bool slice_scheduled_ = false;
    // Completions of jobs that outlive this verifier (its container went) find it expired.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

std::string_view to_string(UpperLayerVerifier::Outcome outcome);

}  // namespace driftguard::agent
