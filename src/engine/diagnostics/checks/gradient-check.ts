/** Backprop against two-sided differences in float64 on the initial weights (the engine's own gradient check). */
import type { GradBand } from '../../../shared/protocol';
import { checkGradients } from '../../train/check-gradients';
import type { Check, CheckOutcome } from './context';
import { fmt } from './context';

const STATUS: Partial<Record<GradBand, CheckOutcome['status']>> = { correct: 'pass', lookCloser: 'pass', suspicious: 'warn', bug: 'fail', inconclusive: 'warn' };
const RANK: Record<CheckOutcome['status'], number> = { skip: 0, pass: 1, warn: 2, fail: 3 };

export const gradientCheckCheck: Check = {
  id: 'gradientCheck',
  title: 'Gradient check',
  run({ setup }): CheckOutcome {
    const report = checkGradients(setup, 'diagnose', 0);
    // Bands the check may grow (an "inconclusive" verdict, say) count as a warning, never as a pass.
    const statusOf = (band: GradBand): CheckOutcome['status'] => STATUS[band] ?? 'warn';
    // Inconclusive tensors (rounding level, or every entry on a kink) say nothing either way: judge by
    // the others, and warn only when no tensor is conclusive.
    const conclusive = report.tensors.filter((t) => t.band !== 'inconclusive');
    const judged = conclusive.length > 0 ? conclusive : report.tensors;
    const worst = judged.reduce((w, t) => (RANK[statusOf(t.band)] > RANK[statusOf(w.band)]
      || (statusOf(t.band) === statusOf(w.band) && t.difference > w.difference) ? t : w), judged[0]);
    const status = worst ? statusOf(worst.band) : 'skip';
    const values = { difference: report.difference, worst: worst?.difference ?? null, tensors: report.tensors.length, epsilon: report.epsilon, kinks: report.kinks ?? 0 };
    const measured = worst
      ? `largest relative difference ${fmt(worst.difference)} (${worst.layer} ${worst.tensor}, ${worst.band}); overall ${fmt(report.difference)} over ${report.tensors.length} tensors, float64, ε = ${report.epsilon}, batch of ${report.batchSize}`
      : 'the network has no parameters';
    const threshold = 'per tensor ‖g − g̃‖/(‖g‖ + ‖g̃‖) over entries off ReLU/L1 kinks: < 1e-5 pass, < 1e-3 warn (suspicious), ≥ 1e-3 fail (a bug); at rounding level: warn (inconclusive)';
    const notes = report.notes.length ? ` Notes: ${report.notes.join(' ')}` : '';
    const remedy = status === 'fail'
      ? `Backprop disagrees with the numerical gradient in ${worst.layer} ${worst.tensor}: a derivative is wrong there (open the gradient check report for the worst entries).${notes}`
      : worst?.band === 'inconclusive' ? `${worst.layer} ${worst.tensor} is inconclusive: ${worst.reason ?? ''}${notes}`
      : status === 'warn' ? `A difference in ${worst.layer} ${worst.tensor} is larger than rounding explains: look at its worst entries.${notes}` : '';
    return { status, measured, threshold, values, remedy };
  },
};
