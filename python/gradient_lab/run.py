"""A PyTorch training loop seen as one of Gradient Lab's engines: a run folder
(docs/run-folder.md), an attach socket (engine.json) and the engine protocol
(src/shared/protocol.ts), driven by the user's loop through `step`, `epoch` and `close`.

Reattaching: a host that attaches has replayed the run folder first (RunManager does), so the
catch-up sent on attach is hello, runInfo, state and the last epoch and layer sample. The host's
applyEvent keeps only points past its series' ends, so this is idempotent. The `snapshot`
command is answered the same way (all recorded costs, epochs, layer samples again) rather than
with a `history` RunView, whose bucket series this module does not build.
"""
import atexit
import math
import os
import queue
import sys
import threading
import time
import traceback

import torch

from . import distributed
from . import stats as S
from .folder import RunFolder, iso_now
from .gradcheck import gradient_check
from .server import AttachServer
from .wire import PROTOCOL_VERSION

SEND_INTERVAL = 0.05  # at most ~20 metrics messages a second
LAYER_SAMPLES_PER_OCTAVE = 1024


class StopTraining(SystemExit):
    """Raised by `Run.step` when the extension asked the run to stop (a checkpoint and
    summary.json are written first). A SystemExit with code 0: uncaught, the script ends quietly
    and cleanly (a user's `except Exception` does not swallow it); a `with gl.attach(...)` block
    swallows it and the script goes on after the block."""

    def __init__(self):
        super().__init__(0)


def keep_layer_sample(n):
    """The thinning of src/shared/run-folder.ts keepLayerSample: all of the first 1024 samples, then 1 in 2, 4, …"""
    if n <= LAYER_SAMPLES_PER_OCTAVE:
        return True
    stride = 1
    while n > stride * LAYER_SAMPLES_PER_OCTAVE:
        stride *= 2
    return n % stride == 0


def _is_ddp(model):
    try:
        from torch.nn.parallel import DistributedDataParallel
    except ImportError:
        return False
    return isinstance(model, DistributedDataParallel)


class _Nowhere:
    """The run folder and attach socket of a rank other than 0: it reports nothing, receives no command."""

    def __init__(self):
        self.commands = queue.Queue()
        self.dir = None

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _slug(name):
    s = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    return s or "run"


