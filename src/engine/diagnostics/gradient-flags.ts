import type { Flag, LayerStat } from '../../shared/protocol';
import { FlagEpisodes, type Observation } from './episodes';

/**
 * Thresholds of the gradient flags. Vanishing (SPEC §2): the first layer gets < 1e-3 of the last
 * layer's ‖dW‖, or a layer's ‖dW‖ falls below 1e-3 of its early value (or to 0) while the cost is
 * still above half of its early value (but not above twice it: that is divergence). Gradients that shrink *with* the cost are convergence, said
 * once. Exploding: the ratio > 1e3, or a layer's ‖dW‖ growing ×10 within the last 10 samples to
 * over ×100 its early value, in a network whose gradients are not vanishing (growth back from a converged ~0, or an optimiser's spike late in a
 * run, is not an explosion).
 */
export const GRADIENT_THRESHOLDS = {
  ratioVanishing: 1e-3,
  ratioExploding: 1e3,
  stalled: 1e-3,
  costStillHigh: 0.5,
  costDiverging: 2,
  growth: 10,
  growthOverEarly: 100,
  convergedCost: 1e-2,
  convergedGradient: 1e-2,
} as const;

/** Samples that make a layer's "early value" (their median), and the window growth is judged over. */
const EARLY = 3;
const WINDOW = 10;

/**
 * Vanishing, exploding and converged flags from the per-layer samples and the cost at each sample,
 * judged against the run's own history, and sent as episodes (./episodes).
 */
export class GradientFlags {
  private readonly episodes = new FlagEpisodes();
  private readonly early: number[][] = [];
  private readonly earlyCosts: number[] = [];
  private readonly window: number[][] = [];
  private readonly costs: number[] = [];
  private convergedStreak = 0;
  private convergedSaid = false;

