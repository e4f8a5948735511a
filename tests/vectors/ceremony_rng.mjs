// node tests/vectors/ceremony_rng.mjs > tests/vectors/ceremony_rng.json  (ffjavascript of package-lock)
import { buildBn128, ChaCha } from "ffjavascript";
const curve = await buildBn128(true);
const out = [];
for (const k of [0, 1, 2]) {
    const h = new Uint8Array(64);
    for (let i = 0; i < 64; i++) h[i] = (i * 7 + 1 + 31 * k) & 255;
    const dv = new DataView(h.buffer);
    const seed = [];
    for (let i = 0; i < 8; i++) seed[i] = dv.getUint32(i * 4);
    let rng = new ChaCha(seed);
    const fr = curve.Fr.toObject(curve.Fr.fromRng(rng)).toString();
    rng = new ChaCha(seed);
    const g1 = curve.G1.toObject(curve.G1.toAffine(curve.G1.fromRng(rng))).slice(0, 2).map(String);
    rng = new ChaCha(seed);
    const g2 = curve.G2.toObject(curve.G2.toAffine(curve.G2.fromRng(rng))).slice(0, 2).map((c) => c.map(String));
    out.push({ hash: Buffer.from(h).toString("hex"), fr_from_rng: fr, g1_from_rng: g1, hash_to_g2: g2 });
}
console.log(JSON.stringify({ generated_by: "node tests/vectors/ceremony_rng.mjs (ffjavascript's ChaCha, Fr/G1/G2.fromRng)", vectors: out }, null, 1));
process.exit(0);