class Run:
    def __init__(self, model, optimizer, every=10, scheduler=None, name=None, runs_dir=None, sync_every=10,
                 rank_grad_norms=False, **info):
        self.model = model
        # Under DistributedDataParallel: the wrapped module (its names, hooks and state_dict have no "module." prefix).
        self._module = model.module if _is_ddp(model) else model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.every = max(1, int(every))
        self._dist = distributed.Lockstep(sync_every) if distributed.active() else None
        self._local_sq = []
        self._rank_norms = None
        self._rank_hook = bool(rank_grad_norms) and self._dist is not None and _is_ddp(model)
        self._rank_handles = []
        if self._dist is not None and not self._dist.leader:
            self._init_follower()
            return
        self._follower = False
        script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else None
        self.name = name or (os.path.splitext(os.path.basename(script))[0] if script else "pytorch")
        runs_dir = runs_dir or os.environ.get("GRADIENT_LAB_RUNS_DIR") or os.path.join(os.getcwd(), ".gradient-lab", "runs")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_id = "%s-%s" % (stamp, _slug(self.name))
        run_dir = os.path.join(os.path.abspath(runs_dir), run_id)
        k = 1
        while os.path.exists(run_dir):
            k += 1
            run_dir = os.path.join(os.path.abspath(runs_dir), "%s-%d" % (run_id, k))
        self.run_id = os.path.basename(run_dir)
        # engine.json first: a host that sees the folder appear finds an engine to attach to.
        os.makedirs(run_dir)
        self.server = AttachServer(os.path.join(run_dir, "engine.json"), self._catch_up)
        self.folder = RunFolder(run_dir)
        self.layers = S.layer_modules(self._module)
        self.iteration = 0
        self.epoch_no = 0
        self.state = "starting"
        self._t0 = time.time()
        self._epoch_t0 = self._t0
        self._epoch_costs = []
        self._pending_costs = []
        self._pending_first = 1
        self._last_send = 0.0
        self._lr = self._current_lr()
        self._paused = False
        self._steps_left = None
        self._stopping = False
        self._closed = False
        self._sample_now = self.every == 1  # iteration 1 is sampled when every divides 1
        self._before = None
        self._grad_rows = None
        self._acts = {}
        self._flagged = set()
        self._layer_samples = 0
        self._last_epoch = None
        self._last_layers = None
        self._grad_norms = []
        self._hooks = []
        self._grad_check_batch = None
        self._grad_checks = 0
        self._lock = threading.RLock()
        self.info = self._run_info(script, info)
        python = {"script": script, "argv": sys.argv[1:]}
        if os.environ.get("GRADIENT_LAB_LAUNCH_ID"):
            python["launchId"] = os.environ["GRADIENT_LAB_LAUNCH_ID"]  # finds the folder once engine.json is gone (a quick crash)
        self.folder.write_json("config.json", {"name": self.name, "python": python, "configPath": script})
        self.folder.write_json("run.json", self.info)
        self.folder.learning_rate(1, self._lr)
        self._install_hooks()
        self._arm(self._sample_now)
        if self._rank_hook:
            self._arm_rank(self._sample_now)
        self._wrap_step()
        self._event({"type": "runInfo", "info": self.info})
        self._set_state("running")
        if self._dist is not None:
            d = self._dist
            self._log("info", "torch.distributed: %d ranks (%s); reporting from rank 0; commands reach every rank at the "
                              "same step (checked every %d steps)" % (d.world, d.backend, d.every))
        atexit.register(self._at_exit)
        self._prev_hook = sys.excepthook
        sys.excepthook = self._excepthook

    def _arm_rank(self, on):
        """Gradient hooks on every parameter for the next (sampled) backward only: a tensor hook sees
        this rank's own gradient before DDP's reducer averages it. (A DDP communication hook would
        see it too, but runs in Python on every step: +20–30 % on the bench's MLP.) A parameter used
        twice (tied weights) is seen in pieces, so its ‖g‖² is then the sum of the pieces'."""
        if on == bool(self._rank_handles):
            return
        for h in self._rank_handles:
            h.remove()
        self._rank_handles = []
        if on:
            keep = self._local_sq.append
            self._rank_handles = [p.register_hook(lambda g: keep(g.detach().double().pow(2).sum()))
                                  for p in self._module.parameters() if p.requires_grad]

    def _gather_rank_norms(self):
        """Every rank's local ‖g‖₂ of this step (a collective on sampled steps, on every rank)."""
        sq = torch.stack(self._local_sq).sum() if self._local_sq else torch.zeros((), dtype=torch.float64)
        self._local_sq = []
        return self._dist.gather(float(sq.sqrt()))

    def _init_follower(self):
        """A rank other than 0: no folder, socket or statistics; it applies rank 0's commands at the same steps."""
        self._follower = True
        self.name = "rank %d" % self._dist.rank
        self.folder = self.server = _Nowhere()
        self.layers = S.layer_modules(self._module)
        self._names = {}
        self._hooks = []
        self._leaf_hooks = []
        self.iteration = 0
        self.epoch_no = 0
        self.state = "running"
        self._lr = self._current_lr()
        self._paused = False
        self._steps_left = None
        self._stopping = False
        self._closed = False
        self._before = None
        self._pending_costs = []
        self._sample_now = self.every == 1
        if self._rank_hook:
            self._arm_rank(self._sample_now)
        self._grad_check_batch = None
        self._grad_checks = 0
        self._lock = threading.RLock()

    # ───────────── run facts ─────────────

    def _current_lr(self):
        return float(self.optimizer.param_groups[0]["lr"])

    def _run_info(self, script, over):
        linears = [m for _, m in self.layers if hasattr(m, "weight") and getattr(m, "weight") is not None]
        first, last = (linears[0], linears[-1]) if linears else (None, None)
        features = int(getattr(first, "in_features", getattr(first, "in_channels", 0)) or 0) if first is not None else 0
        outs = int(getattr(last, "out_features", 0) or 0) if last is not None else 0
        task = over.get("task") or ("binary" if outs == 1 else "multiclass")
        classes = over.get("classes") or ([] if task == "regression" else [str(i) for i in range(max(outs, 2))])
        dtype = str(next(self._module.parameters()).dtype).replace("torch.", "") if any(True for _ in self._module.parameters()) else "float32"
        layers = []
        for name, m in self.layers:
            units = getattr(m, "out_features", None) or getattr(m, "out_channels", None) or getattr(m, "num_features", None) \
                or sum(p.numel() for p in m.parameters(recurse=False))
            layers.append({"label": name, "units": int(units), "activation": type(m).__name__,
                           "batchNorm": isinstance(m, torch.nn.modules.batchnorm._BatchNorm), "keepProb": 1})
        counts = over.get("counts") or {"train": 0, "dev": 0, "test": 0}
        return {
            "runId": self.run_id, "runDir": self.folder.dir, "name": self.name, "configPath": script,
            # `training.epochs` only when the script says (the dashboard header shows "epoch 3 / 30").
            "config": dict({"name": self.name, "python": {"script": script}},
                           **({"training": {"epochs": int(over["epochs"])}} if over.get("epochs") else {})),
            "backend": "pytorch", "threads": torch.get_num_threads(), "dtype": dtype, "task": task,
            "classes": classes, "features": int(over.get("features") or features), "counts": counts,
            "parameters": int(sum(p.numel() for p in self._module.parameters())), "layers": layers,
            "iterationsPerEpoch": int(over.get("iterations_per_epoch") or 0), "mode": "train", "startedAt": iso_now(),
        }

    # ───────────── hooks ─────────────

    def _install_hooks(self):
        """One permanent pre-hook on the model keeps a reference to the training forward's input
        (to replay it when the loss turns NaN). Leaf hooks cost every forward they are on (about
        20 µs a module here), so they are on only for sampled steps (`_arm`) and NaN replays."""
        self._last_input = None
        self._leaf_hooks = []
        self._names = {id(m): n for n, m in self.layers}
        self._leaves = [(n, m) for n, m in self._module.named_modules() if next(m.children(), None) is None]
        # A layer followed by an activation module gets that module's statistics: skip its own output's.
        self._followed = {id(m) for (_, m), (_, nxt) in zip(self._leaves, self._leaves[1:]) if S.activation_kind(nxt)}

        def keep_input(_module, args):
            if torch.is_grad_enabled():
                self._last_input = args
                self._current_layer = None

        self._hooks.append(self._module.register_forward_pre_hook(keep_input))

    def _arm(self, on):
        """Leaf hooks for activation statistics on (the next forward is sampled) or off."""
        if on == bool(self._leaf_hooks):
            return
        if not on:
            for h in self._leaf_hooks:
                h.remove()
            self._leaf_hooks = []
            return
        names = self._names
        self._current_layer = None

        def hook(module, _inp, out):
            # Evaluation passes (no grad) are not the step's forward.
            if not isinstance(out, torch.Tensor) or not torch.is_grad_enabled():
                return
            if id(module) in names:
                self._current_layer = names[id(module)]
                if id(module) not in self._followed:
                    self._acts[self._current_layer] = S.activation_stats(out, None)
            else:
                kind = S.activation_kind(module)
                if kind and self._current_layer is not None:
                    self._acts[self._current_layer] = S.activation_stats(out, kind)

        self._leaf_hooks = [m.register_forward_hook(hook) for _, m in self._leaves]

    @torch.no_grad()
    def _first_non_finite_output(self):
        """Replays the step's forward (its input, no grad) and returns the first leaf module whose
        output holds NaN/Inf while its input did not. BatchNorm running statistics see one batch more."""
        if self._last_input is None:
            return None
        if self._dist is not None and any(isinstance(m, torch.nn.SyncBatchNorm) for m in self._module.modules()):
            return None  # the replay runs on rank 0 alone: a synced batch norm would wait for the other ranks
        found = []

        def check(module, inp, out, name):
            if found or not isinstance(out, torch.Tensor) or not out.is_floating_point():
                return
            if not bool(torch.isfinite(out).all()):
                found.append(name)

        hooks = [m.register_forward_hook(lambda mod, i, o, name=self._names.get(id(m), n): check(mod, i, o, name))
                 for n, m in self._leaves]
        try:
            self._module(*self._last_input)
        except Exception:
            pass
        finally:
            for h in hooks:
                h.remove()
        return found[0] if found else None

    def _wrap_step(self):
        original = self.optimizer.step
        run = self

        def step(*args, **kwargs):
            before = run._before
            result = original(*args, **kwargs)
            if before is not None:
                run._before = None
                run._emit_layers(S.update_ratios(run.layers, before))
            return result

        # A scheduler made before attach wrapped step with a call counter; keep its mark, or it
        # warns that optimizer.step was overridden (ours calls that counter).
        if hasattr(original, "_with_counter"):
            step._with_counter = original._with_counter
        self.optimizer.step = step
        self._original_step = original

    # ───────────── the user's calls ─────────────

    def step(self, loss):
        """Call after loss.backward(), before optimizer.step(): records the cost, samples layer
        statistics every `every` steps, applies the extension's commands (blocks while paused).
        Raises StopTraining when the extension asked to stop."""
        if self._closed:
            return True
        self.iteration += 1
        it = self.iteration
        if self._follower:
            if self._rank_hook and self._sample_now:
                self._gather_rank_norms()
            self._commands(it)
            self._sample_now = (it + 1) % self.every == 0
            if self._rank_hook:
                self._arm_rank(self._sample_now)
            return True
        cost = float(loss.detach().item()) if isinstance(loss, torch.Tensor) else float(loss)
        if self._last_layers_pending():
            self._emit_layers([0.0] * len(self.layers))
        lr = self._current_lr()
        if lr != self._lr:
            self.folder.learning_rate(it, lr)
            self._lr = lr
        self._pending_costs.append(cost)
        self._epoch_costs.append(cost)
        if not math.isfinite(cost):
            self._nonfinite_loss(it, cost)
        if self._sample_now:
            self._grad_rows = S.grad_weight_norms(self.layers)
            self._sample_iteration = it
            total = math.sqrt(sum(r[0] ** 2 for r in self._grad_rows))
            self._grad_norms.append(total)
            if not math.isfinite(total):
                self._nonfinite_grads(it)
            if self._rank_hook:
                self._rank_norms = self._gather_rank_norms()
                self._nonfinite_rank(it, self._rank_norms)
            self._before = S.snapshot_params(self.layers)
        self._arm(False)
        self._last_input = None
        now = time.time()
        if now - self._last_send >= SEND_INTERVAL:
            self._flush_metrics()
        self._commands(it)
        self._sample_now = (it + 1) % self.every == 0
        self._arm(self._sample_now)
        if self._rank_hook:
            self._arm_rank(self._sample_now)
        return True

    def epoch(self, train_loss=None, train_error=None, dev_loss=None, dev_error=None, train=None, dev=None):
        """Ends an epoch: losses/errors the user computed (`train`/`dev` may be a loss or a
        (loss, error) pair); the train loss defaults to the mean cost of the epoch's steps."""
        if isinstance(train, (tuple, list)):
            train_loss, train_error = train[0], train[1] if len(train) > 1 else train_error
        elif train is not None:
            train_loss = train
        if isinstance(dev, (tuple, list)):
            dev_loss, dev_error = dev[0], dev[1] if len(dev) > 1 else dev_error
        elif dev is not None:
            dev_loss = dev
        self.epoch_no += 1
        if self._follower:
            return None
        if self.epoch_no == 1 and not self.info["iterationsPerEpoch"]:
            self.info["iterationsPerEpoch"] = self.iteration
            self.folder.write_json("run.json", self.info)
            self._event({"type": "runInfo", "info": self.info})
        mean = sum(self._epoch_costs) / len(self._epoch_costs) if self._epoch_costs else math.nan
        now = time.time()
        summary = {
            "epoch": self.epoch_no, "iteration": self.iteration,
            "trainCost": float(mean if train_loss is None else train_loss),
            "trainError": float(math.nan if train_error is None else train_error),
            "devCost": None if dev_loss is None else float(dev_loss),
            "devError": None if dev_error is None else float(dev_error),
            "learningRate": self._current_lr(), "seconds": now - self._epoch_t0,
        }
        self._epoch_t0 = now
        self._epoch_costs = []
        self._flush_metrics()
        self.folder.epoch(summary)
        self.folder.flush()
        self._last_epoch = summary
        self.server.send({"type": "epoch", "summary": summary})
        return summary

    def checkpoint(self):
        """torch.save of the state_dicts into checkpoints/, named by checkpoints/latest.json (rank 0's under DDP)."""
        if self._follower:
            return
        name = "latest-%d.pt" % self.iteration
        payload = {"model": self._module.state_dict(), "optimizer": self.optimizer.state_dict(),
                   "iteration": self.iteration, "epoch": self.epoch_no}
        if self.scheduler is not None and hasattr(self.scheduler, "state_dict"):
            payload["scheduler"] = self.scheduler.state_dict()
        ck = os.path.join(self.folder.dir, "checkpoints")
        tmp = os.path.join(ck, name + ".tmp")
        torch.save(payload, tmp)
        os.replace(tmp, os.path.join(ck, name))
        self.folder.write_json("checkpoints/latest.json", {"format": "pytorch", "file": name, "iteration": self.iteration,
                                                          "epoch": self.epoch_no, "load": "torch.load(file)"})
        for f in os.listdir(ck):
            if f.startswith("latest-") and f.endswith(".pt") and f != name:
                try:
                    os.remove(os.path.join(ck, f))
                except OSError:
                    pass
        self._event({"type": "checkpoint", "iteration": self.iteration, "epoch": self.epoch_no,
                     "path": os.path.join(ck, "latest.json")})

    def gradient_check_batch(self, x, y, loss_fn, epsilon=1e-7, max_entries_per_tensor=64, seed=0):
        """Registers the fixed batch the extension's Gradient check uses: J(θ) = loss_fn(model(x), y)
        (x a tensor, a tuple of positional inputs or a dict of keyword inputs). Keep it small (the
        engine's default is 64 rows): each checked entry costs two forward passes."""
        keep = lambda v: v.detach().clone() if isinstance(v, torch.Tensor) else (
            type(v)(keep(u) for u in v) if isinstance(v, (tuple, list)) else
            {k: keep(u) for k, u in v.items()} if isinstance(v, dict) else v)
        self._grad_check_batch = {"x": keep(x), "y": keep(y), "loss_fn": loss_fn, "epsilon": float(epsilon),
                                  "max_entries_per_tensor": int(max_entries_per_tensor), "seed": int(seed)}

    def gradient_check(self, request_id=None):
        """Checks backprop on the registered batch (a float64 copy of the model; see gradcheck.py),
        saves gradchecks/<id>.json, sends the report and returns it (None on ranks other than 0)."""
        if self._follower:
            return None
        b = self._grad_check_batch
        if b is None:
            raise ValueError("no batch for the gradient check: call run.gradient_check_batch(x, y, loss_fn) in the script")
        self._grad_checks += 1
        report_id = "gc-%03d-it%d" % (self._grad_checks, self.iteration)
        notes = []
        if any(g.get("weight_decay") for g in self.optimizer.param_groups):
            notes.append("The optimizer's weight decay is applied by optimizer.step, not by loss_fn: it is not part of J.")
        report = gradient_check(self._module, b["x"], b["y"], b["loss_fn"], report_id, self.iteration, epsilon=b["epsilon"],
                                max_entries_per_tensor=b["max_entries_per_tensor"], seed=b["seed"],
                                layer_names=self._names, our_hooks=self._hooks + self._leaf_hooks, notes=notes)
        os.makedirs(self.folder.path("gradchecks"), exist_ok=True)
        self.folder.write_json("gradchecks/%s.json" % report_id, report)
        event = {"type": "gradientCheck", "report": report}
        if request_id is not None:
            event["requestId"] = request_id
        self._event(event)
        return report

    def set_learning_rate(self, value, source="user"):
        """Scales every param group so the first has `value` (groups keep their ratios) and, with a
        scheduler, its base LRs (and OneCycleLR's max/initial/min LRs) so the schedule goes on from there."""
        old = self._current_lr()
        factor = value / old if old > 0 else None
        for g in self.optimizer.param_groups:
            g["lr"] = g["lr"] * factor if factor is not None else value
            for key in ("initial_lr", "max_lr", "min_lr"):
                if key in g and isinstance(g[key], (int, float)):
                    g[key] = g[key] * factor if factor is not None else value
        sch = self.scheduler
        if sch is not None and hasattr(sch, "base_lrs"):
            sch.base_lrs = [b * factor if factor is not None else value for b in sch.base_lrs]
        if sch is not None and hasattr(sch, "_last_lr"):
            sch._last_lr = [g["lr"] for g in self.optimizer.param_groups]
        self._lr = self._current_lr()
        self.folder.learning_rate(self.iteration + 1, self._lr)
        self._event({"type": "learningRate", "iteration": self.iteration, "epoch": self.epoch_no,
                     "from": old, "to": self._lr, "source": source})

    def close(self, state="finished", reason=None):
        """Writes the last points, a checkpoint and summary.json; removes engine.json."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._arm_rank(False)
        if self._follower:
            return
        if self._before is not None:
            self._before = None
            self._emit_layers([0.0] * len(self.layers))
        self._flush_metrics()
        try:
            self.checkpoint()
        except Exception as e:  # a full disk must not hide the summary
            self._log("warning", "checkpoint failed: %s" % e)
        summary = {
            "state": state, "epochs": self.epoch_no, "iterations": self.iteration, "final": self._last_epoch,
            "best": None, "testLooks": 0, "seconds": time.time() - self._t0, "backend": "pytorch",
            "threads": torch.get_num_threads(),
        }
        if reason:
            summary["reason"] = reason
        g = sorted(x for x in self._grad_norms if math.isfinite(x))
        if g:
            q = lambda p: g[min(len(g) - 1, int(p * (len(g) - 1) + 0.5))]
            summary["gradients"] = {"steps": len(g), "median": q(0.5), "p90": q(0.9), "max": g[-1], "clipNorm": None,
                                    "clipped": 0, "clippedFraction": 0, "suggestedClipNorm": q(0.9)}
        self._set_state(state, reason)
        self.folder.write_json("summary.json", summary)
        self._event({"type": "summary", "summary": summary})
        self.folder.flush()
        self.folder.close()
        self._arm(False)
        for h in self._hooks:
            h.remove()
        self.optimizer.step = self._original_step
        self.server.close()
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._prev_hook

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close("finished")
            return False
        if issubclass(exc_type, StopTraining):
            return True
        self._crash(exc_type, exc, tb)
        return False

    # ───────────── internals ─────────────

    def _last_layers_pending(self):
        # The user skipped optimizer.step() after a sampled step: send the sample without update ratios.
        return self._before is not None

    def _emit_layers(self, ratios):
        rows = self._grad_rows or []
        it = getattr(self, "_sample_iteration", self.iteration)
        layers = []
        for (name, _), r, u in zip(self.layers, rows, ratios):
            a = self._acts.get(name, (0.0, 0.0, 0.0, 0.0))
            layers.append({"layer": name, "gradNorm": r[0], "weightNorm": r[1], "updateRatio": u, "meanAbsGrad": r[2],
                           "activationMean": a[0], "activationStd": a[1], "saturated": a[2], "deadRelu": a[3]})
        self._before = None
        self._grad_rows = None
        self._acts = {}
        ranks, self._rank_norms = self._rank_norms, None
        if not layers:
            return
        total = math.sqrt(sum(l["gradNorm"] ** 2 for l in layers))
        self._layer_samples += 1
        if keep_layer_sample(self._layer_samples):
            self.folder.layers(it, layers, ranks)
        self._last_layers = (it, layers, total)
        self._flush_metrics()
        event = {"type": "layerStats", "iteration": it, "layers": layers, "globalGradNorm": total}
        if ranks is not None:
            event["rankGradNorms"] = ranks
        self.server.send(event)
        if any(not math.isfinite(l["weightNorm"]) for l in layers):
            where = S.first_non_finite(self.layers, "param")
            if where:
                self._flag(it, where[0], where[1], "weights of %s (%s) hold NaN/Inf after the step" % where)

    def _nonfinite_loss(self, it, cost):
        p = S.first_non_finite(self.layers, "param")
        name = None if p else self._first_non_finite_output()
        where = (name, "output") if name else None
        if p:
            self._flag(it, p[0], p[1], "the loss is %s: parameter %s.%s already holds NaN/Inf" % (cost, p[0], p[1]))
        elif where:
            self._flag(it, where[0], where[1], "the loss is %s: the first module whose output holds NaN/Inf is %s" % (cost, where[0]))
        else:
            self._flag(it, None, "loss", "the loss is %s but every module output is finite: the loss function produced it" % cost)

    def _nonfinite_rank(self, it, norms):
        """The rank whose own batch made a NaN/Inf gradient (the all-reduce then spreads it to every rank)."""
        bad = [k for k, n in enumerate(norms) if not math.isfinite(n)]
        if bad and len(bad) < len(norms):
            self._flag(it, None, "rank %d" % bad[0], "the gradient of rank %s's own batch holds NaN/Inf before DDP's all-reduce "
                       "(ranks %s are finite): look at that rank's data" % (", ".join(map(str, bad)),
                                                                             ", ".join(str(k) for k in range(len(norms)) if k not in bad)))

    def _nonfinite_grads(self, it):
        where = S.first_non_finite(self.layers, "grad")
        if where:
            self._flag(it, where[0], where[1], "the gradient of %s (%s) holds NaN/Inf" % where)

    def _flag(self, it, layer, tensor, message):
        key = (layer, tensor)
        if key in self._flagged:
            return
        self._flagged.add(key)
        flag = {"kind": "nonFinite", "severity": "error", "message": message, "iteration": it}
        if layer is not None:
            flag["layer"] = layer
        if tensor is not None:
            flag["tensor"] = tensor
        self._flush_metrics()
        self._event({"type": "flag", "flag": flag})

    def _flush_metrics(self):
        if self._pending_costs:
            costs = self._pending_costs
            self.folder.costs(costs)
            self.folder.flush()
            self.server.send({"type": "metrics", "firstIteration": self._pending_first, "costs": costs,
                              "learningRate": self._lr, "epoch": self.epoch_no + 1})
            self._pending_first += len(costs)
            self._pending_costs = []
        self._last_send = time.time()

    def _event(self, event, record=True):
        if record:
            self.folder.event(event)
        self.server.send(event)

    def _log(self, level, message):
        self._event({"type": "log", "level": level, "message": message})

    def _set_state(self, state, reason=None):
        self.state = state
        e = {"type": "state", "state": state, "iteration": self.iteration, "epoch": self.epoch_no}
        if reason:
            e["reason"] = reason
        self._event(e)

    def _catch_up(self, send):
        """What a host that just attached gets (see the module docstring), on the server thread."""
        send({"type": "hello", "protocolVersion": PROTOCOL_VERSION, "pid": os.getpid()})
        if not hasattr(self, "info"):
            return  # attached while the run is being set up: its runInfo is on its way
        send({"type": "runInfo", "info": self.info})
        send({"type": "state", "state": self.state, "iteration": self.iteration, "epoch": self.epoch_no})
        if self._last_epoch:
            send({"type": "epoch", "summary": self._last_epoch})
        if self._last_layers:
            it, layers, total = self._last_layers
            send({"type": "layerStats", "iteration": it, "layers": layers, "globalGradNorm": total})

    def _resend_all(self):
        """The answer to `snapshot`: every recorded point again (idempotent on the host)."""
        import struct
        self.folder.flush()
        with open(self.folder.path("costs.f64"), "rb") as f:
            data = f.read()
        costs = list(struct.unpack("<%dd" % (len(data) // 8), data[: len(data) // 8 * 8]))
        for k in range(0, len(costs), 4096):
            self.server.send({"type": "metrics", "firstIteration": k + 1, "costs": costs[k:k + 4096],
                              "learningRate": self._lr, "epoch": self.epoch_no + 1})
        from .wire import from_json
        with open(self.folder.path("metrics.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = from_json(line)
                if r.get("kind") == "epoch":
                    r.pop("kind")
                    r.setdefault("seconds", 0)
                    self.server.send({"type": "epoch", "summary": r})
                elif r.get("kind") == "layers":
                    self.server.send({"type": "layerStats", "iteration": r["iteration"], "layers": r["layers"]})

    def _commands(self, it):
        """Applies queued commands; blocks while paused (a `step N` lets N iterations through). Under
        DDP every rank goes through the same rounds with rank 0's commands (./distributed.py)."""
        if self._steps_left is not None:
            self._steps_left -= 1
            if self._steps_left <= 0:
                self._steps_left = None
                self._pause()
        held = self._paused or self._stopping
        # The common case, nothing queued, without the queue's lock and Empty exception (~30 µs a step).
        if not held and (not self.server.commands.queue if self._dist is None else not self._dist.sync_step(it)):
            return
        while True:
            for cmd in self._next_commands(self._paused and not self._stopping, it):
                self._command(cmd, it)
            if not self._paused or self._stopping:
                break
        if self._stopping:
            self.close("stopped", "Stopped from Gradient Lab.")
            raise StopTraining()

    def _next_commands(self, block, it):
        """What is queued (waiting up to 0.5 s for a first one when `block`); under DDP rank 0's list on every rank."""
        batch = []
        if not self._follower:
            q = self.server.commands
            if block:
                try:
                    batch.append(q.get(timeout=0.5))
                except queue.Empty:
                    pass
            while q.queue:
                batch.append(q.get_nowait())
        return batch if self._dist is None else self._dist.exchange(it, batch)

    def _pause(self):
        if self._paused:
            return
        self._paused = True
        self._flush_metrics()
        try:
            self.checkpoint()
        except Exception as e:
            self._log("warning", "checkpoint failed: %s" % e)
        self._set_state("paused")

    def _resume(self):
        if not self._paused:
            return
        self._paused = False
        self._set_state("running")

    def _command(self, cmd, it):
        t = cmd.get("type")
        if cmd.get("v") != PROTOCOL_VERSION:
            self._log("warning", "ignored a command of protocol %s (this module speaks %d)" % (cmd.get("v"), PROTOCOL_VERSION))
        elif t == "pause":
            self._steps_left = None
            self._pause()
        elif t == "resume":
            self._steps_left = None
            self._resume()
        elif t == "step":
            n = cmd.get("iterations")
            if isinstance(n, int) and n > 0:
                self._steps_left = n
                self._resume_quietly()
        elif t in ("stop", "shutdown"):
            self._stopping = True
        elif t == "setLearningRate":
            v = cmd.get("value")
            if isinstance(v, (int, float)) and math.isfinite(v) and v > 0:
                self.set_learning_rate(float(v))
            else:
                self._log("warning", "setLearningRate needs a positive finite value, not %r" % (v,))
        elif self._follower and t in ("checkpoint", "snapshot", "gradientCheck"):
            pass  # rank 0's
        elif t == "checkpoint":
            self.checkpoint()
        elif t == "gradientCheck":
            try:
                self.gradient_check(cmd.get("requestId"))
            except Exception as e:  # the script goes on; the host shows why
                self._event({"type": "error", "fatal": False, "error": {"code": "usage", "message": "gradient check: %s" % e},
                             **({"requestId": cmd["requestId"]} if "requestId" in cmd else {})})
        elif t == "snapshot":
            self._flush_metrics()
            self._resend_all()
        else:
            self._log("warning", "the PyTorch module does not support the %r command yet" % t)

    def _resume_quietly(self):
        # `step N` runs N iterations and pauses again: the state goes running → paused like the engine's.
        if self._paused:
            self._paused = False
            self._set_state("running")

    def _crash(self, exc_type, exc, tb):
        frames = traceback.extract_tb(tb)
        user = [f for f in frames if "gradient_lab" not in f.filename]
        last = (user or frames)[-1] if (user or frames) else None
        message = "".join(traceback.format_exception_only(exc_type, exc)).strip()
        # code "python": the host puts it on the script's line as a diagnostic, with the frames as related places.
        err = {"message": message, "code": "python"}
        if last is not None:
            err["file"] = last.filename
            err["line"] = last.lineno
        err["frames"] = [{"file": f.filename, "line": f.lineno, "name": f.name} for f in (user or frames)][-20:]
        self._event({"type": "error", "error": err, "fatal": True})
        self.close("crashed", message)

    def _excepthook(self, exc_type, exc, tb):
        if not self._closed and not issubclass(exc_type, StopTraining):
            try:
                self._crash(exc_type, exc, tb)
            except Exception:
                pass
        if issubclass(exc_type, StopTraining):
            return
        self._prev_hook(exc_type, exc, tb)

    def _at_exit(self):
        if not self._closed:
            try:
                self.close("finished")
            except Exception:
                pass
