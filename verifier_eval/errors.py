"""Errors that the CLI turns into one clear line (and a non-zero exit) instead of a traceback."""


class VerifierEvalError(Exception):
    """A user-facing problem: bad input, missing key, unreachable model, corrupt data.

    The message must say what is wrong and what to do about it.
    """


class DataError(VerifierEvalError):
    """A dataset row or file that does not have the expected shape."""


class ConfigError(VerifierEvalError):
    """An unknown benchmark, model, option or an incompatible combination of them."""
