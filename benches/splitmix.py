"""SplitMix64 as src/util/rng.rs draws it, for the oracle scripts that rebuild a Rust test's
data bit for bit (benches/leiden_oracle.py, benches/calibration_oracle.py)."""

M = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & M

    def next_u64(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)

    def next_f64(self):
        return (self.next_u64() >> 11) / float(1 << 53)

    def below(self, n):
        return ((self.next_u64() >> 32) * n) >> 32
