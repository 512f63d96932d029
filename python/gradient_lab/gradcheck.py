"""Gradient check of a user's PyTorch model, the engine's (src/engine/diagnostics/gradcheck.ts) on a
float64 deep copy: backprop's gradient against the two-sided difference (J(θ+ε) − J(θ−ε))/2ε on a
fixed batch the user registered, a seeded sample of entries per tensor, the same bands, kink
exclusion and rounding floor, and a GradCheckReport (src/shared/protocol.ts).

J must be a fixed function of θ: the copy's dropout modules are switched off, and every evaluation
of J runs with the same RNG seed (functional dropout, noise layers) inside a forked RNG, so the
run's own random stream is untouched. The copy carries the user's hooks but not ours.
"""
import copy
import math
import random
import sys
import time

import torch

U = sys.float_info.epsilon  # 2⁻⁵², the engine's Number.EPSILON
NOISE_MARGIN = 10
INCONCLUSIVE_ADVICE = "Check at initialisation or on a fresh batch, where the gradients are well above rounding."
KINKED = (torch.nn.ReLU, torch.nn.LeakyReLU, torch.nn.ReLU6, torch.nn.Hardtanh)


def grad_band(difference):
    """Bands of the course: < 1e-7 correct, < 1e-5 look closer, < 1e-3 suspicious, ≥ 1e-3 a bug."""
    if not difference < 1e-3:
        return "bug"
    if difference < 1e-7:
        return "correct"
    if difference < 1e-5:
        return "lookCloser"
    return "suspicious"


def rounding_floor(cost, epsilon, entries):
    """√k·u·max(|J|, 1)/ε: the rounding error of k two-sided differences (gradcheck.ts roundingFloor)."""
    return math.sqrt(entries) * U * max(abs(cost), 1.0) / epsilon


def relative_difference(diff2, g2, n2):
    d = math.sqrt(g2) + math.sqrt(n2)
    return 0.0 if d == 0 else math.sqrt(diff2) / d


def _sci(x):
    return "%.2e" % x


class _KinkWatch:
    """Signs of the inputs of the copy's ReLU-like modules at θ; `crossed()` says whether the last
    forward moved any to the other side of one of the module's kinks (0; 6 for ReLU6; ±1 for Hardtanh)."""

    def __init__(self, model):
        self.marks = None
        self.now = []
        self.handles = []
        for m in model.modules():
            if isinstance(m, KINKED):
                kinks = [0.0]
                if isinstance(m, torch.nn.Hardtanh):  # ReLU6 is a Hardtanh(0, 6)
                    kinks = sorted({float(m.min_val), float(m.max_val)})
                self.handles.append(m.register_forward_hook(self._hook(kinks)))

    def _hook(self, kinks):
        def hook(_m, inp, _out):
            if inp and isinstance(inp[0], torch.Tensor):
                z = inp[0].detach()
                self.now.append(torch.stack([torch.sign(z - k) for k in kinks]).to(torch.int8))
        return hook

    def mark(self):
        self.marks, self.now = self.now, []

    def crossed(self):
        now, self.now = self.now, []
        if self.marks is None:
            return False
        if len(now) != len(self.marks):
            return True
        return any(a.shape != b.shape or not torch.equal(a, b) for a, b in zip(now, self.marks))

    def remove(self):
        for h in self.handles:
            h.remove()


class _LocalBatchNorm(torch.nn.modules.batchnorm._BatchNorm):
    """A SyncBatchNorm of the copy, made local: the check runs on rank 0 alone, and a synced batch
    norm there would wait in a collective the other ranks never join. Any input rank, like SyncBatchNorm."""

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError("expected at least 2D input (got %dD input)" % input.dim())


def _strip_hooks(model, handles):
    """Removes hooks registered with `handles` (ours) from a deep copy: a copy keeps the ids."""
    ids = {h.id for h in handles}
    for m in model.modules():
        for d in (m._forward_pre_hooks, m._forward_hooks, m._backward_hooks):
            for k in [k for k in d if k in ids]:
                del d[k]


def _to(value, dtype, device):
    if isinstance(value, torch.Tensor):
        return value.detach().to(device=device, dtype=dtype) if value.is_floating_point() else value.detach().to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(_to(v, dtype, device) for v in value)
    if isinstance(value, dict):
        return {k: _to(v, dtype, device) for k, v in value.items()}
    return value


