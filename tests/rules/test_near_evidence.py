"""Which row a near-duplicate finding cites (``du002_near_duplicate.nearest_neighbours``): a row it
was verified against, one step nearer its cluster's first row, so the two texts shown were compared
and every row of a cluster is flagged or cited (a baseline survives a shuffle)."""

from __future__ import annotations

import numpy as np
import pytest

from trainlint.rules.duplicates import du002_near_duplicate as du002
from trainlint.rules.duplicates.near import components


def cite(n, pairs, sims):
    i = np.array([min(p) for p in pairs]), np.array([max(p) for p in pairs])
    root = components(n, *i)
    member = np.flatnonzero(root != np.arange(n))
    cited, sim = du002.nearest_neighbours(member, root, i[0], i[1], np.array(sims, float))
    return dict(zip(member.tolist(), zip(cited.tolist(), sim.tolist()))), root


def test_member_cites_the_most_similar_neighbour_one_step_nearer_the_first_row():
    # 0-1 (0.8), 0-2 (0.72), 1-2 (0.95), 2-3 (0.9): 1 and 2 are one step from 0, 3 two steps
    got, _ = cite(4, [(0, 1), (0, 2), (1, 2), (2, 3)], [0.8, 0.72, 0.95, 0.9])
    assert got == {1: (0, 0.8), 2: (0, 0.72), 3: (2, 0.9)}


def test_ties_go_to_the_earliest_row_and_every_first_row_is_cited():
    # two clusters, a star and a triangle with equal similarities
    got, root = cite(7, [(0, 3), (0, 5), (1, 2), (1, 4), (2, 4)], [0.8] * 5)
    assert got == {2: (1, 0.8), 3: (0, 0.8), 4: (1, 0.8), 5: (0, 0.8)}
    firsts = set(root[list(got)].tolist())
    assert firsts <= {c for c, _ in got.values()}


@pytest.mark.parametrize("n", [50, du002.MAX_LEVELS + 300])
def test_a_long_chain_is_walked_in_linear_work_and_each_row_cites_its_predecessor(n):
    got, _ = cite(n, [(k, k + 1) for k in range(n - 1)], [0.75] * (n - 1))
    assert got == {k: (k - 1, 0.75) for k in range(1, n)}
