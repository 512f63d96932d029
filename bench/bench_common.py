"""Timing and reporting shared by bench/torch_bench.py and bench/numpy_bench.py (no torch or numpy
import here): both sides measure the same way and print the same fields."""
import resource
import time


def timed_workload(spec, epoch, batch, parameters):
    """One untimed warm-up epoch, then spec["epochs"] timed ones; epoch() returns (seconds, last cost)."""
    warm, _ = epoch()
    secs = []
    last = None
    for _ in range(spec["epochs"]):
        dt, last = epoch()
        secs.append(dt)
    n = spec["samples"]
    return {
        "kind": "workload", "workload": spec["workload"], "samples": n, "batch": batch, "epochs": spec["epochs"],
        "warmupSeconds": warm, "epochSeconds": secs, "samplesPerSec": spec["epochs"] * n / sum(secs),
        "lastCost": last, "parameters": int(parameters),
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def time_gflops(fn, flop, seconds):
    """GFLOP/s of 5 samples, sorted, after calibrating repetitions to ~seconds/5 per sample."""
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        dt = time.perf_counter() - t0
        if dt > 0.05:
            reps = max(1, round(reps * seconds / 5 / dt))
            break
        reps *= 2
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        samples.append(reps * flop / (time.perf_counter() - t0) / 1e9)
    samples.sort()
    return samples


def gemm_results(spec, operands, matmul):
    """Every shape × form of the spec. operands(m, n, k) gives (a, at, b, bt, c) with at, bt stored
    transposed and returned as transposed views, so BLAS gets the transpose flag and copies nothing;
    matmul(lhs, rhs, c) writes lhs·rhs into c."""
    rows = []
    for shape in spec["shapes"]:
        m, n, k = shape["m"], shape["n"], shape["k"]
        a, at, b, bt, c = operands(m, n, k)
        for form in shape["forms"]:
            lhs = at if form[0] == "T" else a
            rhs = bt if form[1] == "T" else b
            s = time_gflops(lambda: matmul(lhs, rhs, c), 2 * m * n * k, spec["seconds"])  # noqa: B023 (called at once)
            rows.append({"label": shape.get("label", f"{m}x{k}·{k}x{n}"), "m": m, "n": n, "k": k, "form": form,
                         "gflops": s[2], "best": s[4], "samples": s})
    return {"kind": "gemm", "results": rows}
