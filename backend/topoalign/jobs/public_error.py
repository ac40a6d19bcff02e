"""What a failed job's record shows: the error's type and message, without tracebacks or the server's paths.

Job records are served by the API, so they must not tell a client where the server keeps its data, its Python or
its packages: absolute paths under those roots become placeholders (``<data>/arrays/x.npy``,
``<site-packages>/numpy/...``) and any other absolute path keeps only its last component (``.../name``). The full
traceback goes to the server log instead (:mod:`topoalign.jobs.runner`).
"""

from __future__ import annotations

import os
import re
import site
import sys
import sysconfig
import tempfile
from functools import lru_cache
from pathlib import Path

MAX_CHARS = 2000
_TRACEBACK = "Traceback (most recent call last)"
# an absolute path of at least two segments, not an API route ("/api/...") and not inside a word or a placeholder
_ABSOLUTE = re.compile(r"(?<![\w.~>:/-])/(?!api/)(?:[^\s/'\"`:,;()\[\]{}<>]+/)+([^\s/'\"`:,;()\[\]{}<>]*)")


def _site_roots() -> list[str]:
    roots = list(getattr(site, "getsitepackages", lambda: [])())
    user = getattr(site, "getusersitepackages", lambda: None)()
    roots += [user] if isinstance(user, str) else []
    roots += [sysconfig.get_paths().get(k, "") for k in ("purelib", "platlib")]
    return roots


@lru_cache(maxsize=16)
def server_roots(data_dir: str | os.PathLike | None = None) -> tuple[tuple[str, str], ...]:
    """``(absolute prefix, placeholder)`` pairs, longest prefix first: the data directory, site-packages, the
    package's source tree, the Python installation, the temporary folder and the home folder."""
    pairs = [(str(Path(data_dir).resolve()), "<data>")] if data_dir is not None else []
    pairs += [(r, "<site-packages>") for r in _site_roots()]
    pairs.append((str(Path(__file__).resolve().parents[2]), "<topoalign>"))
    pairs += [(p, "<python>") for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}]
    pairs += [(tempfile.gettempdir(), "<tmp>"), (str(Path.home()), "~")]
    seen, out = set(), []
    for prefix, label in pairs:
        prefix = prefix.rstrip("/")
        if prefix.count("/") >= 1 and prefix not in seen:  # never "/" itself
            seen.add(prefix)
            out.append((prefix, label))
    return tuple(sorted(out, key=lambda p: -len(p[0])))


def public_text(text: str, roots: tuple[tuple[str, str], ...] | None = None) -> str:
    """``text`` without a traceback (anything from "Traceback (most recent call last)" on) and without absolute
    paths, at most :data:`MAX_CHARS` characters."""
    text = text.split(_TRACEBACK, 1)[0].strip()
    for prefix, label in roots if roots is not None else server_roots():
        text = re.sub(re.escape(prefix) + r"(?=/|\b|$)", label, text)
    text = _ABSOLUTE.sub(lambda m: ".../" + m.group(1), text)
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."


def public_error(exc: BaseException, roots: tuple[tuple[str, str], ...] | None = None) -> str:
    """``"<ErrorType>: <message>"`` of an unexpected exception, as :func:`public_text` makes it safe to show."""
    return public_text(f"{type(exc).__name__}: {exc}", roots)
