"""scenario: sourced assumptions, scenarios and vectorised projections of the AI-infrastructure race."""

__version__ = "0.1.0"
