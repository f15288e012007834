"""Rank correlations between assumptions as a Gaussian-copula matrix, repaired when they cannot hold together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

# Smallest eigenvalue a matrix may keep after repair, so that its Cholesky factor exists.
MIN_EIGENVALUE = 1e-8


def pearson_from_spearman(rank: np.ndarray | float) -> np.ndarray:
    """The normal-scores correlation that gives Spearman's rank correlation `rank` under a Gaussian copula."""
    return 2.0 * np.sin(np.pi * np.asarray(rank) / 6.0)


def spearman_from_pearson(r: np.ndarray | float) -> np.ndarray:
    return 6.0 / np.pi * np.arcsin(np.asarray(r) / 2.0)


def nearest_correlation(matrix: np.ndarray, *, iterations: int = 200, tolerance: float = 1e-10) -> np.ndarray:
    """The nearest valid correlation matrix (Higham 2002: alternating projections with Dykstra's correction)."""
    y = matrix.copy()
    correction = np.zeros_like(matrix)
    for _ in range(iterations):
        r = y - correction
        eigenvalues, vectors = np.linalg.eigh(r)
        x = (vectors * np.maximum(eigenvalues, MIN_EIGENVALUE)) @ vectors.T
        correction = x - r
        previous, y = y, x.copy()
        np.fill_diagonal(y, 1.0)
        if np.linalg.norm(y - previous) <= tolerance * np.linalg.norm(y):
            break
    return (y + y.T) / 2


def is_valid(matrix: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def gaussian_copula_matrix(
    keys: Sequence[str], ranks: Mapping[tuple[str, str], float]
) -> tuple[np.ndarray, list[str]]:
    """(d, d) normal-scores correlations over `keys` from pairwise rank correlations, and a note per pair the
    repair changed by more than 0.005 (empty when the pairs hold together as given)."""
    index = {key: i for i, key in enumerate(keys)}
    matrix = np.eye(len(keys))
    for (a, b), rank in ranks.items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = pearson_from_spearman(rank)
    # the keys outside every pair form an identity block: the matrix is valid when the pairs' block is
    paired = sorted({index[key] for pair in ranks for key in pair})
    if is_valid(matrix[np.ix_(paired, paired)]):
        return matrix, []
    repaired = nearest_correlation(matrix)
    notes = []
    for (a, b), rank in ranks.items():
        new = float(spearman_from_pearson(repaired[index[a], index[b]]))
        if abs(new - rank) > 0.005:
            notes.append(f"{a} ~ {b}: {rank:.2f} -> {new:.2f}")
    return repaired, notes
