package main

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
)

// solves reports whether assignment satisfies circuit (compiled to R1CS).
func solves(t *testing.T, circuit, assignment frontend.Circuit) error {
	t.Helper()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, circuit)
	if err != nil {
		t.Fatal(err)
	}
	w, err := frontend.NewWitness(assignment, ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	_, err = ccs.Solve(w)
	return err
}

func loadProjectConstants(t *testing.T) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	loadConstants(filepath.Join(filepath.Dir(here), "..", "..", "zkcollat", "hash", "poseidon_constants.json"))
}

func TestNativePoseidonKnownAnswers(t *testing.T) {
	loadProjectConstants(t)
	if err := knownAnswersProblem(); err != nil {
		t.Fatal(err)
	}
}

type poseidonOnly struct {
	In  []frontend.Variable
	Out frontend.Variable `gnark:",public"`
}

func (c *poseidonOnly) Define(api frontend.API) error {
	api.AssertIsEqual(poseidonGadget(api, c.In...), c.Out)
	return nil
}

// The gadget costs what zkcollat's does (240 for 2 inputs, 354 for 6; one more for the
// equality here) and agrees with the native function on the known answers.
func TestPoseidonGadget(t *testing.T) {
	loadProjectConstants(t)
	for n, want := range map[int]int{2: 241, 6: 355} {
		circuit := &poseidonOnly{In: make([]frontend.Variable, n)}
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, circuit)
		if err != nil {
			t.Fatal(err)
		}
		if got := ccs.GetNbConstraints(); got != want {
			t.Errorf("Poseidon(%d) and an equality: %d constraints, want %d", n, got, want)
		}
		good := &poseidonOnly{In: make([]frontend.Variable, n), Out: knownAnswers[n]}
		bad := &poseidonOnly{In: make([]frontend.Variable, n), Out: 1}
		for i := range good.In {
			good.In[i], bad.In[i] = i+1, i+1
		}
		if err := solves(t, circuit, good); err != nil {
			t.Errorf("Poseidon(%d) of the known answer's inputs: %v", n, err)
		}
		if solves(t, circuit, bad) == nil {
			t.Errorf("Poseidon(%d) accepted a wrong output", n)
		}
	}
}

// CollateralLock(D)'s and the chain's constraint counts are zkcollat's (printed by
// `CollateralLock(D).compile().n_constraints` and bench_growth.py's chain_circuit).
func TestConstraintCounts(t *testing.T) {
	loadProjectConstants(t)
	for depth, want := range map[int]int{8: 2873, 20: 5777, 32: 8681} {
		ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, newLockCircuit(depth))
		if err != nil {
			t.Fatal(err)
		}
		if got := ccs.GetNbConstraints(); got != want {
			t.Errorf("CollateralLock(%d): %d constraints, zkcollat's has %d", depth, got, want)
		}
	}
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &chainCircuit{Blocks: 16})
	if err != nil {
		t.Fatal(err)
	}
	if got := ccs.GetNbConstraints(); got != 4098 {
		t.Errorf("chain of 16 blocks: %d constraints, zkcollat's has 4098", got)
	}
	y := chainOutput(16)
	good := &chainCircuit{Blocks: 16, X: chainX, Y: y.String()}
	if err := solves(t, &chainCircuit{Blocks: 16}, good); err != nil {
		t.Errorf("the chain's native output does not satisfy the circuit: %v", err)
	}
}
