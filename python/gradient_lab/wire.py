"""The socket framing of src/shared/wire.ts: one JSON object per line, non-finite numbers as
{"$nf": "NaN" | "Infinity" | "-Infinity"} tokens (src/shared/nonfinite.ts)."""
import json
import math

PROTOCOL_VERSION = 2


def _tokens(x):
    if isinstance(x, float):
        if math.isfinite(x):
            return x
        return {"$nf": "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")}
    if isinstance(x, dict):
        return {k: _tokens(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_tokens(v) for v in x]
    return x


def to_json(value):
    """JSON text with tokens for NaN/±Inf (the fast path when there is none)."""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(_tokens(value), allow_nan=False, separators=(",", ":"))


def _revive(obj):
    if len(obj) == 1 and "$nf" in obj:
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(obj["$nf"], obj)
    return obj


def from_json(text):
    return json.loads(text, object_hook=_revive)


def encode_line(message):
    return (to_json(message) + "\n").encode("utf-8")
