// Turns the agent DaemonSet's pod template (rendered YAML on stdin) into the `podman run`
// arguments that give its container the same privileges and mounts, so the manifest's
// pod is what the tests run. podman 4.3's `kube play` ignores hostPID, without which the
// agent cannot see the node's processes, hence this translation. It refuses any field it
// does not translate, so a change to the manifest cannot be silently left out of the test.
//   node pod-template-to-podman.mjs NAME CONFIGMAP-DIR [HOSTPATH=TESTPATH ...] < rendered.yaml
// prints a JSON array of podman arguments (after `podman run`) and writes each ConfigMap
// volume's files into CONFIGMAP-DIR/<volume>/. HOSTPATH=TESTPATH mounts TESTPATH where the
// manifest mounts HOSTPATH, and replaces HOSTPATH in the container's arguments too.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadAll } from "js-yaml";

const [name, configDir, ...mappings] = process.argv.slice(2);
const replace = new Map(mappings.map((m) => m.split("=", 2)));
const mapped = (text) => {
  for (const [from, to] of replace) text = text.split(from).join(to);
  return text;
};
const refuse = (what) => {
  console.error(`pod-template-to-podman: cannot translate ${what}`);
  process.exit(2);
};
const only = (object, known, where) => {
  for (const key of Object.keys(object ?? {})) {
    if (!known.includes(key)) refuse(`${where}.${key}`);
  }
};

const objects = loadAll(readFileSync(0, "utf8")).filter(Boolean);
const daemonSet = objects.find((o) => o.kind === "DaemonSet");
if (!daemonSet) refuse("a stream without a DaemonSet");
const configMaps = new Map(objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o]));
const spec = daemonSet.spec.template.spec;
// Scheduling and API fields have no meaning for one container on this machine.
only(spec, ["serviceAccountName", "automountServiceAccountToken", "priorityClassName", "hostPID",
            "tolerations", "terminationGracePeriodSeconds", "containers", "volumes"], "spec");
if (spec.containers.length !== 1) refuse("more than one container");
const container = spec.containers[0];
// Probes and resources are checked by the test itself; ports need no publishing (the test
// reaches the container's network namespace directly).
only(container, ["name", "image", "imagePullPolicy", "args", "ports", "livenessProbe", "readinessProbe",
                 "resources", "securityContext", "volumeMounts"], "container");
const security = container.securityContext ?? {};
only(security, ["capabilities", "seccompProfile", "readOnlyRootFilesystem", "allowPrivilegeEscalation",
                "runAsUser"], "securityContext");

const args = ["--name", name];
if (spec.hostPID) args.push("--pid", "host");
only(security.capabilities, ["drop", "add"], "capabilities");
for (const cap of security.capabilities?.drop ?? []) args.push("--cap-drop", cap.toLowerCase());
for (const cap of security.capabilities?.add ?? []) args.push("--cap-add", cap.toLowerCase());
if (security.seccompProfile) {
  if (security.seccompProfile.type !== "Unconfined") refuse(`seccompProfile ${security.seccompProfile.type}`);
  args.push("--security-opt", "seccomp=unconfined");
}
if (security.readOnlyRootFilesystem) args.push("--read-only");
if (security.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
if (security.runAsUser !== undefined) args.push("--user", `${security.runAsUser}:${security.runAsUser}`);

const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
for (const mount of container.volumeMounts ?? []) {
  only(mount, ["name", "mountPath", "readOnly"], "volumeMount");
  const volume = volumes.get(mount.name) ?? refuse(`volume ${mount.name}: not declared`);
  const options = mount.readOnly ? ":ro" : "";
  if (volume.hostPath) {
    const source = replace.get(volume.hostPath.path) ?? volume.hostPath.path;
    if (volume.hostPath.type === "DirectoryOrCreate") mkdirSync(source, { recursive: true });
    args.push("--volume", `${source}:${mount.mountPath}${options}`);
  } else if (volume.configMap) {
    const configMap = configMaps.get(volume.configMap.name) ?? refuse(`ConfigMap ${volume.configMap.name}: not in the stream`);
    const dir = `${configDir}/${mount.name}`;
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(configMap.data ?? {})) writeFileSync(`${dir}/${file}`, text);
    args.push("--volume", `${dir}:${mount.mountPath}${options}`);
  } else {
    refuse(`volume ${mount.name} of a kind other than hostPath and configMap`);
  }
}
args.push(container.image, ...(container.args ?? []).map(mapped));
process.stdout.write(JSON.stringify(args) + "\n");
