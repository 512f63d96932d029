/**
 * The learning-rate range test from the initial weights (see ../lr-finder), and where the file's
 * learning rate sits on its curve: past the lowest smoothed loss it is too high, at the point the
 * sweep blew up it diverges; a suggestion far above it is offered as a one-click fix.
 */
import { roundedRate, type LrFindResult } from '../../../shared/diagnosis';
import { findLearningRate } from '../../train/find-learning-rate';
import type { Check, CheckContext, CheckOutcome } from './context';
import { fmt } from './context';

/** A file learning rate more than this factor below the suggestion is a warning ("training crawls"). */
export const TOO_LOW_FACTOR = 1000;

export function lrRange(ctx: CheckContext): LrFindResult {
  return ctx.memo('lrFind', () => findLearningRate(ctx.setup, ctx.lrFind, { iteration: 0, currentLr: ctx.setup.config.training.optimizer.learningRate }));
}

export const lrRangeCheck: Check = {
  id: 'lrRange',
  title: 'Learning-rate range test',
  run(ctx): CheckOutcome {
    const r = lrRange(ctx);
    const lr = r.currentLr;
    const threshold = `pass when the file's rate is below the lowest point of the smoothed curve and within ×${TOO_LOW_FACTOR} of the suggestion; a sweep that never descends fails`;
    const sweep = `sweep ${fmt(r.options.start)} → ${fmt(r.lrs[r.lrs.length - 1] ?? r.options.end)} in ${r.lrs.length} iterations${r.stop === 'end' ? '' : ` (stopped: ${r.stop === 'diverged' ? `smoothed loss > ${r.options.divergeFactor}× its best` : 'non-finite loss'})`}`;
    const values = { suggestion: r.suggestion?.lr ?? null, minimum: r.minimum?.lr ?? null, current: lr, steps: r.lrs.length };
    if (!r.suggestion || r.suggestion.rule !== 'steepest') {
      // From the initial weights a flat curve is no "already converged": nothing learns at any rate.
      return { status: 'fail', threshold, values, measured: `${sweep}: no descent — ${r.note}`,
        remedy: 'The loss does not go down at any learning rate: the model or the data pipeline cannot learn (see the other checks), or the range is wrong for this optimizer.' };
    }
    const s = roundedRate(r.suggestion.lr);
    const fix = { label: `Use learning rate ${fmt(s)}`, edits: [{ pointer: '/training/optimizer/learningRate', value: s }] };
    const measured = `${sweep}; suggested ${fmt(r.suggestion.lr)} (steepest descent), lowest loss at ${fmt(r.minimum?.lr ?? NaN)}; the file uses ${fmt(lr)}`;
    const blewUp = r.stop !== 'end' ? r.lrs[r.lrs.length - 1] : Infinity;
    if (lr >= blewUp) {
      return { status: 'fail', threshold, values, fix, measured, remedy: `At ${fmt(lr)} the sweep's loss already blew up: training will diverge. Use the suggestion.` };
    }
    if (r.minimum && lr > r.minimum.lr) {
      return { status: 'warn', threshold, values, fix, measured, remedy: `Too high: past the lowest point of the curve (${fmt(r.minimum.lr)}) the loss rises again. Use the suggestion, a little lower than where the loss is lowest.` };
    }
    if (lr * TOO_LOW_FACTOR < r.suggestion.lr) {
      return { status: 'warn', threshold, values, fix, measured, remedy: `Too low: ${fmt(r.suggestion.lr / lr)}× below the suggestion, training crawls. Use the suggestion.` };
    }
    const ratio = r.suggestion.lr / lr;
    const remedy = ratio >= 3 ? `The file's rate is ${fmt(ratio)}× below the suggestion: fine for a long run; the suggestion learns faster.`
      : ratio <= 1 / 3 ? `The file's rate is ${fmt(1 / ratio)}× above the suggestion but below the lowest point: watch the first epochs.` : '';
    return { status: 'pass', threshold, values, fix: ratio >= 3 || ratio <= 1 / 3 ? fix : undefined, measured, remedy };
  },
};
