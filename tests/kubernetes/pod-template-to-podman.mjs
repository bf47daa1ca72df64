// Turns the agent DaemonSet's pod template (rendered YAML on stdin) into the `podman run`
// arguments that give its container the same privileges and mounts, so the manifest's
// pod is what the tests run. podman 4.3's `kube play` ignores hostPID, without which the
// agent cannot see the node's processes, hence this translation. It refuses any field it
// does not translate, so a change to the manifest cannot be silently left out of the test.
//   node pod-template-to-podman.mjs DAEMONSET CONTAINER NAME CONFIGMAP-DIR [MAPPING ...] < rendered.yaml
// prints a JSON array of podman arguments (after `podman run`) for the container CONTAINER
// (of containers or initContainers) of the DaemonSet DAEMONSET, named NAME, and writes
// each ConfigMap volume's files into CONFIGMAP-DIR/<volume>/. A MAPPING HOSTPATH=TESTPATH
// mounts TESTPATH where the manifest mounts HOSTPATH; arg:TEXT=TESTTEXT replaces TEXT in
// the container's arguments (a test's own pin directory).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadAll } from "js-yaml";

const [daemonSetName, containerName, name, configDir, ...mappings] = process.argv.slice(2);
const hostPaths = new Map(mappings.filter((m) => !m.startsWith("arg:")).map((m) => m.split("=", 2)));
const argTexts = new Map(mappings.filter((m) => m.startsWith("arg:")).map((m) => m.slice(4).split("=", 2)));
const mapped = (text) => {
  for (const [from, to] of argTexts) text = text.split(from).join(to);
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
const daemonSet = objects.find((o) => o.kind === "DaemonSet" && o.metadata.name === daemonSetName);
if (!daemonSet) refuse(`a stream without the DaemonSet ${daemonSetName}`);
const configMaps = new Map(objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o]));
const spec = daemonSet.spec.template.spec;
// Scheduling and API fields have no meaning for one container on this machine.
only(spec, ["serviceAccountName", "automountServiceAccountToken", "priorityClassName", "hostPID",
            "tolerations", "terminationGracePeriodSeconds", "initContainers", "containers", "volumes"], "spec");
const container = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === containerName)
  ?? refuse(`container ${containerName}: not in the pod template`);
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
    const source = hostPaths.get(volume.hostPath.path) ?? volume.hostPath.path;
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
