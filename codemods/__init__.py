"""Plan, apply and verify batches of module moves in a legacy Python repository."""

__version__ = "0.1.0"
