"""PyTorch side of the benchmark: one measurement per process, JSON on stdout.

Run by bench/run.mjs as `/usr/bin/python3 bench/torch_bench.py '<json spec>'` with
OPENBLAS_NUM_THREADS set per setting (OpenBLAS keeps its own pool, which torch.set_num_threads does
not control) and glibc's malloc tuned (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_) so that the
per-step buffers are not returned to the kernel and faulted in again every step.

Spec: {"kind": "workload", "workload": "W1"|"W2"|"W3", "threads": T, "epochs": E, "samples": N}
   or {"kind": "gemm", "threads": T, "seconds": S, "shapes": [{"m":..,"n":..,"k":..,"forms":["NN",..]}]}
Exits 3 with {"error": ...} when torch is not installed.
"""
import json
import os
import sys
import time

from bench_common import gemm_results, timed_workload


def blas_info():
    """Which OpenBLAS (kernel/architecture, threads) is loaded, via threadpoolctl when present."""
    info = {
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "MALLOC_MMAP_THRESHOLD_": os.environ.get("MALLOC_MMAP_THRESHOLD_"),
        "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
    }
    try:
        import threadpoolctl  # noqa: PLC0415

        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer")}
            for p in threadpoolctl.threadpool_info()
        ]
    except Exception as e:  # threadpoolctl missing or failing: report, don't fail
        info["threadpools"] = f"threadpoolctl unavailable: {e}"
    # The BLAS libraries this process mapped (numpy and torch are imported by now): Debian falls back
    # to the reference libblas3 when libopenblas0-pthread is missing, which is ~20x slower.
    try:
        with open("/proc/self/maps") as maps:
            info["blas_libraries"] = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
    except OSError:
        info["blas_libraries"] = []
    return info


def torch_info(torch):
    cap = None
    for line in torch.__config__.show().splitlines():
        if "CPU capability" in line:
            cap = line.strip()
    return {"torch": torch.__version__, "torch_threads": torch.get_num_threads(), "cpu_capability": cap}


def build(torch, workload):
    nn = torch.nn
    if workload == "W1":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        return model, nn.CrossEntropyLoss(), 128, 784
    if workload == "W2":
        model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
        return model, nn.BCEWithLogitsLoss(), 32, 2
    if workload == "W3":
        # As the engine: Dense without bias before batch norm (β takes its role), then BN → ReLU → dropout.
        model = nn.Sequential(
            nn.Linear(784, 256, bias=False), nn.BatchNorm1d(256, eps=1e-5, momentum=0.1), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(256, 128, bias=False), nn.BatchNorm1d(128, eps=1e-5, momentum=0.1), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(128, 10))
        return model, nn.CrossEntropyLoss(), 128, 784
    raise ValueError(workload)


def run_workload(torch, spec):
    torch.manual_seed(spec.get("seed", 1))
    workload = spec["workload"]
    n = spec["samples"]
    model, loss_fn, batch, features = build(torch, workload)
    model.train()
    if workload == "W2":
        x = torch.rand(n, 2) * 2 - 1
        y = ((x * x).sum(1, keepdim=True) < 0.5).float()
    else:
        x = torch.rand(n, features)
        y = torch.randint(0, 10, (n,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                           foreach=spec.get("foreach"))

    def epoch():
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        loss = None
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            xb = x.index_select(0, idx)
            yb = y.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        last = loss.item()
        return time.perf_counter() - t0, last

    return timed_workload(spec, epoch, batch, sum(p.numel() for p in model.parameters()))


def run_gemm(torch, spec):
    def operands(m, n, k):
        return (torch.rand(m, k) * 2 - 1, (torch.rand(k, m) * 2 - 1).t(), torch.rand(k, n) * 2 - 1,
                (torch.rand(n, k) * 2 - 1).t(), torch.empty(m, n))

    return gemm_results(spec, operands, lambda lhs, rhs, c: torch.mm(lhs, rhs, out=c))


def main():
    spec = json.loads(sys.argv[1])
    try:
        import torch  # noqa: PLC0415
    except ImportError as e:
        print(json.dumps({"error": f"torch not installed ({e})"}))
        return 3
    torch.set_num_threads(spec["threads"])
    out = run_gemm(torch, spec) if spec["kind"] == "gemm" else run_workload(torch, spec)
    out.update(torch_info(torch))
    out["blas"] = blas_info()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
