/** The β slider (TensorBoard-style smoothing) and the log-scale toggle for cost charts. */
import { h, setText } from '../dom';
import { betaLabel } from '../charts/cost';

export interface SmoothingControls {
  root: HTMLElement;
  setBeta(beta: number): void;
  setLog(log: boolean): void;
}

export function smoothingControls(beta: number, log: boolean, onBeta: (b: number, done: boolean) => void,
  onLog: (l: boolean) => void): SmoothingControls {
  const slider = h('input', { id: 'beta', cls: 'gl-range', attrs: {
    type: 'range', min: 0, max: 0.999, step: 0.001, value: beta, 'aria-label': 'Smoothing β',
  } });
  const value = h('span', { id: 'beta-value', cls: 'num beta-value', text: betaLabel(beta) });
  slider.addEventListener('input', () => {
    const b = Number(slider.value);
    setText(value, betaLabel(b));
    onBeta(b, false);
  });
  slider.addEventListener('change', () => onBeta(Number(slider.value), true));
  const box = h('input', { id: 'log-scale', cls: 'gl-checkbox', attrs: { type: 'checkbox' } });
  box.checked = log;
  box.addEventListener('change', () => onLog(box.checked));
  const logLabel = h('label', { cls: 'check-label', title: 'Logarithmic cost axis' }, box, h('span', { text: 'log scale' }));
  return {
    root: h('div', { cls: 'smoothing' },
      h('label', { cls: 'beta-label', attrs: { for: 'beta' }, title: 'Debiased exponential moving average, as TensorBoard' }, 'smoothing β'),
      slider, value, logLabel),
    setBeta(b: number) {
      slider.value = String(b);
      setText(value, betaLabel(b));
    },
    setLog(l: boolean) {
      box.checked = l;
    },
  };
}
