// Extract circomlib's *optimised* Poseidon constants from the pinned circomlibjs into
// zkcollat/hash/poseidon_constants_opt.json, for the native batch hash.
//
// Regenerate (from the repository root, after `npm ci`):
//     node tests/vectors/poseidon/extract_constants_opt.mjs
//
// The optimised permutation computes the same function as the plain one (its constants are
// the plain ones transformed: round constants folded through the MDS matrix, and the partial
// rounds' matrix factored into a dense P and sparse per-round S vectors, as in the Poseidon
// paper's appendix B). Per width t (index t-2): C has t * N_ROUNDS_F + N_ROUNDS_P[t-2] values,
// S has (2t - 1) * N_ROUNDS_P[t-2], M and P are t x t. Tests check the native hash against the
// plain Python one and the circomlibjs vectors for every width.
import fs from "fs";
import path from "path";
import { fileURLToPath } from "url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const pkgDir = path.join(root, "node_modules", "circomlibjs");
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const opt = JSON.parse(fs.readFileSync(path.join(pkgDir, "src", "poseidon_constants_opt.json"), "utf8"));
const plain = JSON.parse(fs.readFileSync(path.join(root, "zkcollat", "hash", "poseidon_constants.json"), "utf8"));
const nF = plain.N_ROUNDS_F;
const nP = plain.N_ROUNDS_P;
for (let i = 0; i < nP.length; i++) {
  const t = i + 2;
  if (opt.C[i].length !== t * nF + nP[i]) throw new Error(`C[${i}] has a wrong length`);
  if (opt.S[i].length !== (2 * t - 1) * nP[i]) throw new Error(`S[${i}] has a wrong length`);
  if (opt.M[i].length !== t || opt.P[i].length !== t) throw new Error(`M/P[${i}] are not ${t}x${t}`);
}
const out = {
  generated_by: "tests/vectors/poseidon/extract_constants_opt.mjs (node, from the repository root)",
  source: `circomlibjs ${pkg.version}: src/poseidon_constants_opt.json`,
  layout: "index t-2 for width t; see rust/core/src/poseidon.rs (PoseidonOpt) for how C, S, M, P are applied",
  N_ROUNDS_F: nF,
  N_ROUNDS_P: nP,
  C: opt.C,
  S: opt.S,
  M: opt.M,
  P: opt.P,
};
const dest = path.join(root, "zkcollat", "hash", "poseidon_constants_opt.json");
fs.writeFileSync(dest, JSON.stringify(out) + "\n");
console.log(`wrote ${dest}`);
