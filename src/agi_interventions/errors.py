"""Exceptions shared across the package (kept free of heavy imports)."""

from __future__ import annotations


class PriorError(ValueError):
    """A worldview file is unreadable or describes invalid priors.

    Parameters
    ----------
    problems
        One message per problem, each naming the file and, where relevant, the parameter.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))
