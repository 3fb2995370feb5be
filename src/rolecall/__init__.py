"""rolecall: interview agent personas with structured instruments and judge the answers."""

__version__ = "0.1.0"
