// Command gnarkgrowth times gnark's Groth16 (BN254, R1CS) on the circuits that
// benchmarks/bench_growth.py times in zkcollat, one size per run, so that the two can be run
// interleaved in one sitting:
//
//	gnarkgrowth lock  -depth D -input lock.json -consts poseidon_constants.json -runs N [-fast-runs M] [-keys DIR]
//	gnarkgrowth chain -log2 K -consts poseidon_constants.json -runs N [-fast-runs M] [-keys DIR]
//	gnarkgrowth check -consts poseidon_constants.json
//
// -keys DIR keeps the compiled circuit and keys of one size, so that the runs at other thread
// counts load them instead of setting up again (-memory=false skips the proving process).
//
// lock is CollateralLock(D) (PROTOCOL.md s.4.1): the leaf is Poseidon of the six lock fields,
// D Merkle levels of Poseidon(2), amount >= threshold (128 bits) and expiry >= minExpiry
// (64 bits) by bit decomposition; public inputs root, destChainId, owner, assetId, lockId,
// threshold, minExpiry. chain is bench_growth.py's synthetic circuit: s = x*x, then
// max(1, 2^K / 256) blocks of s = Poseidon(s, x) followed by 16 times s = s*s + x; s == y (public).
//
// Poseidon is circomlib's, read from the project's zkcollat/hash/poseidon_constants.json (the
// constants file zkcollat itself hashes with). check compares the native permutation with
// circomlibjs's published answers; lock refuses an input whose root the native hash does not
// reproduce, and chain prints y, which bench_growth.py compares with its own.
//
// Each run compiles and sets up once (or loads from -keys), proves and verifies once untimed, then
// times M runs of Solve (ccs.Solve of the full assignment), N runs of Prove (groth16.Prove of
// the full assignment: it solves the witness itself) and M runs of Verify (groth16.Verify of the
// in-memory proof and public witness: the proof's subgroup checks, the public inputs' MSM, the
// pairing check), each with its wall-clock and its process CPU time, and measures the peak RSS (VmHWM) of a fresh process that loads the circuit and
// proving key from files and proves once. Each figure is min, median and every sample (seconds),
// so that bench_growth.py can merge the samples of interleaved rounds. GOMAXPROCS comes from the
// environment. The result is one JSON object on stdout.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/logger"
	"github.com/consensys/gnark/std/math/bits"
)

const (
	amountBits = 128
	timeBits   = 64
	chainX     = 0x1234567 // bench_growth.py's x
	blockSize  = 256       // constraints per chain block: one Poseidon(2) (240) and 16 products
)

// ---------------------------------------------------------------- Poseidon (circomlib)

// width holds the constants of one Poseidon width t = inputs + 1.
type width struct {
	fullRounds, partialRounds int
	c                         []*big.Int   // round-major: c[r*t+i] is added to lane i in round r
	m                         [][]*big.Int // MDS: new[i] = sum_j m[i][j] * old[j]
	cFr                       []fr.Element
	mFr                       [][]fr.Element
}

var widths = map[int]*width{} // by number of inputs

func parseHex(s string) *big.Int {
	v, ok := new(big.Int).SetString(strings.TrimPrefix(s, "0x"), 16)
	if !ok || v.Cmp(fr.Modulus()) >= 0 {
		fail("constants file: %q is not a hex number below r", s)
	}
	return v
}

// loadConstants reads the project's constants file ({N_ROUNDS_F, N_ROUNDS_P, C, M}, one entry
// per input count starting at 1) and checks its shapes.
func loadConstants(path string) {
	raw, err := os.ReadFile(path)
	check(err)
	var file struct {
		NRoundsF int          `json:"N_ROUNDS_F"`
		NRoundsP []int        `json:"N_ROUNDS_P"`
		C        [][]string   `json:"C"`
		M        [][][]string `json:"M"`
	}
	check(json.Unmarshal(raw, &file))
	if len(file.NRoundsP) < 6 || len(file.C) != len(file.NRoundsP) || len(file.M) != len(file.NRoundsP) {
		fail("%s: expected C, M and N_ROUNDS_P for at least 6 input counts", path)
	}
	for k := range file.NRoundsP {
		n, t := k+1, k+2
		w := &width{fullRounds: file.NRoundsF, partialRounds: file.NRoundsP[k]}
		if len(file.C[k]) != (w.fullRounds+w.partialRounds)*t || len(file.M[k]) != t {
			fail("%s: constants for %d inputs have the wrong shape", path, n)
		}
		for _, s := range file.C[k] {
			w.c = append(w.c, parseHex(s))
		}
		w.cFr = make([]fr.Element, len(w.c))
		for i, v := range w.c {
			w.cFr[i].SetBigInt(v)
		}
		for _, row := range file.M[k] {
			if len(row) != t {
				fail("%s: an MDS row for %d inputs has %d entries", path, n, len(row))
			}
			var r []*big.Int
			rFr := make([]fr.Element, t)
			for j, s := range row {
				r = append(r, parseHex(s))
				rFr[j].SetBigInt(r[j])
			}
			w.m = append(w.m, r)
			w.mFr = append(w.mFr, rFr)
		}
		widths[n] = w
	}
}

