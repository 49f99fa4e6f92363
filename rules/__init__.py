"""trainlint's built-in rules: one category folder, one rule per file.

They register through the ``trainlint.rules`` entry point exactly as a plugin would
(see ``pyproject.toml``); :func:`builtin_rules` imports every rule module below this package.
"""

from __future__ import annotations

import importlib
import pkgutil


def builtin_rules() -> list:
    from trainlint.rule import Rule

    found = []
    for info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
        if info.ispkg or info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Rule) and value.code
                    and value.__module__ == module.__name__):
                found.append(value)
    return sorted(found, key=lambda r: r.code)
