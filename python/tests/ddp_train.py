"""A two-rank DDP run for test_gradient_lab.Distributed (torchrun --standalone --nproc_per_node 2):
rank 0 also plays the extension, connecting to its own attach socket (engine.json) and sending a
mid-run LR change, a pause, an LR change and `step 3` while paused, then resume. Each rank writes
its per-step learning rates, the steps it was held (> 0.3 s), and its final weights to $OUT/rank<r>.json."""
import json
import os
import socket
import sys
import threading
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gradient_lab as gl  # noqa: E402

STEPS = 60


def host(run):
    """The extension's side, over the real socket."""
    with open(os.path.join(run.folder.dir, "engine.json")) as f:
        info = json.load(f)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(info["endpoint"])
    send = lambda m: s.sendall((json.dumps(dict(m, v=2)) + "\n").encode())
    send({"token": info["token"]})

    def until(n):
        while run.iteration < n:
            time.sleep(0.002)

    until(10)
    send({"type": "setLearningRate", "value": 0.05})
    until(25)
    send({"type": "pause"})
    time.sleep(0.6)
    send({"type": "setLearningRate", "value": 0.02})
    send({"type": "step", "iterations": 3})
    time.sleep(0.6)
    send({"type": "resume"})
    time.sleep(1.0)
    s.close()


def main():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    model = DDP(torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    torch.manual_seed(1 + rank)  # each rank its own data shard
    x, y = torch.randn(STEPS * 8, 6), torch.randint(0, 2, (STEPS * 8,))
    if os.environ.get("NAN_AT") and rank == 1:
        x[int(os.environ["NAN_AT"]) * 8] = float("nan")  # rank 1's batch of that step (0-based)
    run = gl.attach(model, opt, every=5, name="ddp", runs_dir=os.environ["RUNS"], rank_grad_norms=True)
    if rank == 0 and not os.environ.get("NAN_AT"):
        threading.Thread(target=host, args=(run,), daemon=True).start()
    lrs, held, last = [], [], time.time()
    for k in range(STEPS):
        loss = torch.nn.functional.cross_entropy(model(x[k * 8:(k + 1) * 8]), y[k * 8:(k + 1) * 8])
        opt.zero_grad()
        loss.backward()
        run.step(loss)
        now = time.time()
        if now - last > 0.3:
            held.append(run.iteration)
        last = now
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        time.sleep(0.01)
    run.close()
    if os.environ.get("NAN_AT"):
        dist.destroy_process_group()
        return
    weights = torch.cat([p.detach().reshape(-1) for p in model.module.parameters()]).tolist()
    with open(os.path.join(os.environ["OUT"], "rank%d.json" % rank), "w") as f:
        json.dump({"lrs": lrs, "held": held, "weights": weights, "runDir": run.folder.dir}, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
