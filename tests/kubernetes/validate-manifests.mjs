// Validates every object of a multi-document YAML stream (stdin) against the Kubernetes
// OpenAPI schemas that the kubernetes-models package carries, offline. Prints one line per
// object; exits 1 if any object is invalid or of a kind the schemas do not know.
//   kubectl kustomize deploy/kubernetes | node validate-manifests.mjs
import { readFileSync } from "node:fs";
import { loadAll } from "js-yaml";

const text = readFileSync(0, "utf8");
let failures = 0;
let count = 0;
for (const object of loadAll(text)) {
  if (object === null || object === undefined) continue;
  count++;
  const { apiVersion = "", kind = "", metadata = {} } = object;
  const what = `${kind || "?"} ${metadata.namespace ? metadata.namespace + "/" : ""}${metadata.name || "?"}`;
  // "apps/v1" -> apps/v1/DaemonSet.js; "v1" (the core group) -> v1/Namespace.js
  const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
  let Model;
  try {
    Model = (await import(modulePath))[kind];
  } catch {
    console.log(`INVALID ${what}: unknown apiVersion/kind ${apiVersion}/${kind}`);
    failures++;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`valid   ${what} (${apiVersion})`);
  } catch (error) {
    console.log(`INVALID ${what}: ${error.message}`);
    failures++;
  }
}
if (count === 0) {
  console.log("INVALID: no objects in the input");
  failures++;
}
process.exit(failures === 0 ? 0 : 1);
