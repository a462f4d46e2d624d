"""seedcrawl: grow a research corpus with documents like the seeds."""

__version__ = "0.1.0"
