"""RPC client and server stubs for interfaces that are not pickling-only (issue 6).

``render(mod, em, pe)`` returns the code blocks to append to the module. Until the stubs
land it generates nothing, so pickling-only modules are unaffected.
"""

from __future__ import annotations

from typing import Any


def render(mod: Any, em: Any, pe: Any) -> list[str]:
    return []
