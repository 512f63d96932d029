"""A run folder in the format of docs/run-folder.md (version 2), written the way the engine
writes it: costs.f64 and lr.f64 as little-endian float64 columns, metrics.jsonl and events.jsonl
as JSON lines with $nf tokens, run.json/config.json/summary.json whole and atomically."""
import os
import struct
import time

from .wire import to_json


def write_json_atomic(path, value, mode=None):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(to_json(value) + "\n")
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def iso_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


class RunFolder:
    def __init__(self, run_dir):
        self.dir = run_dir
        os.makedirs(os.path.join(run_dir, "checkpoints"), exist_ok=True)
        self._costs = open(os.path.join(run_dir, "costs.f64"), "ab")
        self._lr = open(os.path.join(run_dir, "lr.f64"), "ab")
        self._metrics = open(os.path.join(run_dir, "metrics.jsonl"), "a", encoding="utf-8")
        self._events = open(os.path.join(run_dir, "events.jsonl"), "a", encoding="utf-8")

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_json(self, name, value):
        write_json_atomic(self.path(name), value)

    def costs(self, values):
        self._costs.write(struct.pack("<%dd" % len(values), *values))

    def learning_rate(self, iteration, rate):
        self._lr.write(struct.pack("<2d", float(iteration), float(rate)))

    def epoch(self, summary):
        rest = {k: v for k, v in summary.items() if k != "seconds"}
        self._metrics.write(to_json(dict(kind="epoch", **rest)) + "\n")

    def layers(self, iteration, layers, rank_grad_norms=None):
        line = {"kind": "layers", "iteration": iteration, "layers": layers}
        if rank_grad_norms is not None:
            line["rankGradNorms"] = rank_grad_norms
        self._metrics.write(to_json(line) + "\n")

    def event(self, event):
        self._events.write(to_json(dict(time=iso_now(), **event)) + "\n")
        self._events.flush()

    def flush(self):
        for f in (self._costs, self._lr, self._metrics, self._events):
            f.flush()

    def close(self):
        for f in (self._costs, self._lr, self._metrics, self._events):
            f.close()
