/** The β slider (TensorBoard-style smoothing) and the log-scale toggle for cost charts. */
import { ce, h, setText } from '../dom';
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
  const box = ce('vscode-checkbox', { id: 'log-scale', text: 'log', title: 'Logarithmic cost axis' });
  if (log) box.setAttribute('checked', '');
  const checked = (): boolean => (box as HTMLElement & { checked?: boolean }).checked ?? box.hasAttribute('checked');
  box.addEventListener('change', () => onLog(checked()));
  return {
    root: h('div', { cls: 'smoothing' },
      h('label', { cls: 'beta-label', attrs: { for: 'beta' }, title: 'Debiased exponential moving average, as TensorBoard' }, 'smoothing β'),
      slider, value, box),
    setBeta(b: number) {
      slider.value = String(b);
      setText(value, betaLabel(b));
    },
    setLog(l: boolean) {
      (box as HTMLElement & { checked?: boolean }).checked = l;
      if (l) box.setAttribute('checked', '');
      else box.removeAttribute('checked');
    },
  };
}