func (w *width) isFull(round int) bool {
	half := w.fullRounds / 2
	return round < half || round >= half+w.partialRounds
}

// poseidonNative hashes over fr, as circomlibjs does: state [0, inputs...], x^5 S-boxes.
func poseidonNative(inputs ...fr.Element) fr.Element {
	w := widths[len(inputs)]
	t := len(inputs) + 1
	state := make([]fr.Element, t)
	copy(state[1:], inputs)
	next := make([]fr.Element, t)
	for r := 0; r < w.fullRounds+w.partialRounds; r++ {
		for i := range state {
			state[i].Add(&state[i], &w.cFr[r*t+i])
			if i == 0 || w.isFull(r) {
				var sq fr.Element
				sq.Square(&state[i])
				sq.Square(&sq)
				state[i].Mul(&state[i], &sq)
			}
		}
		for i := 0; i < t; i++ {
			var acc, term fr.Element
			for j := 0; j < t; j++ {
				term.Mul(&w.mFr[i][j], &state[j])
				acc.Add(&acc, &term)
			}
			next[i] = acc
		}
		state, next = next, state
	}
	return state[0]
}

// poseidonGadget constrains the same permutation. Additions and products by constants are
// linear (no constraint); each S-box on a non-constant lane costs 3 constraints, and gnark
// folds round 0's lane 0 (the constant C[0]): 240 constraints for 2 inputs, 354 for 6, as
// zkcollat's gadget. Only lane 0 of the last round's MDS product is built.
func poseidonGadget(api frontend.API, inputs ...frontend.Variable) frontend.Variable {
	w := widths[len(inputs)]
	t := len(inputs) + 1
	state := make([]frontend.Variable, t)
	state[0] = 0
	copy(state[1:], inputs)
	rounds := w.fullRounds + w.partialRounds
	for r := 0; r < rounds; r++ {
		for i := range state {
			state[i] = api.Add(state[i], w.c[r*t+i])
			if i == 0 || w.isFull(r) {
				sq := api.Mul(state[i], state[i])
				state[i] = api.Mul(state[i], api.Mul(sq, sq))
			}
		}
		lanes := t
		if r == rounds-1 {
			lanes = 1
		}
		next := make([]frontend.Variable, t)
		for i := 0; i < lanes; i++ {
			var acc frontend.Variable = 0
			for j := 0; j < t; j++ {
				acc = api.Add(acc, api.Mul(w.m[i][j], state[j]))
			}
			next[i] = acc
		}
		state = next
	}
	return state[0]
}

// knownAnswers are circomlibjs's poseidon([1, 2]) and poseidon([1, ..., 6]).
var knownAnswers = map[int]string{
	2: "7853200120776062878684798364095072458815029376092732009249414926327459813530",
	6: "20400040500897583745843009878988256314335038853985262692600694741116813247201",
}

func knownAnswersProblem() error {
	for n, want := range knownAnswers {
		in := make([]fr.Element, n)
		for i := range in {
			in[i].SetUint64(uint64(i + 1))
		}
		if got := poseidonNative(in...); got.String() != want {
			return fmt.Errorf("native Poseidon of [1..%d] is %s, circomlibjs's is %s", n, got.String(), want)
		}
	}
	return nil
}

// ---------------------------------------------------------------- CollateralLock(D)

