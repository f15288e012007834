"""Shapley values and sequential waterfalls of model.analysis.attribution against games solved by hand; their use on
the model (hand-computed splits on the small project) is tested with the review, in test_review.py."""

from __future__ import annotations

import numpy as np
import pytest

from model.analysis.attribution import sequential_values, shapley_values, shapley_weights


# ------------------------------------------------------------------------------------------- Shapley, by hand
def test_shapley_values_of_an_additive_game_are_each_players_own_part():
    parts, constant = np.array([2.0, -5.0, 7.0]), 10.0
    coalitions = np.arange(8)
    members = (coalitions[:, None] >> np.arange(3)) & 1
    outcomes = constant + members @ parts  # v(S) = 10 + the parts of S's members
    np.testing.assert_allclose(shapley_values(outcomes), parts, atol=1e-12)


def test_shapley_values_of_a_product_split_the_interaction_evenly():
    # v = a * b from (a, b) = (2, 3) to (4, 5): phi_a = (a' - a)(b + b')/2 = 8, phi_b = (b' - b)(a + a')/2 = 6
    outcomes = np.array([2 * 3, 4 * 3, 2 * 5, 4 * 5], dtype=float)  # {}, {a}, {b}, {a, b}
    np.testing.assert_allclose(shapley_values(outcomes), [8.0, 6.0])
    np.testing.assert_allclose(sequential_values(np.array([6.0, 12.0, 20.0])), [6.0, 8.0])  # a first, then b


def test_shapley_weights_and_shapes():
    np.testing.assert_array_equal(shapley_weights(1), [[-1.0, 1.0]])
    np.testing.assert_allclose(shapley_weights(2), [[-0.5, 0.5, -0.5, 0.5], [-0.5, -0.5, 0.5, 0.5]])
    assert shapley_values(np.zeros((16, 3, 8))).shape == (4, 3, 8)
    with pytest.raises(ValueError, match=r"^outcomes of every coalition number a power of two, not 3$"):
        shapley_values(np.zeros(3))
