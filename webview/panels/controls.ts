/** Run controls: pause/resume (one shown at a time), step, stop, learning rate (and its range test), gradient check, test. */
import type { RunState } from '../../src/shared/protocol';
import type { RunView } from '../../src/shared/run-view';
import { formatNumber } from '../../src/shared/series';
import type { ControlCommand } from '../../src/shared/webview-protocol';
import { button as makeButton, h, setEnabled, setText } from '../dom';
import type { ButtonLook } from '../dom';
import { icon } from '../icons';
import type { IconName } from '../icons';
import { post } from '../vscode';
import { parseLearningRate } from '../format';
import { DASHBOARD_KEYS, withKey } from '../../src/shared/keybindings';

const LIVE: readonly RunState[] = ['starting', 'running', 'paused'];

function button(id: string, label: string, iconName: IconName | null, title: string, look: ButtonLook = 'secondary'): HTMLElement {
  return makeButton(look, { id, title, attrs: { 'aria-label': label ? undefined : title } },
    iconName ? icon(iconName) : null, label ? h('span', { text: label }) : null);
}

/**
 * Runs `fn` on a click of an enabled button, and stamps the click on the page
 * (`data-control-clicked-at`, when the browser took the input, not when this handler got to run) so
 * that click → shown can be measured against `data-state-shown-at` (webview/main.ts).
 */
function onActivate(el: HTMLElement, fn: () => void): void {
  el.addEventListener('click', (event) => {
    if (el.hasAttribute('disabled')) return;
    document.body.dataset.controlClicked = el.id;
    document.body.dataset.controlClickedAt = (performance.timeOrigin + event.timeStamp).toFixed(1);
    fn();
  });
}

export class Controls {
  readonly root: HTMLElement;
  private readonly pause: HTMLElement;
  private readonly resume: HTMLElement;
  private readonly step: HTMLElement;
  private readonly stop: HTMLElement;
  /** A stopped or crashed run with a checkpoint: continue it in a fresh engine. */
  private readonly resumeCheckpoint: HTMLElement;
  private readonly lrInput: HTMLInputElement;
  private readonly setLr: HTMLElement;
  private readonly lrError: HTMLElement;
  private readonly gradCheck: HTMLElement | null;
  private readonly test: HTMLElement | null;
  private readonly findLr: HTMLElement | null;
  private state: RunState | null = null;
  private shownRate: number | null = null;

