"""The independent implementation of tenacity 8.2.2's wait strategies does what tenacity's
README and docstrings say (the examples of both, with the retry state of each attempt), and is
built differently from the original (its decomposition is printed)."""

import random
import sys
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from _check import Expectations, compare_shapes, load  # noqa: E402

w = load(HERE / "candidate" / "backoff.py", "independent_backoff")
random.seed(20261201)


class State:
    def __init__(self, attempt_number: int) -> None:
        self.attempt_number = attempt_number


def waits(strategy, attempts=8):
    return [strategy(State(n)) for n in range(1, attempts + 1)]


checks = Expectations()
expect = checks.expect


# README: "@retry(wait=wait_fixed(2))": wait 2 seconds between retries
expect("wait_fixed(2)", waits(w.wait_fixed(2)) == [2.0] * 8)
expect("wait_fixed(timedelta)", waits(w.wait_fixed(timedelta(seconds=3)), 2) == [3.0, 3.0])
expect("wait_none", waits(w.wait_none()) == [0.0] * 8)
# README: wait_random(min=1, max=2): randomly wait 1 to 2 seconds
drawn = waits(w.wait_random(min=1, max=2), 2000)
expect("wait_random range", all(1 <= x <= 2 for x in drawn) and max(drawn) - min(drawn) > 0.9)
# README: wait_exponential(multiplier=1, min=4, max=10): "Wait 2^x * 1 second between each
# retry starting with 4 seconds, then up to 10 seconds, then 10 seconds afterwards"
expect(
    "wait_exponential(1, min=4, max=10)",
    waits(w.wait_exponential(multiplier=1, min=4, max=10)) == [4, 4, 4, 8, 10, 10, 10, 10],
)
expect("wait_exponential grows", waits(w.wait_exponential(multiplier=0.5), 5) == [0.5, 1, 2, 4, 8])
expect("wait_exponential base 3", waits(w.wait_exponential(exp_base=3), 4) == [1, 3, 9, 27])
expect("wait_exponential huge", w.wait_exponential(max=60)(State(5000)) == 60)
# README: wait_fixed(3) + wait_random(0, 2): "at least 3 seconds, and up to 2 seconds more"
combined = waits(w.wait_fixed(3) + w.wait_random(0, 2), 500)
expect("fixed + random", all(3 <= x <= 5 for x in combined))
expect("sum() of strategies", sum([w.wait_fixed(1), w.wait_fixed(2)])(State(1)) == 3)
# README: wait_random_exponential(multiplier=1, max=60): "Randomly wait up to 2^x * 1 seconds
# between each retry until the range reaches 60 seconds, then randomly up to 60 seconds"
for n in range(1, 12):
    drawn = [w.wait_random_exponential(multiplier=1, max=60)(State(n)) for _ in range(200)]
    expect(f"random exponential {n}", all(0 <= x <= min(2 ** (n - 1), 60) for x in drawn))
# README: wait_chain(3s x3, 7s x2, 9s): "Wait 3s for 3 attempts, 7s for the next 2 attempts and
# 9s for all attempts thereafter"
chain = w.wait_chain(*[w.wait_fixed(3)] * 3, *[w.wait_fixed(7)] * 2, w.wait_fixed(9))
expect("wait_chain", waits(chain) == [3, 3, 3, 7, 7, 9, 9, 9])
# docstring: incrementing from a start by an increment, up to a maximum
expect("wait_incrementing", waits(w.wait_incrementing(1, 2, 6), 5) == [1, 3, 5, 6, 6])
# docstring: min(initial * 2**n + random.uniform(0, jitter), maximum), n the retry count
for n in range(1, 10):
    x = w.wait_exponential_jitter(initial=1, max=100, jitter=1)(State(n))
    expect(f"exponential jitter {n}", min(2 ** (n - 1), 100) <= x <= min(2 ** (n - 1) + 1, 100))
print(f"tenacity wait: {checks.count} documented behaviours hold")
compare_shapes(HERE / "original" / "wait.py", HERE / "candidate" / "backoff.py")
