// Poseidon test vectors for widths 1..16, computed with the pinned circomlibjs (package.json).
//
// Regenerate (from the repository root, after `npm ci`):
//     node tests/vectors/poseidon/make_vectors.mjs
//
// Each vector is hashed with three circomlibjs implementations (buildPoseidonReference,
// buildPoseidonOpt and the wasm buildPoseidon); the script fails unless all three agree.
// Inputs per width n: [1..n], all zeros, all r-1, and two pseudo-random lists from a fixed
// xorshift seed (deterministic: rerunning yields the same file).
import fs from "fs";
import path from "path";
import { fileURLToPath, pathToFileURL } from "url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const lib = await import(pathToFileURL(path.join(root, "node_modules", "circomlibjs", "main.js")).href);
const pkg = JSON.parse(fs.readFileSync(path.join(root, "node_modules", "circomlibjs", "package.json"), "utf8"));

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
let s = 0x9e3779b97f4a7c15n;
const M64 = (1n << 64n) - 1n;
function next64() {
  s ^= (s << 13n) & M64; s ^= s >> 7n; s ^= (s << 17n) & M64;
  return s;
}
function randFr() {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 64n) | next64();
  return v % R;
}

const ref = await lib.buildPoseidonReference();
const opt = await lib.buildPoseidonOpt();
const wasm = await lib.buildPoseidon();
const F = ref.F;

const vectors = [];
for (let n = 1; n <= 16; n++) {
  const cases = [
    Array.from({ length: n }, (_, i) => BigInt(i + 1)),
    Array.from({ length: n }, () => 0n),
    Array.from({ length: n }, () => R - 1n),
    Array.from({ length: n }, () => randFr()),
    Array.from({ length: n }, () => randFr()),
  ];
  for (const inputs of cases) {
    const a = F.toObject(ref(inputs));
    const b = opt.F.toObject(opt(inputs));
    const c = wasm.F.toObject(wasm(inputs));
    if (a !== b || a !== c) throw new Error(`circomlibjs implementations disagree on ${inputs}`);
    vectors.push({ inputs: inputs.map(String), hash: a.toString() });
  }
}

const out = {
  generated_by: "tests/vectors/poseidon/make_vectors.mjs (node, from the repository root)",
  source: `circomlibjs ${pkg.version}: buildPoseidonReference, buildPoseidonOpt and buildPoseidon agree on every vector`,
  vectors,
};
const dest = path.join(root, "tests", "vectors", "poseidon", "vectors.json");
fs.writeFileSync(dest, JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${vectors.length} vectors to ${dest}`);
process.exit(0);
