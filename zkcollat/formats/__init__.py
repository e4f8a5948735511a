"""File formats shared with snarkjs and circom."""