def _rows(x):
    if isinstance(x, torch.Tensor):
        return int(x.shape[0]) if x.dim() > 0 else 1
    if isinstance(x, (tuple, list)) and x:
        return _rows(x[0])
    if isinstance(x, dict) and x:
        return _rows(next(iter(x.values())))
    return 0


def _call(model, x):
    if isinstance(x, (tuple, list)):
        return model(*x)
    if isinstance(x, dict):
        return model(**x)
    return model(x)


def _shape2(p):
    """The report's [rows, cols]: a vector is one row (the engine's biases are [1, n]); more dims fold into the columns."""
    if p.dim() == 0:
        return [1, 1]
    if p.dim() == 1:
        return [1, int(p.shape[0])]
    return [int(p.shape[0]), int(p.numel() // p.shape[0])]


def gradient_check(model, x, y, loss_fn, report_id, iteration, epsilon=1e-7, max_entries_per_tensor=64, seed=0,
                   layer_names=None, our_hooks=(), notes=()):
    """A GradCheckReport dict for `loss_fn(model(x), y)` (x a tensor, a tuple of positional inputs or a
    dict of keyword inputs). `layer_names`: module → label (the run's layers); `our_hooks`: handles to
    leave out of the copy. The model itself is not touched (a float64 deep copy is checked)."""
    started = time.time()
    params0 = list(model.parameters())
    device = params0[0].device if params0 else torch.device("cpu")
    if device.type == "mps":  # no float64 there
        device = torch.device("cpu")
    names = {}
    for name, m in model.named_modules():
        for pname, p in m.named_parameters(recurse=False):
            names[id(p)] = ((layer_names or {}).get(id(m)) or name or type(m).__name__.lower(), pname)
    labels = [names.get(id(p), ("?", "?")) for p in params0]

    net = copy.deepcopy(model)
    _strip_hooks(net, our_hooks)
    for m in net.modules():
        if isinstance(m, torch.nn.SyncBatchNorm):
            m.__class__ = _LocalBatchNorm
    net = net.to(device=device, dtype=torch.float64)
    net.train()
    dropout = [m for m in net.modules() if isinstance(m, torch.nn.modules.dropout._DropoutNd)]
    for m in dropout:
        m.eval()
    xb, yb = _to(x, torch.float64, device), _to(y, torch.float64, device)
    params = list(net.parameters())
    for p in params:
        if not p.data.is_contiguous():
            p.data = p.data.contiguous()
    cuda = sorted({p.device.index for p in params if p.device.type == "cuda" and p.device.index is not None})
    kinks = _KinkWatch(net)
    try:
        with torch.random.fork_rng(devices=cuda):
            def cost():
                torch.manual_seed(seed)
                with torch.no_grad():
                    return float(loss_fn(_call(net, xb), yb))

            torch.manual_seed(seed)
            for p in params:
                p.grad = None
            loss = loss_fn(_call(net, xb), yb)
            loss.backward()
            cost0 = float(loss.detach())
            kinks.mark()
            analytic = [p.grad.detach().reshape(-1).clone() if p.grad is not None else torch.zeros(p.numel(), dtype=torch.float64)
                        for p in params]
            again = cost()
            kinks.crossed()
            deterministic = again == cost0 or abs(again - cost0) <= 4 * U * max(abs(cost0), 1.0)
            rng = random.Random(seed)
            overall = {"diff2": 0.0, "g2": 0.0, "n2": 0.0, "entries": 0}
            tensors = []
            for p, g_all, (layer, tname) in zip(params, analytic, labels):
                if not p.requires_grad:
                    continue
                n = p.numel()
                idxs = list(range(n)) if max_entries_per_tensor <= 0 or n <= max_entries_per_tensor \
                    else sorted(rng.sample(range(n), max_entries_per_tensor))
                flat = p.data.view(-1)
                g_list = g_all[idxs].tolist() if idxs else []
                cols = _shape2(p)[1]
                diff2 = g2 = n2 = 0.0
                kinked = 0
                at_kinks = [0.0, 0.0, 0.0]
                worst = []
                for idx, g in zip(idxs, g_list):
                    saved = float(flat[idx])
                    flat[idx] = saved + epsilon
                    up = float(flat[idx])
                    plus = cost()
                    kink = kinks.crossed()
                    flat[idx] = saved - epsilon
                    down = float(flat[idx])
                    minus = cost()
                    kink = kinks.crossed() or kink
                    flat[idx] = saved
                    # Divide by the step actually taken (θ ± ε rounds).
                    numeric = (plus - minus) / (up - down)
                    if kink:
                        kinked += 1
                        at_kinks[0] += (g - numeric) ** 2
                        at_kinks[1] += g * g
                        at_kinks[2] += numeric * numeric
                        continue
                    diff2 += (g - numeric) ** 2
                    g2 += g * g
                    n2 += numeric * numeric
                    worst.append({"index": [idx // cols, idx % cols], "analytic": g, "numeric": numeric,
                                  "difference": abs(g - numeric) / ((abs(g) + abs(numeric)) or 1)})
                difference = relative_difference(diff2, g2, n2)
                compared = len(idxs) - kinked
                floor = rounding_floor(cost0, epsilon, compared)
                band = grad_band(difference)
                reason = None
                if compared == 0 and idxs and grad_band(relative_difference(*at_kinks)) != "correct":
                    band = "inconclusive"
                    reason = ("every checked entry straddles a kink (θ ± ε moves a ReLU input across 0). Check on a fresh "
                              "batch, or at weights where no input sits exactly at 0.")
                elif band in ("suspicious", "bug") and math.sqrt(diff2) <= NOISE_MARGIN * floor:
                    band = "inconclusive"
                    reason = ("‖g‖ + ‖g̃‖ = %s is too close to the rounding floor √k·u·max(|J|, 1)/ε = %s (J = %s, ε = %s, k = %d) "
                              "for the relative difference to mean anything: the disagreement ‖g − g̃‖ = %s is within %d× of what "
                              "rounding alone gives. %s" % (_sci(math.sqrt(g2) + math.sqrt(n2)), _sci(floor), _sci(cost0),
                                                            _sci(epsilon), compared, _sci(math.sqrt(diff2)), NOISE_MARGIN,
                                                            INCONCLUSIVE_ADVICE))
                else:
                    overall["diff2"] += diff2
                    overall["g2"] += g2
                    overall["n2"] += n2
                    overall["entries"] += compared
                worst.sort(key=lambda e: -abs(e["analytic"] - e["numeric"]))
                t = {"layer": layer, "tensor": tname, "shape": _shape2(p), "difference": difference, "band": band,
                     "checked": len(idxs), "total": n, "kinks": kinked, "worst": worst[:5]}
                if reason:
                    t["reason"] = reason
                tensors.append(t)
    finally:
        kinks.remove()

    difference = relative_difference(overall["diff2"], overall["g2"], overall["n2"])
    inconclusive_any = any(t["band"] == "inconclusive" for t in tensors)
    band = "inconclusive" if overall["entries"] == 0 and inconclusive_any else grad_band(difference)
    kinked = sum(t["kinks"] for t in tensors)
    out_notes = []
    if kinked:
        out_notes.append("%d %s a kink (θ ± ε moved a ReLU input across 0); excluded from the verdict."
                         % (kinked, "entry straddles" if kinked == 1 else "entries straddle"))
    inconclusive = [t for t in tensors if t["band"] == "inconclusive" and t["kinks"] != t["checked"]]
    if inconclusive:
        out_notes.append("%d of %d tensors inconclusive: their gradients are at the level of rounding noise (a converged "
                         "network). %s" % (len(inconclusive), len(tensors), INCONCLUSIVE_ADVICE))
    if dropout:
        out_notes.append("Dropout was switched off for the check: with random masks J is not a fixed function of θ.")
    if not deterministic:
        band = "inconclusive"
        out_notes.append("J is not a fixed function of θ: two evaluations at the same weights and seed gave %r and %r "
                         "(nondeterministic kernels?). The differences above mean nothing." % (cost0, again))
    if any(t["checked"] < t["total"] for t in tensors):
        out_notes.append("Tensors larger than %d entries were checked on a seeded random sample." % max_entries_per_tensor)
    out_notes.extend(notes)
    return {
        "id": report_id, "iteration": iteration, "epsilon": epsilon, "batchSize": _rows(x), "difference": difference,
        "band": band, "tensors": tensors, "kinks": kinked, "notes": out_notes, "dtype": "float64",
        "regularization": {"l2": 0, "l1": 0}, "seconds": time.time() - started,
    }