  observe(stats: readonly LayerStat[], iteration: number, cost: number): Flag[] {
    const t = GRADIENT_THRESHOLDS;
    const norms = stats.map((s) => s.gradNorm);
    if (this.early.length < EARLY) {
      this.early.push(norms);
      this.earlyCosts.push(cost);
    }
    this.window.push(norms);
    if (this.window.length > WINDOW) this.window.shift();
    this.costs.push(cost);
    if (this.costs.length > EARLY) this.costs.shift();

    // The cost now and at the start, as medians of three samples (one mini-batch is noisy).
    const j0 = median(this.earlyCosts);
    const j = median(this.costs);
    const costFraction = j0 > 0 ? j / j0 : j > 0 ? 1 : 0;
    const costHigh = costFraction > t.costStillHigh;
    // A cost far above where it started is divergence: layers gone flat then are its symptom (saturated
    // by huge weights), and calling them "vanishing" would blame the wrong thing.
    const diverging = costFraction > t.costDiverging;
    const base = norms.map((_, i) => median(this.early.map((h) => h[i])));
    const shrink = norms.map((g, i) => (base[i] > 0 ? g / base[i] : g > 0 ? 1 : 0));
    const converged = costFraction < t.convergedCost && shrink.every((s) => s < t.convergedGradient);
    const out: Flag[] = [];
    this.convergedStreak = converged ? this.convergedStreak + 1 : 0;
    if (this.convergedStreak >= 3 && !this.convergedSaid) {
      this.convergedSaid = true;
      const largest = Math.max(...shrink);
      out.push({ kind: 'converged', severity: 'info', iteration,
        message: `Converged: the cost fell to ${sci(j)} (${sci(costFraction)}× its early ${sci(j0)}) and every layer's ‖dW‖ shrank with it `
          + `(at most ${sci(largest)}× its early value; thresholds: cost < ${t.convergedCost}× and ‖dW‖ < ${t.convergedGradient}× early). `
          + 'Tiny gradients here are success, not vanishing: nothing to fix (early stopping would save the remaining epochs).' });
    }

    const obs: Observation[] = [];
    const costText = (): string => `the cost is still ${sci(j)} (${pct(costFraction)} of its early ${sci(j0)})`;
    const first = stats[0];
    const last = stats[stats.length - 1];
    // The ratio means something only while the last layer still learns (at convergence both are rounding).
    const lastAlive = stats.length > 1 && last.gradNorm > 0 && shrink[shrink.length - 1] >= t.stalled;
    const ratio = lastAlive ? first.gradNorm / last.gradNorm : 1;
    const ratioVanishing = !converged && !diverging && lastAlive && ratio < t.ratioVanishing;
    if (stats.length > 1) {
      obs.push({ key: 'ratio-vanishing', kind: 'vanishing', severity: 'warning', hit: ratioVanishing,
        value: ratio, higherIsWorse: false,
        message: () => `‖dW‖ of ${first.layer} is ${sci(ratio)}× that of ${last.layer} (threshold ${t.ratioVanishing}): gradients vanish on the way back. `
          + 'Use He/Xavier initialisation, ReLU instead of sigmoid/tanh in deep nets, or batch norm.' });
      obs.push({ key: 'ratio-exploding', kind: 'exploding', severity: 'warning', hit: !converged && lastAlive && ratio > t.ratioExploding && Number.isFinite(ratio),
        value: ratio, higherIsWorse: true,
        message: () => `‖dW‖ of ${first.layer} is ${sci(ratio)}× that of ${last.layer} (threshold ${t.ratioExploding}): gradients explode on the way back. `
          + 'Lower the learning rate, use He/Xavier initialisation, or clip the gradient norm.' });
    }
    stats.forEach((s, i) => {
      const zero = s.gradNorm === 0;
      const stalled = !converged && !diverging && costHigh && (zero || (this.early.length >= EARLY && shrink[i] < t.stalled));
      obs.push({ key: `stalled-${s.layer}`, kind: 'vanishing', severity: 'warning', layer: s.layer, hit: stalled,
        value: shrink[i], higherIsWorse: false,
        message: () => zero
          ? `‖dW‖ of ${s.layer} is exactly 0 while ${costText()}: this layer does not learn (threshold: ‖dW‖ < ${t.stalled}× its early value while the cost is above ${pct(t.costStillHigh)} of its start). `
            + 'Look for dead ReLUs, saturated units or a zero initialisation.'
          : `‖dW‖ of ${s.layer} fell to ${sci(s.gradNorm)}, ${sci(shrink[i])}× its early ${sci(base[i])}, while ${costText()} (threshold: < ${t.stalled}× early while the cost is above ${pct(t.costStillHigh)} of its start): `
            + 'the layer has stopped learning before the model has. Look for saturated or dead units; try a larger learning rate or batch norm.' });
      // Growth: medians of the window's first and last three samples, so one noisy mini-batch does not raise it.
      // Not for the layers the ratio says vanish: tiny gradients creeping up are not an explosion.
      const w = this.window.map((h) => h[i]);
      const before = median(w.slice(0, 3));
      const late = median(w.slice(-3));
      const growth = before > 0 ? late / before : 1;
      obs.push({ key: `growth-${s.layer}`, kind: 'exploding', severity: 'warning', layer: s.layer,
        hit: !stalled && !converged && !(ratioVanishing && i < stats.length - 1) && w.length >= 6 && growth > t.growth && late > t.growthOverEarly * base[i],
        value: growth, higherIsWorse: true,
        message: () => `‖dW‖ of ${s.layer} grew ×${growth.toPrecision(3)} over the last ${w.length} samples, to ${sci(late)} (${sci(late / (base[i] || 1))}× its early value; `
          + `thresholds ×${t.growth} within the window and ×${t.growthOverEarly} its early value): gradients are exploding. Lower the learning rate or clip the gradient norm.` });
    });
    out.push(...this.episodes.observe(obs, iteration));
    return out;
  }

  /** Open episodes with their final counts, to send when the run ends. */
  finish(): Flag[] {
    return this.episodes.finish();
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function sci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(1) : String(x);
}

function pct(x: number): string {
  return `${(100 * x).toPrecision(2)} %`;
}