type lockCircuit struct {
	Root         frontend.Variable `gnark:",public"`
	DestChainID  frontend.Variable `gnark:",public"`
	Owner        frontend.Variable `gnark:",public"`
	AssetID      frontend.Variable `gnark:",public"`
	LockID       frontend.Variable `gnark:",public"`
	Threshold    frontend.Variable `gnark:",public"`
	MinExpiry    frontend.Variable `gnark:",public"`
	Amount       frontend.Variable
	Expiry       frontend.Variable
	PathElements []frontend.Variable
	PathIndices  []frontend.Variable
}

func newLockCircuit(depth int) *lockCircuit {
	return &lockCircuit{PathElements: make([]frontend.Variable, depth),
		PathIndices: make([]frontend.Variable, depth)}
}

// greaterEq: a and b below 2^n and a - b in [0, 2^n), by three bit decompositions.
func greaterEq(api frontend.API, a, b frontend.Variable, n int) {
	for _, v := range []frontend.Variable{a, b, api.Sub(a, b)} {
		bits.ToBinary(api, v, bits.WithNbDigits(n))
	}
}

func (c *lockCircuit) Define(api frontend.API) error {
	node := poseidonGadget(api, c.LockID, c.Owner, c.DestChainID, c.AssetID, c.Amount, c.Expiry)
	for k := range c.PathElements {
		bit, sibling := c.PathIndices[k], c.PathElements[k]
		api.AssertIsBoolean(bit)
		left := api.Select(bit, sibling, node) // bit 1: the node is the right child
		right := api.Sub(api.Add(node, sibling), left)
		node = poseidonGadget(api, left, right)
	}
	api.AssertIsEqual(node, c.Root)
	greaterEq(api, c.Amount, c.Threshold, amountBits)
	greaterEq(api, c.Expiry, c.MinExpiry, timeBits)
	return nil
}

// lockInput is the input file's layout (circom's input.json: decimal strings or numbers).
type lockInput struct {
	Root         json.Number   `json:"root"`
	DestChainID  json.Number   `json:"destChainId"`
	Owner        json.Number   `json:"owner"`
	AssetID      json.Number   `json:"assetId"`
	LockID       json.Number   `json:"lockId"`
	Threshold    json.Number   `json:"threshold"`
	MinExpiry    json.Number   `json:"minExpiry"`
	Amount       json.Number   `json:"amount"`
	Expiry       json.Number   `json:"expiry"`
	PathElements []json.Number `json:"pathElements"`
	PathIndices  []json.Number `json:"pathIndices"`
}

func decimal(n json.Number) *big.Int {
	v, ok := new(big.Int).SetString(string(n), 10)
	if !ok || v.Sign() < 0 || v.Cmp(fr.Modulus()) >= 0 {
		fail("input: %q is not a decimal number below r", string(n))
	}
	return v
}

func element(n json.Number) fr.Element {
	var e fr.Element
	e.SetBigInt(decimal(n))
	return e
}

func readLockInput(path string, depth int) lockInput {
	f, err := os.Open(path)
	check(err)
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.UseNumber()
	var in lockInput
	check(dec.Decode(&in))
	if len(in.PathElements) != depth || len(in.PathIndices) != depth {
		fail("%s: %d path elements and %d path indices, depth is %d", path,
			len(in.PathElements), len(in.PathIndices), depth)
	}
	// The native hash must reach the input's root: the same Poseidon and the same path layout.
	node := poseidonNative(element(in.LockID), element(in.Owner), element(in.DestChainID),
		element(in.AssetID), element(in.Amount), element(in.Expiry))
	for k := 0; k < depth; k++ {
		sibling := element(in.PathElements[k])
		switch string(in.PathIndices[k]) {
		case "0":
			node = poseidonNative(node, sibling)
		case "1":
			node = poseidonNative(sibling, node)
		default:
			fail("%s: path index %d is %q, not 0 or 1", path, k, string(in.PathIndices[k]))
		}
	}
	if root := element(in.Root); !node.Equal(&root) {
		fail("%s: gnark's native root %s differs from the input's %s", path, node.String(), root.String())
	}
	return in
}

