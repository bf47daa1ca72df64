#!/usr/bin/env bash
# deploy/kubernetes renders with `kubectl kustomize` (what `kubectl apply -k` applies), and
# every rendered object, the uninstall manifests' too, validates against the Kubernetes
# OpenAPI schemas (kubernetes-models, offline). A deliberately broken manifest must fail
# the same check, so the check is known to bite. The policy the ConfigMap carries passes
# `driftguard policy check`.
source "$(dirname "$0")/../e2e/lib.sh"
source "$(dirname "$0")/kubernetes_lib.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tools="$(k8s_tools "$work")"

for dir in deploy/kubernetes deploy/kubernetes/uninstall; do
    render_manifests "$REPO_DIR/$dir" >"$work/rendered.yaml" || fail "kubectl kustomize $dir failed"
    node "$tools/validate-manifests.mjs" <"$work/rendered.yaml" >"$work/validation.txt" \
        || { cat "$work/validation.txt" >&2; fail "$dir: rendered objects do not validate"; }
    sed 's/^/  /' "$work/validation.txt"
    echo "ok: $dir renders and validates ($(grep -c '^valid' "$work/validation.txt") objects)"
done

render_manifests "$REPO_DIR/deploy/kubernetes" >"$work/rendered.yaml"
grep -q 'kind: DaemonSet' "$work/rendered.yaml" && grep -q 'kind: ConfigMap' "$work/rendered.yaml" \
    && grep -q 'kind: Namespace' "$work/rendered.yaml" && grep -q 'kind: ServiceAccount' "$work/rendered.yaml" \
    || fail "the install lacks one of Namespace, ServiceAccount, ConfigMap, DaemonSet"

# Broken on purpose: a boolean that is a string, a port that is a name, a pod without its
# containers (a misspelt required field), a toleration whose operator is a number.
for breakage in 's/hostPID: true/hostPID: "yes"/' 's/containerPort: 9464/containerPort: metrics/' \
                's/^      containers:/      containerz:/' 's/operator: Exists/operator: 7/'; do
    sed "$breakage" "$work/rendered.yaml" >"$work/broken.yaml"
    ! cmp -s "$work/rendered.yaml" "$work/broken.yaml" || fail "the breakage '$breakage' changed nothing"
    if node "$tools/validate-manifests.mjs" <"$work/broken.yaml" >"$work/broken.txt"; then
        cat "$work/broken.txt" >&2
        fail "a manifest broken with '$breakage' passed validation"
    fi
    echo "ok: broken with '$breakage': $(grep INVALID "$work/broken.txt" | head -1)"
done

"$DRIFTGUARD" policy check "$REPO_DIR/deploy/kubernetes/policy.yaml" >/dev/null \
    || fail "deploy/kubernetes/policy.yaml is refused by driftguard policy check"
echo "ok: the ConfigMap's policy passes driftguard policy check"
echo "PASS: Kubernetes manifests render and validate offline"
