"""What every webhook does before it trusts a request: read at most so many bytes of its body."""

from __future__ import annotations

from starlette.requests import Request


class TooLarge(ValueError):
    """More bytes than any real webhook sends: refused before the rest is read."""


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, read chunk by chunk and refused past `limit` bytes (a declared Content-Length past it is
    refused before anything is read), so an unauthenticated 100 MB POST costs no memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"declared {declared} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
