"""midlpy's run-time library: NDR20 primitives and the Windows ``Mes*`` handle API.

Standard library only, and cheap to import: generated modules need nothing else.
"""

from .errors import *  # noqa: F401,F403  (the status constants and exceptions)
from .errors import DecodeError, EncodeError, RpcError

API_LEVEL = 1
