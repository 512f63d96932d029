"""Per-layer statistics of a PyTorch model: gradient and weight norms, the real update/weight
ratio ‖W_after − W_before‖ / ‖W_after‖ (so Adam, momentum and weight decay are in it), and
activation statistics from sampled forward outputs, with the engine's thresholds
(src/engine/diagnostics/layer-stats.ts)."""
import math

import torch

SATURATION = 0.99
ACTIVATIONS = {
    torch.nn.ReLU: "relu", torch.nn.LeakyReLU: "leakyRelu", torch.nn.Tanh: "tanh",
    torch.nn.Sigmoid: "sigmoid", torch.nn.GELU: "gelu", torch.nn.ELU: "elu", torch.nn.Softmax: "softmax",
}


class Layers(list):
    """(name, module) pairs of the modules that hold parameters directly, with their parameters
    flattened once (a step's statistics then cost a few fused calls, not a walk of the model)."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.params = [p for _, m in self for p in m.parameters(recurse=False)]
        self.counts = [sum(1 for _ in m.parameters(recurse=False)) for _, m in self]
        self.sizes = [sum(p.numel() for p in m.parameters(recurse=False)) for _, m in self]


def layer_modules(model):
    """Every module that holds parameters directly, in registration order."""
    out = []
    for name, m in model.named_modules():
        if any(True for _ in m.parameters(recurse=False)):
            out.append((name or type(m).__name__.lower(), m))
    return Layers(out)


_KINDS = {}


def activation_kind(module):
    t = type(module)
    if t not in _KINDS:
        _KINDS[t] = next((kind for cls, kind in ACTIVATIONS.items() if isinstance(module, cls)), None)
    return _KINDS[t]


@torch.no_grad()
def activation_stats(out, kind):
    """Mean, std, saturated fraction (tanh/sigmoid), dead fraction (ReLU: units 0 for every sample), in one sync."""
    a = out.detach()
    if not a.is_floating_point() or a.numel() == 0:
        return 0.0, 0.0, 0.0, 0.0
    zero = a.new_zeros(())
    if kind == "tanh":
        sat = (a.abs() > SATURATION).sum() / a.numel()
    elif kind == "sigmoid":
        sat = ((a < 1 - SATURATION) | (a > SATURATION)).sum() / a.numel()
    else:
        sat = zero
    if kind == "relu" and a.dim() >= 2:
        # A unit: one feature (channel) position; dead when it is 0 for every sample of the batch.
        dead = (a > 0).any(dim=0).logical_not().sum() / (a[0].numel())
    else:
        dead = zero
    std, mean = torch.std_mean(a, unbiased=False) if a.numel() > 1 else (zero, a.reshape(()))
    return tuple(torch.stack([mean, std, sat.to(a.dtype), dead.to(a.dtype)]).tolist())


def _norms(tensors, ord=2):
    """Per-tensor norms in one fused call where torch has it (torch._foreach_norm, 1.13+)."""
    if not tensors:
        return []
    if hasattr(torch, "_foreach_norm"):
        return list(torch._foreach_norm(tensors, ord))
    return [torch.linalg.vector_norm(t, ord) for t in tensors]


def _layers(layers):
    return layers if isinstance(layers, Layers) else Layers(layers)


def _params(layers):
    return _layers(layers).params


def _per_layer(layers, values):
    """Sums a per-parameter list of numbers into per-layer totals (layers' parameter order)."""
    out, k = [], 0
    for n in _layers(layers).counts:
        out.append(sum(values[k:k + n]))
        k += n
    return out


@torch.no_grad()
def grad_weight_norms(layers):
    """Per layer: (‖g‖₂, ‖W‖₂, mean |g|) over all its parameters, in one sync."""
    ps = _params(layers)
    if not ps:
        return []
    zero = torch.zeros((), dtype=ps[0].dtype)
    grads = [p.grad.detach() if p.grad is not None else zero for p in ps]
    weights = [p.detach() for p in ps]
    cols = torch.stack(_norms(grads) + _norms(grads, 1) + _norms(weights)).double().tolist()
    k = len(ps)
    g2 = _per_layer(layers, [x * x for x in cols[:k]])
    g1 = _per_layer(layers, cols[k:2 * k])
    w2 = _per_layer(layers, [x * x for x in cols[2 * k:]])
    sizes = _layers(layers).sizes
    return [[math.sqrt(a), math.sqrt(c), b / max(n, 1)] for a, b, c, n in zip(g2, g1, w2, sizes)]


@torch.no_grad()
def snapshot_params(layers):
    return [p.detach().clone() for p in _params(layers)]


@torch.no_grad()
def update_ratios(layers, before):
    """‖W_after − W_before‖₂ / ‖W_after‖₂ per layer (all its parameters together), in one sync."""
    ps = [p.detach() for p in _params(layers)]
    if not ps:
        return []
    diffs = torch._foreach_sub(ps, before) if hasattr(torch, "_foreach_sub") else [p - q for p, q in zip(ps, before)]
    cols = torch.stack(_norms(list(diffs)) + _norms(ps)).double().tolist()
    k = len(ps)
    d2 = _per_layer(layers, [x * x for x in cols[:k]])
    w2 = _per_layer(layers, [x * x for x in cols[k:]])
    return [math.sqrt(d) / math.sqrt(w) if w > 0 else (0.0 if d == 0 else math.inf) for d, w in zip(d2, w2)]


def first_non_finite(layers, which):
    """(layer, tensor) of the first parameter (`which` = "param") or gradient ("grad") that holds NaN/Inf."""
    for name, m in layers:
        for pname, p in m.named_parameters(recurse=False):
            t = p if which == "param" else p.grad
            if t is not None and not bool(torch.isfinite(t).all()):
                return name, pname if which == "param" else pname + ".grad"
    return None