func (in lockInput) assignment() *lockCircuit {
	a := &lockCircuit{Root: decimal(in.Root), DestChainID: decimal(in.DestChainID),
		Owner: decimal(in.Owner), AssetID: decimal(in.AssetID), LockID: decimal(in.LockID),
		Threshold: decimal(in.Threshold), MinExpiry: decimal(in.MinExpiry),
		Amount: decimal(in.Amount), Expiry: decimal(in.Expiry)}
	for k := range in.PathElements {
		a.PathElements = append(a.PathElements, decimal(in.PathElements[k]))
		a.PathIndices = append(a.PathIndices, decimal(in.PathIndices[k]))
	}
	return a
}

// ---------------------------------------------------------------- the synthetic chain

type chainCircuit struct {
	Y      frontend.Variable `gnark:",public"`
	X      frontend.Variable
	Blocks int `gnark:"-"`
}

func (c *chainCircuit) Define(api frontend.API) error {
	s := api.Mul(c.X, c.X)
	for b := 0; b < c.Blocks; b++ {
		s = poseidonGadget(api, s, c.X)
		for i := 0; i < 16; i++ {
			s = api.Add(api.Mul(s, s), c.X)
		}
	}
	api.AssertIsEqual(s, c.Y)
	return nil
}

// chainOutput computes y natively for x = chainX.
func chainOutput(blocks int) fr.Element {
	var x, s fr.Element
	x.SetUint64(chainX)
	s.Square(&x)
	for b := 0; b < blocks; b++ {
		s = poseidonNative(s, x)
		for i := 0; i < 16; i++ {
			s.Square(&s)
			s.Add(&s, &x)
		}
	}
	return s
}

// ---------------------------------------------------------------- timing

type summary struct {
	Min     float64   `json:"min"`
	Median  float64   `json:"median"`
	Samples []float64 `json:"samples"`
}

func summarise(samples []time.Duration) summary {
	s := make([]float64, len(samples))
	for i, d := range samples {
		s[i] = d.Seconds()
	}
	inOrder := append([]float64(nil), s...)
	sort.Float64s(s)
	mid := len(s) / 2
	median := s[mid]
	if len(s)%2 == 0 {
		median = (s[mid-1] + s[mid]) / 2
	}
	return summary{Min: s[0], Median: median, Samples: inOrder}
}

// timed runs fn once untimed (what the previous series left in caches is not this one's), then
// runs times, and summarises the wall-clock time of each run and the process CPU time (user +
// system, every thread: the garbage collector's too) each run used.
func timed(runs int, fn func() error) (summary, summary) {
	check(fn())
	samples := make([]time.Duration, 0, runs)
	cpu := make([]time.Duration, 0, runs)
	for i := 0; i < runs; i++ {
		c := processCPU()
		start := time.Now()
		check(fn())
		samples = append(samples, time.Since(start))
		cpu = append(cpu, processCPU()-c)
	}
	return summarise(samples), summarise(cpu)
}

// processCPU is this process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// keysFor returns the circuit and keys for circuit: read from dir when an earlier run of the
// same size left them there, else compiled, set up and written to dir (setup is not timed).
func keysFor(res map[string]any, dir, name string, circuit frontend.Circuit) (
	constraint.ConstraintSystem, groth16.ProvingKey, groth16.VerifyingKey) {
	ccs := groth16.NewCS(ecc.BN254)
	pk := groth16.NewProvingKey(ecc.BN254)
	vk := groth16.NewVerifyingKey(ecc.BN254)
	if _, err := os.Stat(filepath.Join(dir, "vk.bin")); err == nil {
		if was, err := os.ReadFile(filepath.Join(dir, "circuit.txt")); err != nil || string(was) != name {
			fail("%s holds the keys of %q, not of %q", dir, string(was), name)
		}
		load(dir, "ccs.bin", ccs)
		load(dir, "pk.bin", pk)
		load(dir, "vk.bin", vk)
		return ccs, pk, vk
	}
	start := time.Now()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, circuit)
	check(err)
	res["compile_s"] = time.Since(start).Seconds()
	start = time.Now()
	pk, vk, err = groth16.Setup(ccs)
	check(err)
	res["setup_s"] = time.Since(start).Seconds()
	check(os.MkdirAll(dir, 0o755))
	check(os.WriteFile(filepath.Join(dir, "circuit.txt"), []byte(name), 0o644))
	save(dir, "ccs.bin", ccs)
	save(dir, "pk.bin", pk)
	save(dir, "vk.bin", vk) // last: its presence means the three are complete
	return ccs, pk, vk
}

