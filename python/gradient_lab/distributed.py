"""Commands for every rank of a torch.distributed job (DDP under torchrun): rank 0 owns the attach
socket and the run folder; at each sync step it broadcasts the commands it received, with its
iteration, and every rank applies them at that same step, so a mid-run LR change or pause leaves
the replicas identical.

Lockstep: every rank calls `exchange` at the same points (sync steps, and each round of a pause,
which rank 0 ends every 0.5 s with an empty batch as a heartbeat so no rank waits on a collective
longer than that, whatever gloo's timeout). The messages go over a gloo group of our own, CPU
tensors apart from DDP's gradient all-reduces (a NCCL job too). Cost: one broadcast of two int64s
a sync step, a payload only when there are commands. A broadcast every step measured +1.1 ms on a
≈ 4 ms DDP step on this loaded 2-core machine (bench/pytorch_overhead.py under torchrun, each
collective needs both ranks scheduled), so attach's default is a sync every 10 steps: a command
waits at most 10 steps, and is still applied at the same step everywhere.
"""
import torch

from .wire import from_json, to_json


def active():
    """Whether this process is one of several ranks of an initialised process group."""
    try:
        import torch.distributed as dist
    except ImportError:
        return False
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


class Lockstep:
    def __init__(self, every=1):
        import torch.distributed as dist
        self.dist = dist
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()
        self.backend = str(dist.get_backend())
        self.every = max(1, int(every))
        # A collective: every rank creates it here, in attach().
        self.group = dist.new_group(backend="gloo")
        self.header = torch.zeros(2, dtype=torch.int64)

    @property
    def leader(self):
        return self.rank == 0

    def sync_step(self, iteration):
        return iteration % self.every == 0

    def exchange(self, iteration, batch=None):
        """Rank 0 sends `batch` (a list of commands); every rank returns the list rank 0 sent.
        Raises when the ranks are not at the same iteration (run.step called unevenly)."""
        if self.leader:
            payload = to_json(batch).encode("utf-8") if batch else b""
            self.header[0] = len(payload)
            self.header[1] = iteration
            self.dist.broadcast(self.header, 0, group=self.group)
            if payload:
                self.dist.broadcast(torch.tensor(list(payload), dtype=torch.uint8), 0, group=self.group)
            return list(batch or [])
        self.dist.broadcast(self.header, 0, group=self.group)
        n, at = self.header.tolist()
        if at != iteration:
            raise RuntimeError("gradient_lab: rank %d is at step %d but rank 0 sent the commands of step %d: every rank "
                               "must call run.step once per training step" % (self.rank, iteration, at))
        if n == 0:
            return []
        buf = torch.empty(n, dtype=torch.uint8)
        self.dist.broadcast(buf, 0, group=self.group)
        return from_json(bytes(buf.tolist()).decode("utf-8"))

    def gather(self, value):
        """Every rank's float `value`, in rank order (a collective)."""
        out = [torch.zeros(1, dtype=torch.float64) for _ in range(self.world)]
        self.dist.all_gather(out, torch.tensor([float(value)], dtype=torch.float64), group=self.group)
        return [float(t[0]) for t in out]
