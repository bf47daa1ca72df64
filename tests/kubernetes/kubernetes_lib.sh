# Helpers of the Kubernetes tests (sourced): the rendered manifests and the Node.js tools
# that read them.

# k8s_tools WORK: a directory under WORK holding this folder's .mjs tools and, through a
# symlink, their npm packages (package.json; installed once per its content, in the cache).
k8s_tools() {
    local work="$1" here key cache
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    command -v node >/dev/null && command -v npm >/dev/null \
        || fail "node and npm are missing (scripts/install-deps.sh installs them)"
    key="$(sha256sum "$here/package.json" | cut -c1-16)"
    cache="${DRIFTGUARD_CACHE:-/var/cache/driftguard}/npm/kubernetes-$key"
    if [[ ! -d "$cache/node_modules" ]]; then
        rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
        cp "$here/package.json" "$cache.tmp/"
        (cd "$cache.tmp" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null) \
            || fail "npm install of the validators failed"
        rm -rf "$cache" && mv "$cache.tmp" "$cache"
    fi
    mkdir -p "$work/k8s-tools"
    cp "$here"/*.mjs "$work/k8s-tools/"
    ln -sfn "$cache/node_modules" "$work/k8s-tools/node_modules"
    echo "$work/k8s-tools"
}

# render_manifests DIR: kubectl kustomize DIR
render_manifests() {
    command -v kubectl >/dev/null || fail "kubectl is missing (scripts/install-deps.sh installs it)"
    kubectl kustomize "$1"
}
