"""Per-step cost of python/gradient_lab on examples/pytorch/mnist_like.py's MLP (64-128-64-10,
batch 32, Adam): the same steps timed plain and with run.step at every=10, interleaved, best of
several rounds (a shared machine). Usage: OMP_NUM_THREADS=1 python3 bench/pytorch_overhead.py"""
import os
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import gradient_lab as gl  # noqa: E402

STEPS = int(os.environ.get("STEPS", "500"))
ROUNDS = int(os.environ.get("ROUNDS", "7"))
EVERY = int(os.environ.get("EVERY", "10"))


def make():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10))
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


x = torch.rand(STEPS, 32, 64)
y = torch.randint(0, 10, (STEPS, 32))
loss_fn = torch.nn.CrossEntropyLoss()


def train(model, opt, run):
    t = time.perf_counter()
    for k in range(STEPS):
        loss = loss_fn(model(x[k]), y[k])
        opt.zero_grad()
        loss.backward()
        if run is not None:
            run.step(loss)
        opt.step()
    return (time.perf_counter() - t) / STEPS


plain, hooked = [], []
with tempfile.TemporaryDirectory() as runs:
    for r in range(ROUNDS):
        m, o = make()
        plain.append(train(m, o, None))
        m, o = make()
        run = gl.attach(m, o, every=EVERY, runs_dir=runs, name="bench")
        hooked.append(train(m, o, run))
        run.close()
p, h = min(plain), min(hooked)
print("threads %d, %d steps x %d rounds, every=%d" % (torch.get_num_threads(), STEPS, ROUNDS, EVERY))
print("plain   %.1f µs/step (best), median %.1f" % (1e6 * p, 1e6 * sorted(plain)[len(plain) // 2]))
print("with gl %.1f µs/step (best), median %.1f" % (1e6 * h, 1e6 * sorted(hooked)[len(hooked) // 2]))
print("overhead %.1f µs/step = %.1f %% (best vs best)" % (1e6 * (h - p), 100 * (h - p) / p))
