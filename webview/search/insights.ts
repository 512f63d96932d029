/**
 * The search view's analysis cards: "What to do next" (advice after each round), parallel
 * coordinates with brushing, parameter importance bars (PED-ANOVA) and the curves of every
 * trial. The brush filters the table, the scatters and the curves (`filtered`); its state goes to
 * `onState` so that the view keeps it in the webview state.
 */
import type { SearchView } from '../../src/shared/search-view';
import { button, h, renderIfChanged, setEnabled, setText } from '../dom';
import { icon } from '../icons';
import type { Theme } from '../theme';
import { card, chartBox, pngButton } from '../views/card';
import { TrialCurvesChart } from './curves';
import { adviceItems, importanceModel, resultsKey } from './insight-model';
import { ParallelCoordinates } from './parallel';
import { emptyParallelState, type ParallelState } from './parallel-model';

export class SearchInsights {
  readonly adviceCard: HTMLElement;
  readonly parallelCard: HTMLElement;
  readonly importanceCard: HTMLElement;
  readonly curvesCard: HTMLElement;
  private readonly parallel: ParallelCoordinates;
  private readonly curves: TrialCurvesChart;
  private readonly adviceBody = h('div', { id: 'advice', cls: 'advice' });
  private readonly importanceBody = h('div', { id: 'importance', cls: 'importance' });
  private readonly brushCount = h('span', { id: 'brush-count', cls: 'card-subtitle' });
  private readonly clearBtn = button('secondary', { id: 'btn-clear-brush', title: 'Clear every brush: show all trials' }, icon('kill'), h('span', { text: 'Clear brush' }));
  private readonly curvesCount = h('span', { id: 'curves-count', cls: 'card-subtitle' });
  private dir = '';

  constructor(theme: Theme, private restored: ParallelState | null, onState: (state: ParallelState) => void, savePng: (chart: string, dataUrl: string) => void) {
    this.parallel = new ParallelCoordinates(theme, restored ?? emptyParallelState(''), onState);
    this.clearBtn.addEventListener('click', () => {
      if (!this.clearBtn.disabled) this.parallel.setState({ ...this.parallel.current, brushes: {} });
    });
    this.parallelCard = card({
      id: 'parallel', title: 'Parallel coordinates', cls: 'span-all',
      subtitle: 'drag along an axis to filter the trials; drag an axis name to move it',
      tools: [this.brushCount, this.clearBtn], body: [this.parallel.root],
    });
    const box = chartBox('trial-curves', 'Metric per epoch of every trial', 'chart-box curves-box');
    this.curves = new TrialCurvesChart(box.canvas, theme);
    this.curvesCard = card({
      id: 'curves', title: 'Curves of every trial', tools: [this.curvesCount, pngButton('trial-curves', 'trial curves', () => this.curves.toPng(), savePng)], body: [box.box],
    });
    this.importanceCard = card({ id: 'importance', title: 'Parameter importance', subtitle: 'PED-ANOVA', body: [this.importanceBody] });
    this.adviceCard = card({ id: 'advice', title: 'What to do next', cls: 'span-all', body: [this.adviceBody] });
  }

  /** The trials the brush keeps, or null when nothing is brushed. */
  get filter(): Set<number> | null {
    return this.parallel.filter;
  }

  /** The view with only the trials the brush keeps (the same object when nothing is brushed). */
  filtered(view: SearchView): SearchView {
    const keep = this.parallel.filter;
    return keep ? { ...view, trials: view.trials.filter((t) => keep.has(t.id)) } : view;
  }

  get points(): number {
    return this.curves.points;
  }

  /** The brush/order state, as kept in the webview state. */
  get state(): ParallelState {
    return this.parallel.current;
  }

  setTheme(theme: Theme): void {
    this.parallel.setTheme(theme);
    this.curves.setTheme(theme);
  }

  render(view: SearchView, force = false): void {
    if (view.dir !== this.dir) {
      // Another search: its own brushes (the restored ones if they were this search's).
      this.dir = view.dir;
      const restored = this.restored?.dir === view.dir ? this.restored : emptyParallelState(view.dir);
      this.restored = null;
      this.parallel.setState(restored);
    }
    this.parallel.render(view, force);
    const keep = this.parallel.filter;
    const brushes = Object.keys(this.parallel.current.brushes).length;
    setText(this.brushCount, keep ? `${keep.size} of ${view.trials.length} trials · ${brushes} brush${brushes === 1 ? '' : 'es'}` : `${view.trials.length} trials`);
    setEnabled(this.clearBtn, brushes > 0);
    this.curves.update(view, keep);
    setText(this.curvesCount, `${this.curves.drawn.length} curve${this.curves.drawn.length === 1 ? '' : 's'}`);
    const key = resultsKey(view);
    renderIfChanged(this.importanceBody, key, () => {
      const m = importanceModel(view);
      return [
        m.rows.length ? h('ol', { cls: 'importance-bars' }, ...m.rows.map((r) => {
          const fill = h('span', { cls: 'importance-fill' });
          fill.style.setProperty('width', `${(r.share * 100).toFixed(1)}%`);
          return h('li', { attrs: { 'data-path': r.path }, title: r.path },
            h('span', { cls: 'importance-label', text: r.label }),
            h('span', { cls: 'importance-bar', attrs: { 'aria-hidden': 'true' } }, fill),
            h('span', { cls: 'importance-pct num', text: r.text }));
        })) : null,
        h('p', { cls: 'muted importance-note', text: m.note }),
      ];
    });
    renderIfChanged(this.adviceBody, `${key}|${view.trialsPerRound}`, () => {
      const items = adviceItems(view);
      if (!items.length) return [h('p', { cls: 'empty', text: 'Advice appears once trials have finished.' })];
      return [h('ul', { cls: 'advice-list' }, ...items.map((a) => h('li', { attrs: { 'data-kind': a.kind, 'data-severity': a.severity } },
        icon(a.severity === 'warning' ? 'warning' : 'info', `icon ${a.severity === 'warning' ? 'sev-warning' : 'sev-info'}`),
        h('span', { text: a.message }))))];
    });
  }

  destroy(): void {
    this.curves.destroy();
  }
}
