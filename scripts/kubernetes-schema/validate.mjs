// Validates every object of one or more multi-document YAML files (what `kubectl kustomize` built from kubernetes/)
// against the Kubernetes API schemas, in two ways, because each alone lets some mistakes through:
//
// 1. kubernetes-models' validate(): the upstream OpenAPI schemas compiled with ajv (types, required fields, enums,
//    formats such as quantities). Those schemas do not forbid unknown fields, so a misspelt `readinessProbes` passes.
// 2. TypeScript's excess-property check against the same package's generated interfaces: every object becomes a
//    typed literal, and `tsc` reports any field the API does not define, at any depth (kubectl's --validate=strict
//    does the same on a real server).
//
// Objects of custom resources whose schema no package publishes (Kong's KongPlugin, CloudNativePG's Cluster) cannot
// be checked this way: they are listed as "not schema-checked" and counted apart, neither passed nor failed. Any other
// kind without a model fails.
//
// Usage: node validate.mjs NAME=FILE...   (NAME labels the output lines)
//        node validate.mjs --self-test      (proves each check rejects a broken object)
// The last line is `schema: N passed, N failed, N not schema-checked`.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));

/** Custom resources whose published schema no npm package carries; checked by the drift tests, not here. */
const withoutPublishedSchema = new Set([
  "configuration.konghq.com/v1 KongPlugin",
  "configuration.konghq.com/v1 KongClusterPlugin",
  "postgresql.cnpg.io/v1 Cluster",
]);

