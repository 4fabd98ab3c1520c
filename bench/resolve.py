"""Benchmark: resolving 1,000,000 raw actor names against a naive baseline.

Names are drawn with realistic repetition (a Zipf-like law: a few names such as "Civilians" or
"JNIM" make most rows) from the labelled sets (UCDP variants, perturbed registry names, the
Sahel set). The naive baseline runs rapidfuzz ``process.extractOne`` over all aliases for every
name; it is time-boxed on a sample and extrapolated (and said so). Run:

    .venv/bin/python bench/resolve.py
"""

from __future__ import annotations

import random
import time

import numpy as np
from rapidfuzz import process

from bluehelmet.actors import Registry, Resolver
from bluehelmet.actors.resolver import clear_key_caches
from bluehelmet.actors.evaluate import perturbed_names, sahel_names, ucdp_variant_pairs

N = 1_000_000
NAIVE_SAMPLE = 300


def main() -> None:
    registry = Registry.bundled()
    pool = [x.raw_name for x in sahel_names() + ucdp_variant_pairs() + perturbed_names(registry)]
    pool = list(dict.fromkeys(pool))
    rng = np.random.default_rng(7)
    ranks = rng.zipf(1.3, size=N)
    names = [pool[(r - 1) % len(pool)] for r in ranks]
    distinct = len(set(names))

    started = time.perf_counter()
    resolver = Resolver(registry)
    build = time.perf_counter() - started
    started = time.perf_counter()
    for name in names:
        resolver.resolve(name)
    ours = time.perf_counter() - started

    unseen = list(dict.fromkeys(pool))
    random.Random(3).shuffle(unseen)
    fresh = Resolver(registry)
    clear_key_caches()  # the keys of these names were computed above: start cold, as a new name would
    started = time.perf_counter()
    for name in unseen:
        fresh.resolve(name)
    unseen_rate = len(unseen) / (time.perf_counter() - started)

    aliases = [a.alias for a in registry.aliases]
    sample = random.Random(5).sample(names, NAIVE_SAMPLE)
    started = time.perf_counter()
    for name in sample:
        process.extractOne(name, aliases)
    per_name = (time.perf_counter() - started) / NAIVE_SAMPLE
    naive = per_name * N

    print(f"names: {N:,} ({distinct:,} distinct) drawn from {len(pool):,} labelled names; {len(aliases):,} aliases")
    print(f"resolver: build {build:.2f} s, resolve {ours:.2f} s -> {N / ours:,.0f} names/s")
    print(f"distinct unseen names (no cache): {unseen_rate:,.0f} names/s over {len(unseen):,} names")
    print(f"naive baseline (extractOne over all aliases): {per_name * 1000:.2f} ms/name on a sample of {NAIVE_SAMPLE}, "
          f"extrapolated to {naive:,.0f} s for {N:,}")
    print(f"speed-up: {naive / ours:,.0f}x")


if __name__ == "__main__":
    main()
