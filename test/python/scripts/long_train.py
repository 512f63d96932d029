"""Trains until stopped from the host (at most ~10 minutes); prints the optimizer's learning rate
after the run so a test can check a setLearningRate reached every param group."""
import time
import torch
import gradient_lab as gl

torch.manual_seed(0)
x = torch.randn(256, 4)
y = (x[:, 0] > 0).long()
model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
opt = torch.optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.2}], lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1000000, gamma=0.5)
deadline = time.time() + 600
with gl.attach(model, opt, every=10, scheduler=sched, name="long") as run:
    run.gradient_check_batch(x[:16], y[:16], torch.nn.functional.cross_entropy)
    while time.time() < deadline:
        for b in range(0, 256, 32):
            loss = torch.nn.functional.cross_entropy(model(x[b:b + 32]), y[b:b + 32])
            opt.zero_grad()
            loss.backward()
            run.step(loss)
            opt.step()
            time.sleep(0.005)
        sched.step()
        run.epoch()
print("LR", " ".join(repr(g["lr"]) for g in opt.param_groups), "BASE", " ".join(repr(b) for b in sched.base_lrs), flush=True)
