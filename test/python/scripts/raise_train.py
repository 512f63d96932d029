"""Raises a user error at step 5: the run must end crashed, naming this file and line."""
import torch
import gradient_lab as gl

model = torch.nn.Sequential(torch.nn.Linear(2, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
run = gl.attach(model, opt, every=2, name="raise", task="regression")
x = torch.randn(8, 2)
for step in range(10):
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    run.step(loss)
    opt.step()
    if step == 4:
        raise ValueError("shapes do not match")  # line 16
