// Extract circomlib's Poseidon constants from the pinned circomlibjs (package.json) into
// zkcollat/hash/poseidon_constants.json.
//
// Regenerate (from the repository root, after `npm ci`):
//     node tests/vectors/poseidon/extract_constants.mjs
//
// C[t-2] (round constants, (8 + N_ROUNDS_P[t-2]) * t of them, round-major) and M[t-2] (the t x t
// MDS matrix) come from circomlibjs/src/poseidon_constants.js, exactly as circomlibjs's
// reference implementation consumes them. N_ROUNDS_P is not exported by circomlibjs, so it is
// read from the source of circomlibjs/src/poseidon_reference.js; the script fails if the file
// no longer has the expected shape. Values are kept as circomlibjs publishes them (0x hex).
import fs from "fs";
import path from "path";
import { fileURLToPath, pathToFileURL } from "url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const pkgDir = path.join(root, "node_modules", "circomlibjs");
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const { default: constants } = await import(pathToFileURL(path.join(pkgDir, "src", "poseidon_constants.js")).href);

const refSrc = fs.readFileSync(path.join(pkgDir, "src", "poseidon_reference.js"), "utf8");
const mF = refSrc.match(/const N_ROUNDS_F = (\d+);/);
const mP = refSrc.match(/const N_ROUNDS_P = \[([0-9, ]+)\];/);
if (!mF || !mP) throw new Error("poseidon_reference.js does not declare N_ROUNDS_F / N_ROUNDS_P as expected");
const nRoundsF = Number(mF[1]);
const nRoundsP = mP[1].split(",").map((s) => Number(s.trim()));

if (constants.C.length !== nRoundsP.length || constants.M.length !== nRoundsP.length) {
  throw new Error("C/M widths do not match N_ROUNDS_P");
}
for (let i = 0; i < nRoundsP.length; i++) {
  const t = i + 2;
  if (constants.C[i].length !== (nRoundsF + nRoundsP[i]) * t) throw new Error(`C[${i}] has a wrong length`);
  if (constants.M[i].length !== t || constants.M[i].some((row) => row.length !== t)) throw new Error(`M[${i}] is not ${t}x${t}`);
}

const out = {
  generated_by: "tests/vectors/poseidon/extract_constants.mjs (node, from the repository root)",
  source: `circomlibjs ${pkg.version}: src/poseidon_constants.js (C, M), src/poseidon_reference.js (N_ROUNDS_F, N_ROUNDS_P)`,
  layout: "index t-2 for state width t = n_inputs + 1; C[t-2][r*t + i] is the constant added to state[i] in round r; M[t-2][i][j] multiplies state[j] into state[i]",
  N_ROUNDS_F: nRoundsF,
  N_ROUNDS_P: nRoundsP,
  C: constants.C,
  M: constants.M,
};
const dest = path.join(root, "zkcollat", "hash", "poseidon_constants.json");
fs.writeFileSync(dest, JSON.stringify(out) + "\n");
console.log(`wrote ${dest}`);
