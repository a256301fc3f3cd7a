// Builds a CHAP model written in JavaScript into a chapwasm component:
//   node sdk/js/build.mjs model.js [-o model.wasm]
// It runs componentize-js 0.23.0 (StarlingMonkey) with chapwasm's WIT and world, in a
// fresh directory holding the model's directory and this SDK (`./chapwasm.js`), and
// handles what an author would otherwise trip on:
// - componentize-js links `wasi:http` and a `fetch-event` handler by default, which a model
//   component does not import: both are disabled;
// - jco 1.35.0's `componentize` (a wrapper of the same call) reads the WIT through a WASI
//   shim (preview2-shim 0.26) that opens no directory, so it cannot read any file: we call
//   componentize-js directly, as jco does inside;
// - componentize-js 0.23.0 imports preview2-shim at run time but lists it only as a
//   development dependency: package.json names it, at 0.25.0, whose filesystem opens `/`.
import { componentize } from "@bytecodealliance/componentize-js";
import { statSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wit = resolve(here, "../../wit");

const args = process.argv.slice(2);
const source = args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "-o");
const outFlag = args.indexOf("-o");
if (!source || (outFlag >= 0 && !args[outFlag + 1])) {
  console.error("usage: node sdk/js/build.mjs model.js [-o model.wasm]");
  process.exit(2);
}
const out = resolve(outFlag >= 0 ? args[outFlag + 1] : source.replace(/\.[cm]?js$/, "") + ".wasm");

// Only the model's modules are copied (not node_modules, .git or anything else), and the
// copy is made beside this script, never inside the model's own directory.
const modelDir = dirname(resolve(source));
const wanted = (path) => {
  const name = basename(path);
  if (name === "node_modules" || name.startsWith(".")) return false;
  return statSync(path).isDirectory() ? !resolve(path).startsWith(builds) : /\.(m?js|cjs|json)$/.test(name);
};
const builds = join(here, ".builds");
await mkdir(builds, { recursive: true });
const work = await mkdtemp(join(builds, "model-"));
const callerCwd = process.cwd();
try {
  await cp(modelDir, work, { recursive: true, filter: wanted });
  await cp(join(here, "chapwasm.js"), join(work, "chapwasm.js"));
  // componentize-js resolves the model's imports from the working directory.
  process.chdir(work);
  const { component } = await componentize({
    sourcePath: join(work, basename(source)),
    witPath: wit,
    worldName: "model-runner",
    disableFeatures: ["http", "fetch-event"],
  });
  await writeFile(out, component);
  console.log(`built ${out} (${(component.length / 1e6).toFixed(1)} MB)`);
} finally {
  process.chdir(callerCwd);
  await rm(work, { recursive: true, force: true });
}
