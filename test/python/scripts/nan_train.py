"""A model whose middle module turns NaN from step 7 on (a planted log of a negative number)."""
import torch
import gradient_lab as gl


class Trouble(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, h):
        self.calls += 1
        return torch.log(h - 1e6) if self.calls >= 7 else h


torch.manual_seed(0)
x = torch.randn(32, 3)
y = x.sum(1, keepdim=True)
model = torch.nn.Sequential()
model.add_module("inp", torch.nn.Linear(3, 5))
model.add_module("trouble", Trouble())
model.add_module("hidden", torch.nn.Linear(5, 5))
model.add_module("out", torch.nn.Linear(5, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
with gl.attach(model, opt, every=5, name="nan", task="regression") as run:
    for step in range(10):
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        run.step(loss)
        opt.step()
    run.epoch()
