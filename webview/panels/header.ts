/** Run header: name, state badge, epoch/iteration/cost, backend; errors banner and flags list. */
import type { Flag, RunState } from '../../src/shared/protocol';
import type { RunView } from '../../src/shared/run-view';
import { formatNumber, lastCost, lastSmoothedCost } from '../../src/shared/series';
import { costReadout, costTooltip } from '../../src/shared/readout';
import { h, renderIfChanged, setText } from '../dom';
import { icon } from '../icons';

const STATE_LABEL: Record<RunState, string> = {
  starting: 'Starting', running: 'Running', paused: 'Paused', finished: 'Finished', stopped: 'Stopped',
  crashed: 'Crashed', diverged: 'Diverged',
};

export class Header {
  readonly root: HTMLElement;
  private readonly name = h('h1', { id: 'run-name', cls: 'run-name' });
  private readonly state = h('span', { id: 'state', cls: 'state-badge', attrs: { role: 'status' } });
  private readonly epoch = h('span', { id: 'epoch', cls: 'num' });
  private readonly epochs = h('span', { id: 'epochs', cls: 'num muted' });
  private readonly iteration = h('span', { id: 'iteration', cls: 'num' });
  private readonly cost = h('span', { id: 'cost', cls: 'num' });
  private readonly lr = h('span', { id: 'lr', cls: 'num' });
  private readonly meta = h('div', { id: 'run-meta', cls: 'run-meta' });
  private readonly reason = h('div', { id: 'state-reason', cls: 'state-reason' });

  constructor(private readonly compact: boolean) {
    const stat = (label: string, ...value: HTMLElement[]): HTMLElement =>
      h('div', { cls: 'stat' }, h('span', { cls: 'stat-label', text: label }), h('span', { cls: 'stat-value' }, ...value));
    const stats = compact
      ? h('div', { cls: 'stats' }, stat('Epoch', this.epoch, this.epochs), stat('Cost', this.cost))
      : h('div', { cls: 'stats' }, stat('Epoch', this.epoch, this.epochs), stat('Iteration', this.iteration),
        stat('Cost', this.cost), stat('Learning rate', this.lr));
    this.root = h('header', { cls: compact ? 'run-header compact' : 'run-header' },
      h('div', { cls: 'title-row' }, this.name, this.state),
      compact ? null : this.meta,
      stats,
      this.reason);
  }

  /** `beta`: the cost chart's smoothing; the header shows the smoothed cost (the raw one in its tooltip). */
  update(view: RunView, beta = 0): void {
    setText(this.name, view.info?.name ?? (view.runId || 'Run'));
    this.name.title = view.runDir;
    setText(this.state, STATE_LABEL[view.state] ?? view.state);
    this.state.dataset.state = view.state;
    setText(this.epoch, String(view.epoch));
    const total = view.info?.config?.training?.epochs;
    setText(this.epochs, typeof total === 'number' ? ` / ${total}` : '');
    setText(this.iteration, String(view.iteration));
    const last = lastCost(view);
    const smoothed = beta > 0 ? lastSmoothedCost(view, beta) : last;
    const shown = costReadout(smoothed);
    setText(this.cost, shown.text);
    this.cost.title = beta > 0
      ? `${costTooltip(`Smoothed cost (EWA β ${beta})`, shown)}\n${costTooltip('Last cost', costReadout(last))}`
      : costTooltip('Last cost', shown);
    setText(this.lr, formatNumber(view.learningRate, 3));
    const showReason = view.stateReason && view.state !== 'running';
    setText(this.reason, showReason ? view.stateReason ?? '' : '');
    this.reason.hidden = !showReason;
    if (!this.compact && view.info) {
      const i = view.info;
      const t = i.config?.training;
      const grads = view.summary?.gradients;
      renderIfChanged(this.meta, `${i.runId}|${i.backend}|${i.threads}|${grads ? grads.steps : ''}`, () => [
        chip(`${i.task}${i.classes.length > 2 ? ` · ${i.classes.length} classes` : ''}`),
        t && t.lrDecay.type !== 'none' ? chip(`schedule ${t.lrDecay.type}`, 'schedule') : null,
        t && t.clipNorm > 0 ? chip(`clip ‖g‖ ≤ ${formatNumber(t.clipNorm, 3)}${grads
          ? ` · ${(grads.clippedFraction * 100).toFixed(1)} % of steps clipped · p90 ‖g‖ ${formatNumber(grads.p90, 3)}` : ''}`, 'clipping') : null,
        chip(`${i.counts.train}/${i.counts.dev}/${i.counts.test} train/dev/test`, undefined,
          i.rows ? `train: ${i.rows.train}\ndev: ${i.rows.dev}\ntest: ${i.rows.test}` : undefined),
        chip(`${[i.features, ...i.layers.map((l) => l.units)].join('→')} · ${i.parameters.toLocaleString('en-US')} params`),
        chip(`${i.backend}${i.threads > 1 ? ` ×${i.threads}` : ''} · ${i.dtype}`, 'backend'),
        i.mode === 'overfitBatch' ? chip('overfit one batch') : null,
      ]);
    }
  }
}