  constructor(compact: boolean, exportButtons: HTMLElement[] = []) {
    const c = (command: ControlCommand) => () => post({ type: 'control', command });
    // The keys work while a dashboard panel is focused, not in the side bar's Live view.
    const key = (title: string, k: string): string => (compact ? title : withKey(title, k));
    this.pause = button('btn-pause', compact ? '' : 'Pause', 'pause', key('Pause training', DASHBOARD_KEYS.pauseResume), compact ? 'icon' : 'primary');
    this.resume = button('btn-resume', compact ? '' : 'Resume', 'play', key('Resume training', DASHBOARD_KEYS.pauseResume), compact ? 'icon' : 'primary');
    this.step = button('btn-step', compact ? '' : 'Step', 'step', key('Run a few iterations, then pause again', `${DASHBOARD_KEYS.step}: one iteration`), compact ? 'icon' : 'secondary');
    this.stop = button('btn-stop', compact ? '' : 'Stop', 'stop', 'Stop the run (it keeps its checkpoint)', compact ? 'icon' : 'secondary');
    onActivate(this.pause, c('pause'));
    onActivate(this.resume, c('resume'));
    onActivate(this.step, c('step'));
    onActivate(this.stop, c('stop'));
    this.resumeCheckpoint = button('btn-resume-checkpoint', compact ? '' : 'Resume from checkpoint', 'play', 'Continue this run from its last checkpoint (same folder, the iteration count goes on)', compact ? 'icon' : 'primary');
    this.resumeCheckpoint.hidden = true;
    onActivate(this.resumeCheckpoint, c('resumeFromCheckpoint'));
    this.lrInput = h('input', { id: 'lr-input', cls: 'gl-input', attrs: {
      type: 'text', inputmode: 'decimal', spellcheck: 'false', autocomplete: 'off', placeholder: 'learning rate',
      'aria-label': 'New learning rate', size: 9,
    } });
    this.setLr = button('btn-set-lr', 'Set', null, 'Set the learning rate (the schedule continues from it)', 'secondary');
    this.lrError = h('span', { id: 'lr-error', cls: 'lr-error', attrs: { role: 'alert', 'aria-live': 'polite' } });
    const submit = (): void => {
      if (this.setLr.hasAttribute('disabled')) return;
      const v = parseLearningRate(this.lrInput.value);
      if (v === null) {
        this.lrInput.setAttribute('aria-invalid', 'true');
        setText(this.lrError, 'Enter a positive number, e.g. 0.001 or 3e-4');
        return;
      }
      this.lrInput.removeAttribute('aria-invalid');
      setText(this.lrError, '');
      post({ type: 'setLearningRate', value: v });
    };
    onActivate(this.setLr, submit);
    this.lrInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') submit();
    });
    this.lrInput.addEventListener('input', () => {
      if (this.lrInput.hasAttribute('aria-invalid') && parseLearningRate(this.lrInput.value) !== null) {
        this.lrInput.removeAttribute('aria-invalid');
        setText(this.lrError, '');
      }
    });
    if (compact) {
      this.gradCheck = null;
      this.test = null;
      this.findLr = null;
      this.root = h('div', { cls: 'controls compact', attrs: { role: 'toolbar', 'aria-label': 'Run controls' } },
        this.pause, this.resume, this.resumeCheckpoint, this.step, this.stop);
      return;
    }
    this.gradCheck = button('btn-gradcheck', 'Gradient check', 'beaker', 'Check backprop against numerical gradients (float64, dropout off)');
    this.test = button('btn-test', 'Evaluate test', 'test', 'Evaluate on the sealed test set (each look is counted)');
    this.findLr = button('btn-find-lr', 'Find LR', 'graph', 'Learning-rate range test on the current weights (the run is restored afterwards)');
    onActivate(this.findLr, () => post({ type: 'findLearningRate' }));
    onActivate(this.gradCheck, c('gradientCheck'));
    onActivate(this.test, c('evaluateTest'));
    const sep = (): HTMLElement => h('span', { cls: 'toolbar-sep', attrs: { 'aria-hidden': 'true' } });
    this.root = h('div', { cls: 'controls', attrs: { role: 'toolbar', 'aria-label': 'Run controls' } },
      h('div', { cls: 'group' }, this.pause, this.resume, this.resumeCheckpoint, this.step, this.stop),
      sep(),
      h('div', { cls: 'group lr-group' }, h('label', { cls: 'lr-label', text: 'LR', attrs: { for: 'lr-input' } }), this.lrInput, this.setLr, this.findLr, this.lrError),
      sep(),
      h('div', { cls: 'group' }, this.gradCheck, this.test),
      h('div', { cls: 'spacer' }),
      h('div', { cls: 'group' }, ...exportButtons));
  }

  update(view: RunView | null): void {
    const state = view?.state ?? null;
    const live = state !== null && LIVE.includes(state);
    // A stopped or crashed run with a checkpoint offers Resume from checkpoint in Pause's place
    // (the checkpoint event may come after the state, so this is not only on a state change).
    const resumable = (state === 'stopped' || state === 'crashed') && view?.lastCheckpoint != null;
    this.resumeCheckpoint.hidden = !resumable;
    this.pause.hidden = state === 'paused' || resumable;
    if (state !== this.state) {
      this.state = state;
      const paused = state === 'paused';
      this.resume.hidden = !paused;
      setEnabled(this.pause, state === 'running' || state === 'starting');
      setEnabled(this.resume, paused);
      setEnabled(this.step, paused);
      setEnabled(this.stop, live);
      setEnabled(this.setLr, live);
      if (live) this.lrInput.removeAttribute('disabled');
      else this.lrInput.setAttribute('disabled', '');
      // Both need the run's engine: a finished run's dashboard shows them disabled.
      if (this.gradCheck) setEnabled(this.gradCheck, live || state === 'diverged');
      if (this.test) setEnabled(this.test, live || state === 'diverged');
      // The sweep runs between two iterations of the live engine: only while there is one.
      if (this.findLr) setEnabled(this.findLr, live);
    }
    if (view && document.activeElement !== this.lrInput) {
      // The rate in effect, whoever set it (this box, the palette, a schedule): a typed value is
      // cleared once the engine acknowledged a change, so the box never shows a stale rate.
      const lr = view.learningRate;
      if (lr !== this.shownRate) {
        this.shownRate = lr;
        this.lrInput.value = '';
      }
      this.lrInput.placeholder = lr === null ? 'learning rate' : formatNumber(lr, 3);
    }
  }
}
