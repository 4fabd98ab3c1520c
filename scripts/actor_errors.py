"""Error analysis of the actor resolver on the ``ucdp_variants`` set.

Lists the wrong automatic accepts, and the variants sent to review whose best candidate was
right (missed but resolvable), with counts by method. Run:

    .venv/bin/python scripts/actor_errors.py [--missed N]
"""

from __future__ import annotations

import argparse
from collections import Counter

from bluehelmet.actors.evaluate import namedata_registry, ucdp_variant_pairs
from bluehelmet.actors.resolver import Resolver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missed", type=int, default=40, help="how many missed-but-resolvable pairs to list")
    args = parser.parse_args()
    registry = namedata_registry()
    resolver = Resolver(registry)
    accepted: Counter = Counter()
    wrong, missed = [], []
    pairs = ucdp_variant_pairs()
    for pair in pairs:
        result = resolver.resolve(pair.raw_name)
        right = result.actor_id == pair.actor_id
        expected = registry.actors[pair.actor_id].name
        if result.status == "auto":
            accepted[(result.method, "right" if right else "wrong")] += 1
            if not right:
                wrong.append(f"{pair.kind:24} {pair.raw_name!r} -> {result.name!r} ({result.method}); expected {expected!r}")
        elif right:
            missed.append((result.method, f"{pair.kind:24} {pair.raw_name!r} -> {expected!r}: {result.reason}"))
    total = sum(accepted.values())
    print(f"{len(pairs)} pairs, {total} accepted ({total / len(pairs):.3f}), {len(wrong)} wrong")
    print("accepted by method:", ", ".join(f"{m} {k} {n}" for (m, k), n in sorted(accepted.items())))
    print("\nwrong accepts:")
    print("\n".join(wrong) or "none")
    print(f"\nin review with the right best candidate: {len(missed)} ({dict(Counter(m for m, _ in missed))})")
    print("\n".join(line for _, line in missed[: args.missed]))


if __name__ == "__main__":
    main()
