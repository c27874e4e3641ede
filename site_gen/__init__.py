"""site-gen: the customer backlog as code."""

__version__ = "0.1.0"
