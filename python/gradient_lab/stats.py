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


def layer_modules(model):
    """(name, module) of every module that holds parameters directly, in registration order."""
    out = []
    for name, m in model.named_modules():
        if any(True for _ in m.parameters(recurse=False)):
            out.append((name or type(m).__name__.lower(), m))
    return out


def activation_kind(module):
    for cls, kind in ACTIVATIONS.items():
        if isinstance(module, cls):
            return kind
    return None


@torch.no_grad()
def activation_stats(out, kind):
    """Mean, std, saturated fraction (tanh/sigmoid), dead fraction (ReLU: units 0 for every sample)."""
    a = out.detach()
    if a.dtype not in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        return 0.0, 0.0, 0.0, 0.0
    a = a.float()
    mean = a.mean().item()
    std = a.std(unbiased=False).item() if a.numel() > 1 else 0.0
    saturated = 0.0
    dead = 0.0
    if kind == "tanh":
        saturated = (a.abs() > SATURATION).float().mean().item()
    elif kind == "sigmoid":
        saturated = ((a < 1 - SATURATION) | (a > SATURATION)).float().mean().item()
    elif kind == "relu" and a.dim() >= 2:
        # A unit: one feature (channel) position; dead when it is 0 for every sample of the batch.
        units = a.transpose(0, 1).reshape(a.shape[1], a.shape[0], -1)
        dead = (units <= 0).all(dim=1).float().mean().item()
    return mean, std, saturated, dead


@torch.no_grad()
def grad_weight_norms(layers):
    """Per layer: (‖g‖₂, ‖W‖₂, mean |g|) over all its parameters, in one device sync."""
    rows = []
    for _, m in layers:
        ps = list(m.parameters(recurse=False))
        g2 = torch.zeros((), dtype=torch.float64)
        w2 = torch.zeros((), dtype=torch.float64)
        gabs = torch.zeros((), dtype=torch.float64)
        n = 0
        for p in ps:
            w2 = w2 + p.detach().double().pow(2).sum()
            if p.grad is not None:
                g = p.grad.detach().double()
                g2 = g2 + g.pow(2).sum()
                gabs = gabs + g.abs().sum()
            n += p.numel()
        rows.append(torch.stack([g2.sqrt(), w2.sqrt(), gabs / max(n, 1)]))
    if not rows:
        return []
    return torch.stack(rows).tolist()


@torch.no_grad()
def snapshot_params(layers):
    return [[p.detach().clone() for p in m.parameters(recurse=False)] for _, m in layers]


@torch.no_grad()
def update_ratios(layers, before):
    """‖W_after − W_before‖₂ / ‖W_after‖₂ per layer (all its parameters together)."""
    out = []
    for (_, m), old in zip(layers, before):
        d2 = 0.0
        w2 = 0.0
        for p, q in zip(m.parameters(recurse=False), old):
            d2 += (p.detach().double() - q.double()).pow(2).sum().item()
            w2 += p.detach().double().pow(2).sum().item()
        out.append(math.sqrt(d2) / math.sqrt(w2) if w2 > 0 else (0.0 if d2 == 0 else math.inf))
    return out


def first_non_finite(layers, which):
    """(layer, tensor) of the first parameter (`which` = "param") or gradient ("grad") that holds NaN/Inf."""
    for name, m in layers:
        for pname, p in m.named_parameters(recurse=False):
            t = p if which == "param" else p.grad
            if t is not None and not bool(torch.isfinite(t).all()):
                return name, pname if which == "param" else pname + ".grad"
    return None