// measure proves and verifies once untimed, times Solve / Prove / Verify, and measures the peak
// RSS of a fresh proving process. It fills the result's common fields.
func measure(res map[string]any, dir, name string, circuit, assignment frontend.Circuit, runs,
	fastRuns int, memory bool) {
	ccs, pk, vk := keysFor(res, dir, name, circuit)
	res["constraints"] = ccs.GetNbConstraints()
	res["wires"] = ccs.GetNbPublicVariables() + ccs.GetNbSecretVariables() + ccs.GetNbInternalVariables()
	fmt.Fprintf(os.Stderr, "gnark: %d constraints, %d wires\n", ccs.GetNbConstraints(), res["wires"])

	full, err := frontend.NewWitness(assignment, ecc.BN254.ScalarField())
	check(err)
	public, err := full.Public()
	check(err)
	proof, err := groth16.Prove(ccs, pk, full) // untimed: first-use costs
	check(err)
	check(groth16.Verify(proof, vk, public))

	res["witness"], res["witness_cpu"] = timed(fastRuns, func() error { _, err := ccs.Solve(full); return err })
	res["prove"], res["prove_cpu"] = timed(runs, func() error { proof, err = groth16.Prove(ccs, pk, full); return err })
	res["verify"], res["verify_cpu"] = timed(fastRuns, func() error { return groth16.Verify(proof, vk, public) })
	if memory {
		save(dir, "witness.bin", full)
		res["peak_rss_mb"] = peakProveRSS(dir)
	}
}

func save(dir, name string, w io.WriterTo) {
	f, err := os.Create(filepath.Join(dir, name))
	check(err)
	buf := bufio.NewWriter(f)
	_, err = w.WriteTo(buf)
	check(err)
	check(buf.Flush())
	check(f.Close())
}

// load reads one of the files that save wrote. A proving key is read without its points'
// subgroup checks (UnsafeReadFrom): the file is this sitting's own, and the checks of a large
// key take longer than the proofs.
func load(dir, name string, r io.ReaderFrom) {
	f, err := os.Open(filepath.Join(dir, name))
	check(err)
	if pk, ok := r.(groth16.ProvingKey); ok {
		_, err = pk.UnsafeReadFrom(bufio.NewReader(f))
	} else {
		_, err = r.ReadFrom(bufio.NewReader(f))
	}
	check(err)
	check(f.Close())
}

// peakProveRSS returns the peak RSS in MB of a new process of this program that reads the
// circuit, proving key and witness from dir and proves once (its VmHWM: a child's ru_maxrss
// would carry over this process's size across exec).
func peakProveRSS(dir string) float64 {
	self, err := os.Executable()
	check(err)
	cmd := exec.Command(self, "prove-once", "-dir", dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	check(err)
	kib, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	check(err)
	return kib / 1024
}

func cmdProveOnce(args []string) {
	fs := flag.NewFlagSet("prove-once", flag.ExitOnError)
	dir := fs.String("dir", "", "folder with ccs.bin, pk.bin and witness.bin")
	check(fs.Parse(args))
	ccs := groth16.NewCS(ecc.BN254)
	load(*dir, "ccs.bin", ccs)
	pk := groth16.NewProvingKey(ecc.BN254)
	load(*dir, "pk.bin", pk)
	full, err := witness.New(ecc.BN254.ScalarField())
	check(err)
	load(*dir, "witness.bin", full)
	_, err = groth16.Prove(ccs, pk, full)
	check(err)
	fmt.Println(vmHWM())
}

// vmHWM is this process's peak resident set in KiB, from /proc/self/status.
func vmHWM() int {
	raw, err := os.ReadFile("/proc/self/status")
	check(err)
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			check(err)
			return kib
		}
	}
	fail("no VmHWM in /proc/self/status")
	return 0
}

// ---------------------------------------------------------------- commands

func header(series string, runs int) map[string]any {
	return map[string]any{"system": "gnark", "series": series, "gnark": versions(),
		"go": runtime.Version(), "threads": runtime.GOMAXPROCS(0), "runs": runs}
}

