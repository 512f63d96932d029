"""Per-step cost of python/gradient_lab on examples/pytorch/mnist_like.py's MLP (64-128-64-10,
batch 32, Adam): the same steps timed plain and with run.step at every=10, interleaved, best of
several rounds, in CPU time of this process (the machine is shared: wall time is noise).
MODEL=cnn: a small CNN (two 3×3 convolutions on 8×8 images) instead.
Under torchrun (two ranks, gloo): both models wrapped in DDP, wall time (a rank waits for its peer
in the all-reduce and in our command broadcast, which CPU time would hide), printed by rank 0.
Usage: OMP_NUM_THREADS=1 [MODEL=cnn] [EVERY=10] python3 bench/pytorch_overhead.py
       OMP_NUM_THREADS=1 [SYNC_EVERY=10] [RANK_NORMS=1] torchrun --standalone --nproc_per_node 2 --redirects 1:1 --tee 1:1 bench/pytorch_overhead.py"""
import os
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import gradient_lab as gl  # noqa: E402

STEPS = int(os.environ.get("STEPS", "200"))
ROUNDS = int(os.environ.get("ROUNDS", "25"))
EVERY = int(os.environ.get("EVERY", "10"))
SYNC_EVERY = int(os.environ.get("SYNC_EVERY", "10"))
RANK_NORMS = os.environ.get("RANK_NORMS") == "1"  # DDP: attach(rank_grad_norms=True)
DDP = "WORLD_SIZE" in os.environ
RANK = 0
if DDP:
    import torch.distributed as dist
    dist.init_process_group("gloo")
    RANK = dist.get_rank()
clock = time.perf_counter if DDP else time.process_time


CNN = os.environ.get("MODEL") == "cnn"


def make():
    model, opt = make_local()
    if DDP:
        model = torch.nn.parallel.DistributedDataParallel(model)
    return model, opt


def make_local():
    torch.manual_seed(0)
    if CNN:  # a small CNN on 8×8 digits-sized images
        model = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(16, 32, 3, padding=1),
                                    torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(32 * 16, 10))
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10))
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


x = torch.rand(STEPS, 32, 1, 8, 8) if CNN else torch.rand(STEPS, 32, 64)
y = torch.randint(0, 10, (STEPS, 32))
loss_fn = torch.nn.CrossEntropyLoss()


def train(model, opt, run):
    t = clock()
    for k in range(STEPS):
        loss = loss_fn(model(x[k]), y[k])
        opt.zero_grad()
        loss.backward()
        if run is not None:
            run.step(loss)
        opt.step()
    return (clock() - t) / STEPS


plain, hooked = [], []
with tempfile.TemporaryDirectory() as runs:
    m0, o0 = make()
    m1, o1 = make()
    run = gl.attach(m1, o1, every=EVERY, runs_dir=runs, name="bench", sync_every=SYNC_EVERY, rank_grad_norms=RANK_NORMS)
    for r in range(ROUNDS):
        plain.append(train(m0, o0, None))
        hooked.append(train(m1, o1, run))
    run.close()
if RANK != 0:
    sys.exit(0)
p, h = min(plain), min(hooked)
ratios = sorted(b / a for a, b in zip(plain, hooked))
print("%s%s, threads %d, %d steps x %d rounds, every=%d%s" % ("CNN" if CNN else "MLP", ", DDP 2 ranks (wall time)" if DDP else "",
      torch.get_num_threads(), STEPS, ROUNDS, EVERY, ", sync_every=%d%s" % (SYNC_EVERY, ", rank_grad_norms" if RANK_NORMS else "") if DDP else ""))
print("plain   %.1f µs/step (best), median %.1f" % (1e6 * p, 1e6 * sorted(plain)[len(plain) // 2]))
print("with gl %.1f µs/step (best), median %.1f" % (1e6 * h, 1e6 * sorted(hooked)[len(hooked) // 2]))
print("overhead %.1f µs/step = %.1f %% (best vs best); median of the rounds' ratios %.1f %%"
      % (1e6 * (h - p), 100 * (h - p) / p, 100 * (ratios[len(ratios) // 2] - 1)))
