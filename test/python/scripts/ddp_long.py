"""DDP on two ranks (started by the host under torchrun) until stopped; each rank prints its final
learning rate and a checksum of its weights, so a test can see a command reached both alike."""
import time
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
import gradient_lab as gl

dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)
model = DDP(torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2)))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
torch.manual_seed(1 + rank)
x = torch.randn(256, 4)
y = (x[:, 0] > 0).long()
deadline = time.time() + 300
with gl.attach(model, opt, every=10, name="ddp-long") as run:
    while time.time() < deadline:
        for b in range(0, 256, 32):
            loss = torch.nn.functional.cross_entropy(model(x[b:b + 32]), y[b:b + 32])
            opt.zero_grad()
            loss.backward()
            run.step(loss)
            opt.step()
            time.sleep(0.005)
        run.epoch()
weights = sum(float(p.detach().double().sum()) for p in model.module.parameters())
print("RANK %d STEPS %d LR %r SUM %.17g" % (rank, run.iteration, opt.param_groups[0]["lr"], weights), flush=True)
dist.destroy_process_group()
