"""Unit tests of python/gradient_lab against hand computations: python3 -m unittest discover python/tests"""
import math
import os
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gradient_lab as gl  # noqa: E402
from gradient_lab import stats as S  # noqa: E402
from gradient_lab.wire import from_json, to_json  # noqa: E402


class Temp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()


class UpdateRatio(Temp):
    def test_sgd_momentum_and_weight_decay_against_hand_computation(self):
        torch.manual_seed(1)
        lin = torch.nn.Linear(3, 2)
        model = torch.nn.Sequential(lin)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
        x = torch.randn(5, 3)
        ratios = []
        run = gl.attach(model, opt, every=1, runs_dir=self.tmp.name, name="ratio")
        original = run._emit_layers
        run._emit_layers = lambda r: (ratios.append(r), original(r))
        W = [p.detach().double().clone() for p in lin.parameters()]
        buf = [torch.zeros_like(w) for w in W]
        for step in range(3):
            loss = model(x).pow(2).sum()
            opt.zero_grad()
            loss.backward()
            g = [p.grad.detach().double() + 0.01 * w for p, w in zip(lin.parameters(), W)]
            run.step(loss)
            opt.step()
            # SGD with momentum (PyTorch's form): b ← μ·b + g (b = g on the first step); W ← W − lr·b.
            buf = [gi if step == 0 else 0.9 * b + gi for b, gi in zip(buf, g)]
            new = [w - 0.1 * b for w, b in zip(W, buf)]
            d2 = sum(((n - w) ** 2).sum().item() for n, w in zip(new, W))
            w2 = sum((n ** 2).sum().item() for n in new)
            self.assertAlmostEqual(ratios[-1][0], math.sqrt(d2) / math.sqrt(w2), places=6)
            W = new
        run.close()

    def test_grad_norms_cover_weight_and_bias(self):
        lin = torch.nn.Linear(2, 1)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[3.0, 0.0]]))
            lin.bias.fill_(4.0)
        lin.weight.grad = torch.tensor([[1.0, 2.0]])
        lin.bias.grad = torch.tensor([2.0])
        [(g, w, mean_abs)] = S.grad_weight_norms([("lin", lin)])
        self.assertAlmostEqual(g, 3.0)
        self.assertAlmostEqual(w, 5.0)
        self.assertAlmostEqual(mean_abs, 5.0 / 3)

    def test_dead_relu_counts_units_zero_for_every_sample(self):
        out = torch.tensor([[0.0, 1.0, 0.0, 2.0], [0.0, 0.0, 3.0, 0.0]])
        mean, std, sat, dead = S.activation_stats(out, "relu")
        self.assertAlmostEqual(dead, 0.25)
        self.assertAlmostEqual(mean, 6.0 / 8)
        self.assertEqual(sat, 0.0)
        _, _, sat, _ = S.activation_stats(torch.tensor([[0.995, -0.5], [-0.999, 0.0]]), "tanh")
        self.assertAlmostEqual(sat, 0.5)


class LearningRate(Temp):
    def schedule(self, make, change_at=None, steps=12):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(2, 1))
        opt = torch.optim.SGD([{"params": model[0].weight}, {"params": model[0].bias, "lr": 0.2}], lr=0.1)
        sched = make(opt)
        run = gl.attach(model, opt, scheduler=sched, runs_dir=self.tmp.name, name="lr") if change_at is not None else None
        lrs = []
        for k in range(steps):
            if k == change_at:
                run.set_learning_rate(opt.param_groups[0]["lr"] * 0.5)
            lrs.append([g["lr"] for g in opt.param_groups])
            opt.step()
            sched.step()
        if run:
            run.close()
        return lrs

    def check(self, make):
        plain = self.schedule(make)
        changed = self.schedule(make, change_at=5)
        for k in range(12):
            for a, b in zip(plain[k], changed[k]):
                self.assertAlmostEqual(b, a if k < 5 else 0.5 * a, places=12, msg="step %d" % k)

    def test_step_lr_keeps_the_change(self):
        self.check(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5))

    def test_lambda_lr_keeps_the_change(self):
        self.check(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0 / (1 + e)))

    def test_one_cycle_keeps_the_change(self):
        self.check(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=20))


class Wire(unittest.TestCase):
    def test_non_finite_numbers_are_tokens_and_strings_stay_strings(self):
        text = to_json({"a": [1.5, math.nan, math.inf, -math.inf], "name": "NaN"})
        self.assertEqual(text, '{"a":[1.5,{"$nf":"NaN"},{"$nf":"Infinity"},{"$nf":"-Infinity"}],"name":"NaN"}')
        back = from_json(text)
        self.assertTrue(math.isnan(back["a"][1]) and back["a"][2] == math.inf and back["name"] == "NaN")


if __name__ == "__main__":
    unittest.main()
