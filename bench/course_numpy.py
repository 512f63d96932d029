"""The course's full-batch run in hand-written numpy, the reference for the engine's
`gradient-lab train` on the same files (bench/run.mjs, row "course"): [2,20,3,1] ReLU/ReLU/sigmoid,
He init, batch gradient descent, and, like the engine's end of epoch, the cost and error of the
train and dev sets after every update. One measurement per process, JSON on stdout.

Spec: {"train": csv, "dev": csv, "epochs": 3000, "lr": 0.3, "dtype": "float64" | "float32", "seed": 1}
(CSV: header x1,x2,y). Data loading and normalisation are outside the timed loop, as the engine's
summary.seconds leaves start-up out.
"""
import json
import resource
import sys
import time


def main():
    spec = json.loads(sys.argv[1])
    try:
        import numpy as np  # noqa: PLC0415
    except ImportError as e:
        print(json.dumps({"error": f"numpy not installed ({e})"}))
        return 3
    dt = np.dtype(spec.get("dtype", "float64"))
    tr = np.loadtxt(spec["train"], delimiter=",", skiprows=1)
    dv = np.loadtxt(spec["dev"], delimiter=",", skiprows=1)
    mu, sd = tr[:, :2].mean(0), tr[:, :2].std(0)
    xt, yt = ((tr[:, :2] - mu) / sd).astype(dt), tr[:, 2:3].astype(dt)
    xd, yd = ((dv[:, :2] - mu) / sd).astype(dt), dv[:, 2:3].astype(dt)
    rng = np.random.default_rng(spec.get("seed", 1))
    sizes = [2, 20, 3, 1]
    W = [(rng.standard_normal((sizes[i], sizes[i + 1])) * np.sqrt(2 / sizes[i])).astype(dt) for i in range(3)]
    b = [np.zeros(sizes[i + 1], dt) for i in range(3)]
    lr = dt.type(spec.get("lr", 0.3))

    def forward(x):
        a1 = np.maximum(x @ W[0] + b[0], 0)
        a2 = np.maximum(a1 @ W[1] + b[1], 0)
        z3 = a2 @ W[2] + b[2]
        return a1, a2, z3

    def evaluate(x, y):
        z = forward(x)[2]
        cost = float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))
        err = float(np.mean((z > 0) != (y > 0.5)))
        return cost, err

    m = dt.type(xt.shape[0])
    t0 = time.perf_counter()
    last = None
    for _ in range(spec["epochs"]):
        a1, a2, z3 = forward(xt)
        dz3 = (1 / (1 + np.exp(-z3)) - yt) / m
        dz2 = (dz3 @ W[2].T) * (a2 > 0)
        dz1 = (dz2 @ W[1].T) * (a1 > 0)
        grads = [(xt.T @ dz1, dz1.sum(0)), (a1.T @ dz2, dz2.sum(0)), (a2.T @ dz3, dz3.sum(0))]
        for i, (gw, gb) in enumerate(grads):
            W[i] -= lr * gw
            b[i] -= lr * gb
        last = (evaluate(xt, yt), evaluate(xd, yd))
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "kind": "course", "dtype": dt.name, "epochs": spec["epochs"], "seconds": seconds,
        "perEpochMicros": seconds * 1e6 / spec["epochs"], "train": last[0], "dev": last[1], "numpy": np.__version__,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
