"""The one failure type of the library.

A *finding* is a problem in the data and is collected as a value (see ``findings``).
A *failure* means the command cannot run at all (unreadable file, bad settings, a
conflict with the ledger); it is raised as :class:`UserError`, whose message is meant
for the person at the keyboard, and the CLI turns it into exit code 2.
"""

from __future__ import annotations


class UserError(Exception):
    """A failure caused by the user's input or environment, with a message for them.

    ``zh`` is shown by default, ``en`` with ``--lang en``. Messages never contain a
    full ID or account number.
    """

    def __init__(self, zh: str, en: str | None = None) -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en or zh

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh
