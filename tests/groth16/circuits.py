"""Small circuits for Groth16 tests (kept tiny so the pure-Python backend can prove them)."""

from __future__ import annotations

from zkcollat.r1cs import Api, Circuit, Private, Public


class Cube(Circuit):
    """Public y, x with x^3 + x + 5 = y (the classic example), plus a public 'tag' that no
    constraint uses: only the public-input rows of the QAP bind it."""

    y = Public()
    tag = Public()
    x = Private()

    def define(self, api: Api) -> None:
        x2 = api.mul(self.x, self.x)
        x3 = api.mul(x2, self.x)
        api.assert_equal(x3 + self.x + 5, self.y)


class Square(Circuit):
    """One public input: y = x^2."""

    y = Public()
    x = Private()

    def define(self, api: Api) -> None:
        api.assert_equal(api.mul(self.x, self.x), self.y)
