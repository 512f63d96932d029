/**
 * Unit health at initialisation and after a few iterations: ReLU units that output 0 for every
 * example ("dead": no gradient flows through them), tanh/sigmoid units in their flat region
 * ("saturated": gradient < 1 %), and layers whose units are all identical (zero initialisation
 * never breaks the symmetry, so the layer is one unit repeated).
 */
import type { LayerStat } from '../../../shared/protocol';
import type { Check, CheckOutcome } from './context';
import { pct } from './context';
import { FEW_STEPS, fewSteps } from './few-steps';
import type { Probe } from '../probe';

/** A layer with at least this fraction of dead (or saturated) units is a warning (CS231n: "as much as 40 % of your network can be dead") … */
export const UNHEALTHY = 0.4;
/** … and with every unit dead (or this fraction saturated), a failure. */
export const SATURATED_FAIL = 0.9;

export const deadUnitsCheck: Check = {
  id: 'deadUnits',
  title: 'Dead, saturated and identical units',
  run(ctx): CheckOutcome {
    const { atInit, after, probe } = fewSteps(ctx);
    const hidden = ctx.setup.config.model.hidden;
    const rows = Math.min(512, ctx.setup.data.train.count);
    const threshold = `over ${rows} training examples, at initialisation and after ${FEW_STEPS} iterations: dead ReLUs or saturated units < ${pct(UNHEALTHY)} per layer pass; a layer entirely dead, ≥ ${pct(SATURATED_FAIL)} saturated, or of identical units fails`;
    const values: Record<string, number> = {};
    const parts: string[] = [];
    const problems: { layer: string; what: string; severe: boolean }[] = [];
    hidden.forEach((h, i) => {
      const layer = atInit[i].layer;
      const kind = h.activation === 'relu' ? 'dead' : h.activation === 'tanh' || h.activation === 'sigmoid' ? 'saturated' : null;
      if (kind) {
        const at = (s: LayerStat): number => (kind === 'dead' ? s.deadRelu : s.saturated);
        const before = at(atInit[i]);
        const later = at(after[i]);
        values[`${layer} ${kind} at init`] = before;
        values[`${layer} ${kind} after`] = later;
        parts.push(`${layer} (${h.activation}) ${kind} ${pct(before)} → ${pct(later)}`);
        const worst = Math.max(before, later);
        if (worst >= UNHEALTHY) {
          problems.push({ layer, what: `${pct(worst)} ${kind}`, severe: kind === 'dead' ? worst >= 1 : worst >= SATURATED_FAIL });
        }
      }
      if (h.units > 1 && identicalUnits(probe, i)) {
        parts.push(`${layer}: all ${h.units} units identical`);
        values[`${layer} identical`] = 1;
        problems.push({ layer, what: `all ${h.units} units identical`, severe: true });
      }
    });
    if (hidden.length === 0) return { status: 'skip', measured: 'no hidden layers', threshold, values, remedy: '' };
    const measured = parts.length ? parts.join('; ') : 'no ReLU, tanh or sigmoid layers';
    if (!problems.length) return { status: 'pass', measured, threshold, values, remedy: '' };
    const severe = problems.some((p) => p.severe);
    const list = problems.map((p) => `${p.layer}: ${p.what}`).join('; ');
    const init = ctx.setup.config.model.init;
    const advice = problems.some((p) => p.what.includes('identical'))
      ? `Units that start identical stay identical (init "${init}" does not break the symmetry): use "he" (ReLU) or "xavier" (tanh).`
      : problems.some((p) => p.what.includes('dead'))
        ? 'Dead ReLUs pass no gradient: use "he" initialisation, a lower learning rate (dying after a few steps), leakyRelu, or batch norm.'
        : 'Saturated units pass almost no gradient: smaller initial weights ("xavier" for tanh), normalised inputs, or batch norm.';
    return { status: severe ? 'fail' : 'warn', measured, threshold, values, remedy: `${list}. ${advice}` };
  },
};

/** True when every unit (column of W, and its bias) of hidden layer `index` equals the first one. */
function identicalUnits(probe: Probe, index: number): boolean {
  const dense = probe.net.blocks[index].dense;
  const w = dense.weights.value;
  const [rows, cols] = dense.weights.shape;
  const b = dense.bias?.value;
  for (let c = 1; c < cols; c++) {
    if (b && b[c] !== b[0]) return false;
    for (let r = 0; r < rows; r++) if (w[r * cols + c] !== w[r * cols]) return false;
  }
  return true;
}
