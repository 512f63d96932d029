/**
 * A stand-in for forked engines: each "trial" reports one epoch every few milliseconds with a
 * dev error computed from its config, and obeys pause / resume / stop like the real engine. It
 * lets the search logic (rounds, boxes, pruning, control) be tested in milliseconds. Like the
 * engine it writes `config.json` and, when it stops or finishes, `checkpoints/latest.json` (here
 * just the epoch), so `resumeFromCheckpoint` continues a trial where it stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../src/shared/config';
import type { EngineEvent, EpochSummary, RunInfo, RunSummary } from '../../src/shared/protocol';
import type { TrialExit, TrialHandle, TrialLauncher, TrialStart } from '../../src/engine/search/launcher';

export type Behaviour = 'normal' | 'diverge' | 'crash';

export interface FakeOptions {
  /** Dev error after `epoch` epochs for this config. */
  metric: (config: ExperimentConfig, epoch: number) => number;
  epochMs?: number;
  behaviour?: (config: ExperimentConfig) => Behaviour;
}

export class FakeLauncher implements TrialLauncher {
  readonly started: FakeTrial[] = [];
  /** The trials started from a checkpoint, in order. */
  readonly resumed: FakeTrial[] = [];
  live = 0;
  maxLive = 0;

  constructor(readonly options: FakeOptions) {}

  launch(start: TrialStart): TrialHandle {
    let t: FakeTrial;
    if (start.type === 'start') {
      fs.writeFileSync(path.join(start.runDir, 'config.json'), JSON.stringify(start.config));
      t = new FakeTrial(this, start.config as ExperimentConfig, start.runDir, 0);
      this.started.push(t);
    } else {
      const config = JSON.parse(fs.readFileSync(path.join(start.runDir, 'config.json'), 'utf8')) as ExperimentConfig;
      const { epoch } = JSON.parse(fs.readFileSync(path.join(start.runDir, 'checkpoints', 'latest.json'), 'utf8')) as { epoch: number };
      t = new FakeTrial(this, config, start.runDir, epoch);
      this.resumed.push(t);
    }
    // As the engine: a rung given with the start is in effect from the first epoch.
    if (start.pauseAt !== undefined) t.send({ type: 'pauseAt', epoch: start.pauseAt });
    this.live++;
    this.maxLive = Math.max(this.maxLive, this.live);
    return t;
  }
}

export class FakeTrial implements TrialHandle {
  private readonly eventListeners: ((e: EngineEvent) => void)[] = [];
  private readonly exitListeners: ((x: TrialExit) => void)[] = [];
  private paused = false;
  private pauseAt: number | null = null;
  private ended = false;
  private timer: NodeJS.Timeout | null = null;
  readonly commands: string[] = [];
  /** The epoch it started from (0: from scratch). */
  readonly startEpoch: number;

  constructor(private readonly launcher: FakeLauncher, readonly config: ExperimentConfig, readonly runDir: string, private epoch: number) {
    const from = epoch;
    this.startEpoch = from;
    setImmediate(() => {
      this.emit({ type: 'hello', protocolVersion: 1, pid: 0 });
      const resumedFrom = from > 0 ? { epoch: from, iteration: from * 10 } : undefined;
      this.emit({ type: 'runInfo', info: { runDir, name: config.name, config, resumedFrom } as unknown as RunInfo });
      this.emit({ type: 'state', state: 'running', iteration: from * 10, epoch: from });
      this.schedule();
    });
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.tick(), this.launcher.options.epochMs ?? 2);
  }

  private summaryOf(epoch: number): EpochSummary {
    const e = this.launcher.options.metric(this.config, epoch);
    return { epoch, iteration: epoch * 10, trainCost: e, trainError: e, devCost: e, devError: e, learningRate: 0.1, seconds: 0 };
  }

  private tick(): void {
    if (this.ended || this.paused) return;
    const behaviour = this.launcher.options.behaviour?.(this.config) ?? 'normal';
    this.epoch++;
    if (behaviour === 'crash' && this.epoch === 2) {
      this.exit({ code: 1, signal: null, stderr: 'Error: simulated crash' });
      return;
    }
    if (behaviour === 'diverge' && this.epoch === 2) {
      this.emit({ type: 'state', state: 'diverged', iteration: 15, epoch: 1 });
      this.paused = true;
      return;
    }
    this.emit({ type: 'epoch', summary: this.summaryOf(this.epoch) });
    if (this.epoch >= this.config.training.epochs) {
      this.finish('finished');
      return;
    }
    if (this.pauseAt !== null && this.epoch >= this.pauseAt) {
      this.pauseAt = null;
      this.paused = true;
      this.emit({ type: 'state', state: 'paused', iteration: this.epoch * 10, epoch: this.epoch });
      return;
    }
    this.schedule();
  }

  private finish(state: 'finished' | 'stopped'): void {
    fs.mkdirSync(path.join(this.runDir, 'checkpoints'), { recursive: true });
    fs.writeFileSync(path.join(this.runDir, 'checkpoints', 'latest.json'), JSON.stringify({ epoch: this.epoch }));
    const final = this.summaryOf(Math.max(1, this.epoch));
    const summary: RunSummary = {
      state, epochs: this.epoch, iterations: this.epoch * 10, final, best: null, testLooks: 0, seconds: 0, backend: 'fake', threads: 1,
    };
    this.emit({ type: 'state', state, iteration: this.epoch * 10, epoch: this.epoch });
    this.emit({ type: 'summary', summary });
    this.exit({ code: 0, signal: null, stderr: '' });
  }

  private exit(x: TrialExit): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.launcher.live--;
    setImmediate(() => {
      for (const l of this.exitListeners) l(x);
    });
  }

  private emit(e: EngineEvent): void {
    if (this.ended) return;
    for (const l of this.eventListeners) l(e);
  }

  send(command: { type: 'pause' | 'resume' | 'stop' } | { type: 'pauseAt'; epoch: number }): void {
    this.commands.push(command.type);
    if (command.type === 'pauseAt') {
      // As the engine: queued before the run starts, so in place before the first epoch.
      this.pauseAt = command.epoch;
      return;
    }
    setImmediate(() => {
      if (this.ended) return;
      switch (command.type) {
        case 'pause':
          this.paused = true;
          if (this.timer) clearTimeout(this.timer);
          this.emit({ type: 'state', state: 'paused', iteration: this.epoch * 10, epoch: this.epoch });
          return;
        case 'resume':
          this.paused = false;
          this.emit({ type: 'state', state: 'running', iteration: this.epoch * 10, epoch: this.epoch });
          this.schedule();
          return;
        case 'stop':
          this.finish('stopped');
      }
    });
  }

  kill(): void {
    this.exit({ code: null, signal: 'SIGKILL', stderr: '' });
  }

  onEvent(listener: (event: EngineEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onExit(listener: (exit: TrialExit) => void): void {
    this.exitListeners.push(listener);
  }
}
