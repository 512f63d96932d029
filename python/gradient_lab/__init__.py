"""Gradient Lab for your own PyTorch training loop: two lines make it one of the extension's
runs (live per-layer gradients, pause/step/LR control, run folder).

    import gradient_lab as gl
    run = gl.attach(model, optimizer, every=10)
    ...  loss.backward(); run.step(loss); optimizer.step()
"""
from .run import Run, StopTraining

__all__ = ["attach", "Run", "StopTraining"]


def attach(model, optimizer, every=10, scheduler=None, name=None, runs_dir=None, sync_every=10, rank_grad_norms=False,
           **info):
    """A Run for this model and optimizer. `info` may give task ('binary' | 'multiclass' |
    'regression'), classes, features, counts ({train, dev, test}), iterations_per_epoch, epochs
    for the run's header. Runs go to $GRADIENT_LAB_RUNS_DIR (set by the
    extension), else ./.gradient-lab/runs.

    Under torch.distributed (DDP with torchrun; call attach on every rank, after
    init_process_group), rank 0 reports and every `sync_every` steps broadcasts the extension's
    commands, which every rank applies at that step. `rank_grad_norms=True` (DDP): each rank's own
    gradient norm on sampled steps, from gradient hooks (before DDP's all-reduce), and a
    flag naming the rank whose batch made a NaN/Inf gradient."""
    return Run(model, optimizer, every=every, scheduler=scheduler, name=name, runs_dir=runs_dir, sync_every=sync_every,
               rank_grad_norms=rank_grad_norms, **info)
