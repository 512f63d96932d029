"""NumPy side of the benchmark: the same workloads written by hand (forward, backprop, Adam) in
float32, one measurement per process, JSON on stdout. Threads come from OPENBLAS_NUM_THREADS, set by
bench/run.mjs. Exits 3 with {"error": ...} when numpy is not installed.

Spec: as bench/torch_bench.py ("threads" is informational here).
"""
import json
import os
import sys
import time

from bench_common import gemm_results, timed_workload


def run_workload(np, spec):
    rng = np.random.default_rng(spec.get("seed", 1))
    w = spec["workload"]
    n = spec["samples"]
    f32 = np.float32
    if w == "W2":
        sizes, batch, act = [2, 16, 16, 1], 32, "tanh"
        x = (rng.random((n, 2), dtype=f32) * 2 - 1).astype(f32)
        y = ((x * x).sum(1) < 0.5).astype(f32).reshape(n, 1)
    else:
        sizes, batch, act = [784, 256, 128, 10], 128, "relu"
        x = rng.random((n, 784), dtype=f32)
        y = rng.integers(0, 10, n)
    bn = w == "W3"
    keep = 0.8 if w == "W3" else 1.0
    L = len(sizes) - 1
    params = {}
    for i in range(L):
        params[f"W{i}"] = (rng.standard_normal((sizes[i], sizes[i + 1]), dtype=f32) * np.sqrt(2 / sizes[i])).astype(f32)
        if bn and i < L - 1:
            params[f"g{i}"] = np.ones(sizes[i + 1], f32)
            params[f"be{i}"] = np.zeros(sizes[i + 1], f32)
        else:
            params[f"b{i}"] = np.zeros(sizes[i + 1], f32)
    m_ = {k: np.zeros_like(v) for k, v in params.items()}
    v_ = {k: np.zeros_like(v) for k, v in params.items()}
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 1e-3
    state = {"t": 0}

    def step(xb, yb):
        rows = xb.shape[0]
        cache = []
        a = xb
        for i in range(L):
            z = a @ params[f"W{i}"]
            if i == L - 1:
                z += params[f"b{i}"]
                cache.append((a, None, None, None, None))
                break
            bnc = None
            if bn:
                mu = z.mean(0)
                var = z.var(0)
                inv = 1 / np.sqrt(var + f32(1e-5))
                zh = (z - mu) * inv
                bnc = (zh, inv)
                z = params[f"g{i}"] * zh + params[f"be{i}"]
            else:
                z += params[f"b{i}"]
            h = np.tanh(z) if act == "tanh" else np.maximum(z, 0)
            mask = None
            if keep < 1:
                mask = (rng.random(h.shape, dtype=f32) < keep).astype(f32) / f32(keep)
                h = h * mask
            cache.append((a, z, h, bnc, mask))
            a = h
        logits = z
        if w == "W2":
            p = 1 / (1 + np.exp(-logits))
            cost = float(np.mean(np.maximum(logits, 0) - logits * yb + np.log1p(np.exp(-np.abs(logits)))))
            dz = (p - yb) / f32(rows)
        else:
            zmax = logits.max(1, keepdims=True)
            e = np.exp(logits - zmax)
            p = e / e.sum(1, keepdims=True)
            cost = float(-np.mean(np.log(p[np.arange(rows), yb] + 1e-30)))
            dz = p
            dz[np.arange(rows), yb] -= 1
            dz /= f32(rows)
        grads = {}
        for i in range(L - 1, -1, -1):
            a_in, z, h, bnc, mask = cache[i]
            if i < L - 1:
                if mask is not None:
                    dz = dz * mask
                # dz is dA here: through the activation
                if act == "tanh":
                    t = np.tanh(z)
                    dz = dz * (1 - t * t)
                else:
                    dz = dz * (z > 0)
                if bn:
                    zh, inv = bnc
                    dbeta = dz.sum(0)
                    dgamma = (dz * zh).sum(0)
                    grads[f"be{i}"] = dbeta
                    grads[f"g{i}"] = dgamma
                    dz = (params[f"g{i}"] * inv / rows) * (rows * dz - dbeta - zh * dgamma)
                else:
                    grads[f"b{i}"] = dz.sum(0)
            else:
                grads[f"b{i}"] = dz.sum(0)
            grads[f"W{i}"] = a_in.T @ dz
            if i > 0:
                dz = dz @ params[f"W{i}"].T
        state["t"] += 1
        t = state["t"]
        c1 = 1 - b1 ** t
        c2 = 1 - b2 ** t
        for k, g in grads.items():
            m, v = m_[k], v_[k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            params[k] -= (lr / c1) * m / (np.sqrt(v / c2) + eps)
        return cost

    def epoch():
        t0 = time.perf_counter()
        perm = rng.permutation(n)
        cost = None
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            cost = step(x[idx], y[idx])
        return time.perf_counter() - t0, cost

    return timed_workload(spec, epoch, batch, sum(p.size for p in params.values()))


def run_gemm(np, spec):
    rng = np.random.default_rng(1)

    def operands(m, n, k):
        f32 = np.float32
        return (rng.random((m, k), dtype=f32), rng.random((k, m), dtype=f32).T, rng.random((k, n), dtype=f32),
                rng.random((n, k), dtype=f32).T, np.empty((m, n), f32))

    return gemm_results(spec, operands, lambda lhs, rhs, c: np.matmul(lhs, rhs, out=c))


def main():
    spec = json.loads(sys.argv[1])
    try:
        import numpy as np  # noqa: PLC0415
    except ImportError as e:
        print(json.dumps({"error": f"numpy not installed ({e})"}))
        return 3
    out = run_gemm(np, spec) if spec["kind"] == "gemm" else run_workload(np, spec)
    out["numpy"] = np.__version__
    out["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
