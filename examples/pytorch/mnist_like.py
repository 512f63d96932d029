"""A small MLP on the built-in handwritten digits (data/digits.csv.gz: 1,797 8×8 images), trained
by a plain PyTorch loop that Gradient Lab debugs: two lines (marked ◀) make it a run with live
per-layer gradients, update ratios, activations, pause/step/learning-rate control and a gradient check.

Run it with "Gradient Lab: Train Python Script" (or `python3 mnist_like.py`: the run folder goes
to ./.gradient-lab/runs and a window can attach to it).
"""
import csv
import gzip
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import gradient_lab as gl
except ImportError:  # run from the extension's folder without PYTHONPATH
    sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
    import gradient_lab as gl

DATA = os.environ.get("GRADIENT_LAB_DIGITS", os.path.join(HERE, "..", "..", "data", "digits.csv.gz"))
EPOCHS = int(os.environ.get("EPOCHS", "30"))
PLAIN = os.environ.get("GRADIENT_LAB_OFF") == "1"  # the same loop without the module (to measure its cost)


def load_digits(path):
    with gzip.open(path, "rt") as f:
        rows = [[float(v) for v in r] for r in csv.reader(f) if r]
    t = torch.tensor(rows)
    return t[:, :64] / 16.0, t[:, 64].long()


torch.manual_seed(0)
x, y = load_digits(DATA)
perm = torch.randperm(len(x))
x, y = x[perm], y[perm]
x_train, y_train, x_dev, y_dev = x[:1500], y[:1500], x[1500:], y[1500:]

model = torch.nn.Sequential(
    torch.nn.Linear(64, 128), torch.nn.ReLU(),
    torch.nn.Linear(128, 64), torch.nn.ReLU(),
    torch.nn.Linear(64, 10),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()
if not PLAIN:
    run = gl.attach(model, optimizer, every=10, classes=[str(d) for d in range(10)],  # ◀
                    counts={"train": len(x_train), "dev": len(x_dev), "test": 0}, epochs=EPOCHS)
    run.gradient_check_batch(x_train[:64], y_train[:64], loss_fn)  # the batch "Run Gradient Check" uses


def evaluate(xs, ys):
    with torch.no_grad():
        out = model(xs)
        return loss_fn(out, ys).item(), (out.argmax(1) != ys).float().mean().item()


start = time.perf_counter()
steps = 0
for epoch in range(EPOCHS):
    order = torch.randperm(len(x_train))
    for b in range(0, len(x_train), 32):
        idx = order[b:b + 32]
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        optimizer.zero_grad()
        loss.backward()
        if not PLAIN:
            run.step(loss)  # ◀ after backward, before optimizer.step()
        optimizer.step()
        steps += 1
    train_loss, train_error = evaluate(x_train, y_train)
    dev_loss, dev_error = evaluate(x_dev, y_dev)
    if not PLAIN:
        run.epoch(train_loss=train_loss, train_error=train_error, dev_loss=dev_loss, dev_error=dev_error)
    print("epoch %2d  train %.4f (%.1f %%)  dev %.4f (%.1f %%)" % (epoch + 1, train_loss, 100 * train_error, dev_loss, 100 * dev_error))
print("%.1f µs per step (%d steps%s)" % (1e6 * (time.perf_counter() - start) / steps, steps, ", without Gradient Lab" if PLAIN else ""))