/** The kubernetes-models module of an apiVersion and kind: "apps/v1" + "Deployment" -> kubernetes-models/apps/v1/Deployment. */
function modelPath(apiVersion, kind) {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function loadModel(apiVersion, kind) {
  try {
    const module = await import(modelPath(apiVersion, kind));
    return module[kind] ?? null;
  } catch (error) {
    if (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return null;
    throw error;
  }
}

/** Reads NAME=FILE arguments into [{ label, object }]; a YAML syntax error is itself a failure. */
function readObjects(args) {
  const objects = [];
  const failures = [];
  for (const arg of args) {
    const [name, file] = arg.includes("=") ? arg.split("=", 2) : [arg, arg];
    const documents = parseAllDocuments(readFileSync(file, "utf8"));
    for (const document of documents) {
      if (document.errors.length > 0) {
        failures.push(`${name}: YAML error: ${document.errors.map((e) => e.message).join("; ")}`);
        continue;
      }
      const object = document.toJS();
      if (object == null) continue;
      objects.push({ name, object });
    }
  }
  return { objects, failures };
}

/** tsc's excess-property check over typed literals; returns the diagnostics of each object, by index. */
function typeCheck(entries) {
  // One import line per object, then each object as a pretty-printed literal (one field per line, so a diagnostic's
  // line shows the field); lineOfEntry is the first line of each literal.
  const lines = entries.map(({ typeName, module }, index) => `import type { ${typeName} as T${index} } from "${module}";`);
  const lineOfEntry = [];
  entries.forEach(({ object }, index) => {
    lineOfEntry.push(lines.length);
    lines.push(...`export const o${index}: T${index} = ${JSON.stringify(object, null, 1)};`.split("\n"));
  });
  const source = lines.join("\n");
  // Inside this folder, so module resolution finds node_modules/kubernetes-models.
  const directory = mkdtempSync(join(here, ".check-"));
  const file = join(directory, "objects.ts");
  writeFileSync(file, source);
  try {
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const sourceFile = program.getSourceFile(file);
    const byEntry = entries.map(() => []);
    const starts = lineOfEntry.map((line) => sourceFile.getPositionOfLineAndCharacter(line, 0));
    for (const diagnostic of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
      if (diagnostic.file?.fileName !== sourceFile.fileName || diagnostic.start === undefined) {
        // A problem outside the objects (a missing model module): every object fails with it.
        byEntry.forEach((list) => list.push(message));
        continue;
      }
      let index = starts.length - 1;
      while (index > 0 && starts[index] > diagnostic.start) index--;
      const { line } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start);
      const text = sourceFile.text.split("\n")[line].trim();
      byEntry[index].push(`${message} (at ${text.slice(0, 80)})`);
    }
    return byEntry;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Both checks on every object; returns { passed, failed, unchecked, lines }. */
async function validate(objects) {
  const results = [];
  const typed = [];
  let unchecked = 0;
  for (const { name, object } of objects) {
    const id = `${name}: ${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
    const key = `${object.apiVersion} ${object.kind}`;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      results.push({ id, problems: ["no apiVersion or kind"] });
      continue;
    }
    const Model = await loadModel(object.apiVersion, object.kind);
    if (Model === null) {
      if (withoutPublishedSchema.has(key)) {
        unchecked++;
        results.push({ id, unchecked: true });
      } else {
        results.push({ id, problems: [`no schema for ${key}: not a Kubernetes API kind kubernetes-models knows, nor a listed custom resource`] });
      }
      continue;
    }
    const result = { id, problems: [] };
    try {
      new Model(object).validate();
    } catch (error) {
      result.problems.push(`schema: ${error.message}`);
    }
    results.push(result);
    typed.push({ object, typeName: `I${object.kind}`, module: modelPath(object.apiVersion, object.kind), result });
  }
  if (typed.length > 0) {
    const diagnostics = typeCheck(typed);
    typed.forEach((entry, index) => entry.result.problems.push(...diagnostics[index].map((d) => `unknown or mistyped field: ${d}`)));
  }
  const lines = [];
  let passed = 0;
  let failed = 0;
  for (const result of results) {
    if (result.unchecked) {
      lines.push(`not schema-checked ${result.id} (no published schema package for this custom resource)`);
    } else if (result.problems.length === 0) {
      passed++;
      lines.push(`ok ${result.id}`);
    } else {
      failed++;
      lines.push(`FAIL ${result.id}: ${result.problems.join("; ")}`);
    }
  }
  return { passed, failed, unchecked, lines };
}

/** Broken objects each check must reject, and a sound one it must accept: a validator that passes anything fails here. */
async function selfTest() {
  const container = { name: "host", image: "gomicro/host:local", ports: [{ containerPort: 8080 }] };
  const deployment = (containers) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "canary" },
    spec: {
      selector: { matchLabels: { app: "canary" } },
      template: { metadata: { labels: { app: "canary" } }, spec: { containers } },
    },
  });
  const cases = [
    { label: "a sound Deployment", object: deployment([container]), expectValid: true },
    { label: "a misspelt field (readinessProbes)", object: deployment([{ ...container, readinessProbes: {} }]), expectValid: false },
    { label: "a port given as text", object: deployment([{ ...container, ports: [{ containerPort: "8080" }] }]), expectValid: false },
    { label: "a container without its required name", object: deployment([{ image: "gomicro/host:local" }]), expectValid: false },
    { label: "a malformed memory quantity", object: deployment([{ ...container, resources: { limits: { memory: "512 MB" } } }]), expectValid: false },
    { label: "an unknown kind", object: { apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "canary" } }, expectValid: false },
  ];
  let passed = 0;
  let failed = 0;
  for (const testCase of cases) {
    const { passed: ok } = await validate([{ name: "self-test", object: testCase.object }]);
    const valid = ok === 1;
    if (valid === testCase.expectValid) {
      passed++;
      console.log(`ok self-test: ${testCase.label} is ${valid ? "accepted" : "rejected"}`);
    } else {
      failed++;
      console.log(`FAIL self-test: ${testCase.label} is ${valid ? "accepted" : "rejected"}, expected the opposite`);
    }
  }
  return { passed, failed, unchecked: 0 };
}

const args = process.argv.slice(2);
let summary;
if (args[0] === "--self-test") {
  summary = await selfTest();
} else if (args.length === 0) {
  console.error("usage: node validate.mjs NAME=FILE... | --self-test");
  summary = { passed: 0, failed: 1, unchecked: 0 };
} else {
  const { objects, failures } = readObjects(args);
  failures.forEach((f) => console.log(`FAIL ${f}`));
  const result = await validate(objects);
  result.lines.forEach((line) => console.log(line));
  summary = { passed: result.passed, failed: result.failed + failures.length, unchecked: result.unchecked };
  if (objects.length === 0) {
    console.log("FAIL no object to validate");
    summary.failed++;
  }
}
console.log(`schema: ${summary.passed} passed, ${summary.failed} failed, ${summary.unchecked} not schema-checked`);
process.exitCode = summary.failed > 0 || summary.passed === 0 ? 1 : 0;
