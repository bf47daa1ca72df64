#pragma once

#include <map>
#include <string>
#include <vector>

#include "driftguard/abi.h"

namespace driftguard::policy {

// Which workloads a rule or exception applies to. Every field that is set must match;
// an empty selector matches every container. Names are shell globs (fnmatch).
struct Selector {
    std::string image;          // glob on the image name, e.g. "docker.io/library/wordpress:*"
    std::string image_digest;   // exact manifest digest or image ID, "sha256:..."
    std::string pod_namespace;  // glob on the Kubernetes namespace
    std::map<std::string, std::string> labels;  // each label must be present, value a glob
    std::string container;  // glob on the container's name (runtime name or pod container)
    // Image builds (podman build and buildah RUN steps, BuildKit) are selected only by
    // selectors that say build: true, and workloads only by those that do not.
    bool build = false;
};

struct Rule {
    std::string name;
    Selector match;
    dg_mode mode = DG_MODE_ENFORCE;
    // Executable anonymous memory (mmap/mprotect with PROT_EXEC of memory with no file) is
    // drift: for workloads that have no JIT (docs/policy.md lists which runtimes need it).
    bool deny_anonymous_exec = false;
    int line = 0;  // where it was written (1-based), for explanations
};

// Files that may run although they are not in the image: a vendor tool an init container
// copies into an emptyDir, an agent that installs itself. A file is excepted when it
// matches one of `paths` (if any) and its SHA-256 is one of `sha256` (if any); at least
// one of the two is given.
//
// With `written_by`, the exception is for code the application produces at run time
// (Varnish's compiled VCL): a file below one of `paths` (each "/dir/**") runs when every
// process that ever opened it for writing was running one of these image programs. The
// kernel decides it as the file is written (bpf/written_by.bpf.h).
struct Exception {
    std::string name;
    Selector match;
    std::vector<std::string> paths;       // globs on the path inside the container
    std::vector<std::string> sha256;      // lowercase hex digests
    std::vector<std::string> written_by;  // absolute paths of image programs
    int line = 0;
};

struct Policy {
    std::string origin;  // the file it came from, "" for the built-in default
    std::string digest;  // SHA-256 of the text it was parsed from
    dg_mode default_mode = DG_MODE_ENFORCE;
    std::vector<Rule> rules;  // first match wins
    std::vector<Exception> exceptions;
};

}  // namespace driftguard::policy