func cmdLock(args []string) {
	fs := flag.NewFlagSet("lock", flag.ExitOnError)
	depth := fs.Int("depth", 20, "tree depth D (1..32)")
	input := fs.String("input", "", "input.json for CollateralLock(D) (bench_groth16.lock_inputs)")
	consts := fs.String("consts", "", "zkcollat/hash/poseidon_constants.json")
	runs := fs.Int("runs", 5, "timed runs of Prove")
	fastRuns := fs.Int("fast-runs", 0, "timed runs of Solve and Verify (default: -runs)")
	memory := fs.Bool("memory", true, "measure the peak RSS of a fresh proving process")
	keys := fs.String("keys", "", "folder for this size's circuit and keys (read if present, else written)")
	check(fs.Parse(args))
	if *keys == "" {
		dir, err := os.MkdirTemp("", "gnarkgrowth")
		check(err)
		defer os.RemoveAll(dir)
		*keys = dir
	}
	if *depth < 1 || *depth > 32 || *input == "" || *consts == "" || *runs < 1 || *fastRuns < 0 {
		fail("lock needs -depth in 1..32, -input, -consts, -runs >= 1 and -fast-runs >= 0")
	}
	if *fastRuns == 0 {
		*fastRuns = *runs
	}
	loadConstants(*consts)
	check(knownAnswersProblem())
	in := readLockInput(*input, *depth)
	res := header("lock", *runs)
	res["param"] = *depth
	res["root"] = string(in.Root)
	measure(res, *keys, fmt.Sprintf("CollateralLock(%d)", *depth), newLockCircuit(*depth), in.assignment(), *runs, *fastRuns, *memory)
	emit(res)
}

func cmdChain(args []string) {
	fs := flag.NewFlagSet("chain", flag.ExitOnError)
	log2 := fs.Int("log2", 12, "about 2^K constraints")
	consts := fs.String("consts", "", "zkcollat/hash/poseidon_constants.json")
	runs := fs.Int("runs", 5, "timed runs of Prove")
	fastRuns := fs.Int("fast-runs", 0, "timed runs of Solve and Verify (default: -runs)")
	memory := fs.Bool("memory", true, "measure the peak RSS of a fresh proving process")
	keys := fs.String("keys", "", "folder for this size's circuit and keys (read if present, else written)")
	check(fs.Parse(args))
	if *keys == "" {
		dir, err := os.MkdirTemp("", "gnarkgrowth")
		check(err)
		defer os.RemoveAll(dir)
		*keys = dir
	}
	if *log2 < 1 || *log2 > 26 || *consts == "" || *runs < 1 || *fastRuns < 0 {
		fail("chain needs -log2 in 1..26, -consts, -runs >= 1 and -fast-runs >= 0")
	}
	if *fastRuns == 0 {
		*fastRuns = *runs
	}
	loadConstants(*consts)
	check(knownAnswersProblem())
	blocks := max(1, (1<<*log2)/blockSize)
	y := chainOutput(blocks)
	res := header("synthetic", *runs)
	res["param"] = *log2
	res["y"] = y.String()
	assignment := &chainCircuit{Y: y.String(), X: chainX, Blocks: blocks}
	measure(res, *keys, fmt.Sprintf("chain of %d blocks", blocks), &chainCircuit{Blocks: blocks}, assignment, *runs, *fastRuns, *memory)
	emit(res)
}

func cmdCheck(args []string) {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	consts := fs.String("consts", "", "zkcollat/hash/poseidon_constants.json")
	check(fs.Parse(args))
	loadConstants(*consts)
	check(knownAnswersProblem())
	emit(map[string]any{"system": "gnark", "gnark": versions(), "go": runtime.Version(),
		"poseidon": "circomlibjs's known answers for [1,2] and [1..6]: equal"})
}

func emit(res map[string]any) {
	out, err := json.Marshal(res)
	check(err)
	fmt.Println(string(out))
}

func versions() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var v []string
	for _, dep := range info.Deps {
		if strings.HasPrefix(dep.Path, "github.com/consensys/") {
			v = append(v, strings.TrimPrefix(dep.Path, "github.com/consensys/")+" "+dep.Version)
		}
	}
	return strings.Join(v, ", ")
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnarkgrowth: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	logger.Disable()
	commands := map[string]func([]string){"lock": cmdLock, "chain": cmdChain, "check": cmdCheck,
		"prove-once": cmdProveOnce}
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: gnarkgrowth lock|chain|check [flags] (-h for a command's flags)")
		os.Exit(2)
	}
	commands[os.Args[1]](os.Args[2:])
}
