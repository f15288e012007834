"""What the model says: projections, sensitivity, reviews of a change, comparisons, backtests and audits."""
