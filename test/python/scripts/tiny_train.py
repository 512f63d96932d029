"""3 epochs of 4 steps of a small MLP (Linear-ReLU-Linear-Tanh-Linear), layer stats every 5 steps."""
import torch
import gradient_lab as gl

torch.manual_seed(0)
x = torch.randn(64, 4)
y = (x[:, 0] > 0).long()
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
with gl.attach(model, opt, every=5, name="tiny", epochs=3) as run:
    for epoch in range(3):
        for b in range(0, 64, 16):
            loss = torch.nn.functional.cross_entropy(model(x[b:b + 16]), y[b:b + 16])
            opt.zero_grad()
            loss.backward()
            run.step(loss)
            opt.step()
        with torch.no_grad():
            err = (model(x).argmax(1) != y).float().mean().item()
        run.epoch(train_error=err, dev_loss=0.5, dev_error=0.25)