function chip(text: string, id?: string, title?: string): HTMLElement {
  return h('span', { cls: 'chip', text, id, title });
}

/** Engine errors (and a crashed/diverged state) shown prominently at the top. */
export class ErrorBanner {
  readonly root = h('div', { id: 'errors', cls: 'error-banner', attrs: { role: 'alert' } });

  update(view: RunView): void {
    const bad = view.state === 'crashed' || view.state === 'diverged';
    const items = view.errors.map((e) => ({ text: e.message, fatal: e.fatal }));
    if (bad && view.stateReason && !items.some((e) => e.text === view.stateReason)) {
      items.unshift({ text: `${view.state === 'crashed' ? 'Crashed' : 'Diverged'}: ${view.stateReason}`, fatal: true });
    }
    this.root.hidden = items.length === 0;
    renderIfChanged(this.root, JSON.stringify(items), () => items.slice(-5).map((e) =>
      h('div', { cls: e.fatal ? 'error-item fatal' : 'error-item' }, icon('error', 'icon sev-error'), h('span', { text: e.text }))));
  }
}

const FLAG_LABEL: Record<Flag['kind'], string> = {
  vanishing: 'Vanishing gradients', exploding: 'Exploding gradients', converged: 'Converged', nonFinite: 'NaN / Inf',
  initialCost: 'Initial cost', distributionMismatch: 'Dev/test mismatch', earlyStop: 'Early stopping', clipping: 'Gradient clipping',
};

/** "iteration 40", or for an episode "iterations 40–900 · 87 samples · ongoing". */
function where(f: Flag, live: boolean): string {
  const e = f.episode;
  if (!e) return `iteration ${f.iteration}`;
  const span = e.lastIteration > e.firstIteration ? `iterations ${e.firstIteration}–${e.lastIteration}` : `iteration ${e.firstIteration}`;
  const state = e.state === 'closed' ? 'cleared' : live ? 'ongoing' : 'held to the end';
  return `${span} · ${e.count} ${e.count === 1 ? 'sample' : 'samples'} · ${state}`;
}

/** Diagnostic flags (one entry per episode), newest first, with severity icons. */
export class FlagList {
  readonly root = h('div', { id: 'flags', cls: 'flags' });
  constructor(readonly countBadge: HTMLElement | null = null) {}

  update(view: RunView): void {
    const flags = view.flags;
    if (this.countBadge) setText(this.countBadge, String(flags.length));
    // An episode's close replaces its open entry in place: the key must see that, not just the length.
    const episodes = flags.map((f) => (f.episode ? `${f.episode.state}${f.episode.count}` : '')).join(',');
    const live = view.summary === null;
    renderIfChanged(this.root, `${view.runId}|${flags.length}|${episodes}|${live}`, () => {
      if (!flags.length) return [h('p', { cls: 'empty', text: 'No flags: gradients, costs and data look healthy so far.' })];
      const list = h('ul', { cls: 'flag-list' });
      const shown = flags.slice(-50).reverse();
      for (const f of shown) {
        list.append(h('li', { cls: `flag sev-${f.severity}`, attrs: { 'data-kind': f.kind, 'data-episode': f.episode?.state ?? '' } },
          icon(f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'info', `icon sev-${f.severity}`),
          h('div', { cls: 'flag-body' },
            h('div', { cls: 'flag-title' },
              h('strong', { text: FLAG_LABEL[f.kind] ?? f.kind }),
              h('span', { cls: 'muted', text: ` · ${where(f, live)}${f.layer ? ` · ${f.layer}` : ''}${f.tensor ? ` ${f.tensor}` : ''}` })),
            h('div', { cls: 'flag-message', text: f.message }))));
      }
      const more = flags.length - shown.length;
      return [list, more > 0 ? h('p', { cls: 'muted', text: `… and ${more} earlier` }) : null];
    });
  }
}
