"""Unit tests of python/gradient_lab against hand computations: python3 -m unittest discover python/tests"""
import json
import math
import os
import subprocess
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


class WrongSquare(torch.autograd.Function):
    """x² with a planted bug: its backward says 3x instead of 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x


class Square(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class GradientCheck(Temp):
    def check(self, model, loss_fn=torch.nn.functional.cross_entropy, every=1):
        torch.manual_seed(0)
        x, y = torch.randn(16, 5), torch.randint(0, 3, (16,))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        run = gl.attach(model, opt, every=every, runs_dir=self.tmp.name, name="gc")
        run.gradient_check_batch(x, y, loss_fn)
        loss = loss_fn(model(x), y)
        loss.backward()
        run.step(loss)
        opt.step()
        before = [p.detach().clone() for p in model.parameters()]
        state = torch.get_rng_state()
        report = run.gradient_check()
        self.assertTrue(all(torch.equal(a, b) for a, b in zip(before, model.parameters())), "the model is untouched")
        self.assertTrue(torch.equal(state, torch.get_rng_state()), "the run's random stream is untouched")
        self.assertTrue(all(p.dtype == torch.float32 for p in model.parameters()))
        with open(os.path.join(run.folder.dir, "gradchecks", report["id"] + ".json"), encoding="utf-8") as f:
            saved = from_json(f.read())
        self.assertEqual(saved["band"], report["band"])
        run.close()
        return report

    def test_a_healthy_mlp_with_dropout_passes(self):
        torch.manual_seed(1)
        model = torch.nn.Sequential(torch.nn.Linear(5, 40), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Linear(40, 3))
        r = self.check(model)
        self.assertEqual(r["band"], "correct", r)
        self.assertTrue(all(t["band"] == "correct" for t in r["tensors"]), [t["band"] for t in r["tensors"]])
        self.assertEqual([(t["layer"], t["tensor"]) for t in r["tensors"]], [("0", "weight"), ("0", "bias"), ("3", "weight"), ("3", "bias")])
        w = r["tensors"][0]
        self.assertEqual((w["shape"], w["checked"], w["total"]), ([40, 5], 64, 200))
        self.assertEqual(r["tensors"][1]["shape"], [1, 40])
        self.assertEqual((r["dtype"], r["batchSize"], r["epsilon"]), ("float64", 16, 1e-7))
        self.assertTrue(any("Dropout was switched off" in n for n in r["notes"]), r["notes"])

    def test_relu_kinks_are_left_out_and_the_rest_is_correct(self):
        torch.manual_seed(2)
        model = torch.nn.Sequential(torch.nn.Linear(5, 30), torch.nn.ReLU(), torch.nn.Linear(30, 3))
        r = self.check(model)
        self.assertIn(r["band"], ("correct", "lookCloser"), r)

    def test_a_wrong_custom_backward_is_a_bug_in_the_tensors_before_it(self):
        torch.manual_seed(3)
        model = torch.nn.Sequential(torch.nn.Linear(5, 8), Square(WrongSquare.apply), torch.nn.Linear(8, 3))
        r = self.check(model)
        self.assertEqual(r["band"], "bug")
        bands = {(t["layer"], t["tensor"]): t["band"] for t in r["tensors"]}
        self.assertEqual(bands[("0", "weight")], "bug")
        self.assertEqual(bands[("0", "bias")], "bug")
        self.assertEqual(bands[("2", "weight")], "correct", "the layer after the bug is unaffected")
        worst = r["tensors"][0]["worst"][0]
        self.assertAlmostEqual(worst["analytic"] / worst["numeric"], 1.5, places=4)

    def test_the_same_model_with_a_correct_square_passes(self):
        torch.manual_seed(3)
        model = torch.nn.Sequential(torch.nn.Linear(5, 8), Square(lambda x: x * x), torch.nn.Linear(8, 3))
        self.assertEqual(self.check(model)["band"], "correct")

    def test_a_sync_batch_norm_is_checked_locally(self):
        # On rank 0 alone a synced batch norm would wait for the other ranks (and on CPU it refuses to run at all).
        torch.manual_seed(4)
        model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.SyncBatchNorm(8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
        r = gl.gradcheck.gradient_check(model, torch.randn(16, 5), torch.randint(0, 3, (16,)), torch.nn.functional.cross_entropy, "gc", 0)
        self.assertEqual(r["band"], "correct")
        self.assertIsInstance(model[1], torch.nn.SyncBatchNorm, "the model itself keeps its module")

    def test_the_command_answers_with_the_request_id_and_without_a_batch_with_an_error(self):
        model = torch.nn.Sequential(torch.nn.Linear(5, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        run = gl.attach(model, opt, runs_dir=self.tmp.name, name="gc")
        sent = []
        run.server.send = sent.append
        run._command({"v": 2, "type": "gradientCheck", "requestId": "r1"}, 0)
        self.assertEqual(sent[-1]["type"], "error")
        self.assertEqual(sent[-1]["requestId"], "r1")
        self.assertIn("gradient_check_batch", sent[-1]["error"]["message"])
        run.gradient_check_batch(torch.randn(4, 5), torch.randint(0, 3, (4,)), torch.nn.functional.cross_entropy)
        run._command({"v": 2, "type": "gradientCheck", "requestId": "r2"}, 0)
        self.assertEqual((sent[-1]["type"], sent[-1]["requestId"], sent[-1]["report"]["band"]), ("gradientCheck", "r2", "correct"))
        run.close()


class Distributed(Temp):
    def torchrun(self, **env):
        out, runs = os.path.join(self.tmp.name, "out"), os.path.join(self.tmp.name, "runs")
        os.makedirs(out)
        # --redirects/--tee as a mapping: Debian's torch 1.13 on Python 3.11 parses "0" as None (enum Flag iteration).
        r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                            "--redirects", "1:2", "--tee", "1:2", os.path.join(os.path.dirname(__file__), "ddp_train.py")],
                           env=dict(os.environ, OUT=out, RUNS=runs, OMP_NUM_THREADS="1", **env), capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return out, runs

    def folder_lines(self, run_dir, name):
        with open(os.path.join(run_dir, name), encoding="utf-8") as f:
            return [from_json(line) for line in f]

    def test_the_rank_whose_batch_made_a_nan_gradient_is_flagged(self):
        _, runs = self.torchrun(NAN_AT="9")  # step 10: sampled (every=5)
        [folder] = os.listdir(runs)
        flags = [e["flag"] for e in self.folder_lines(os.path.join(runs, folder), "events.jsonl") if e["type"] == "flag"]
        self.assertEqual([(f["tensor"], f["iteration"]) for f in flags if f["tensor"].startswith("rank")], [("rank 1", 10)], flags)
        self.assertIn("rank 1's own batch", [f for f in flags if f["tensor"] == "rank 1"][0]["message"])

    def test_two_ranks_apply_the_commands_at_the_same_step_and_stay_identical(self):
        out, runs = self.torchrun()
        ranks = []
        for k in range(2):
            with open(os.path.join(out, "rank%d.json" % k), encoding="utf-8") as f:
                ranks.append(json.load(f))
        a, b = ranks
        self.assertEqual(sorted(set(a["lrs"]), reverse=True), [0.1, 0.05, 0.02], "both LR changes reached rank 0")
        self.assertEqual(a["lrs"], b["lrs"], "every rank changed its LR at the same step")
        self.assertEqual(len(a["held"]), 2, "the pause, and the pause after step 3: %r" % a["held"])
        self.assertEqual(a["held"][1] - a["held"][0], 3)
        self.assertEqual(a["held"], b["held"], "every rank was held at the same steps")
        self.assertEqual(a["weights"], b["weights"], "the replicas are identical")
        self.assertIsNone(b["runDir"], "rank 1 writes no run folder")
        self.assertEqual(os.listdir(runs), [os.path.basename(a["runDir"])])
        with open(os.path.join(a["runDir"], "events.jsonl"), encoding="utf-8") as f:
            events = [from_json(line) for line in f]
        self.assertEqual([(e["from"], e["to"]) for e in events if e["type"] == "learningRate"], [(0.1, 0.05), (0.05, 0.02)])
        self.assertEqual([e["state"] for e in events if e["type"] == "state"], ["running", "paused", "running", "paused", "running", "finished"])
        # rank_grad_norms: each rank's own gradient norm on sampled steps (their batches differ).
        samples = [m["rankGradNorms"] for m in self.folder_lines(a["runDir"], "metrics.jsonl") if m["kind"] == "layers"]
        self.assertEqual(len(samples), 12)
        self.assertTrue(all(len(n) == 2 and n[0] > 0 and n[1] > 0 and n[0] != n[1] for n in samples), samples)


class Wire(unittest.TestCase):
    def test_non_finite_numbers_are_tokens_and_strings_stay_strings(self):
        text = to_json({"a": [1.5, math.nan, math.inf, -math.inf], "name": "NaN"})
        self.assertEqual(text, '{"a":[1.5,{"$nf":"NaN"},{"$nf":"Infinity"},{"$nf":"-Infinity"}],"name":"NaN"}')
        back = from_json(text)
        self.assertTrue(math.isnan(back["a"][1]) and back["a"][2] == math.inf and back["name"] == "NaN")


if __name__ == "__main__":
    unittest.main()
