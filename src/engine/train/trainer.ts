import type { EngineEvent, EpochSummary, RunState, RunSummary, Snapshot } from '../../shared/protocol';
import { augmentBatch } from '../data/augment';
import { LayerStatsRecorder } from '../diagnostics/layer-stats';
import { locateNonFinite } from '../diagnostics/nonfinite';
import { biasVarianceVerdict } from '../diagnostics/verdict';
import type { ForwardMode } from '../model/layers/layer';
import { LearningRate } from '../optim/schedules';
import type { Checkpoint } from '../run/checkpoint';
import type { Batch } from './batches';
import { EarlyStopping } from './early-stopping';
import { evaluate } from './evaluate';
import type { RunSetup } from './setup';
import { checkGradients } from './check-gradients';
import { findLearningRate } from './find-learning-rate';
import { expectedInitialLoss, measureInitialLoss } from '../diagnostics/checks/initial-loss';
import type { LrFindOptions } from '../../shared/diagnosis';

export interface EventSink {
  emit(event: EngineEvent): void;
}

/**
 * Where a run's results go (the run folder, the host's telemetry, the CLI): every iteration's cost
 * as it happens, and every event (epoch summaries and layer samples included). Sinks batch as
 * they need; the trainer never does.
 */
export interface RunSink extends EventSink {
  iteration(iteration: number, epoch: number, cost: number, learningRate: number): void;
}

/** Where a run keeps its files; null for in-memory runs (tests, benchmarks). */
export interface RunStore {
  saveCheckpoint(name: 'latest' | 'best', checkpoint: Checkpoint): string;
  saveGradientCheck(report: { id: string }): void;
  saveModel(model: unknown): void;
}

export type TrainerCommand =
  | { type: 'pause' } | { type: 'resume' } | { type: 'step'; iterations: number } | { type: 'stop'; reason?: string }
  | { type: 'setLearningRate'; value: number } | { type: 'gradientCheck'; requestId?: string }
  | { type: 'evaluateTest' } | { type: 'checkpoint' } | { type: 'pauseAt'; epoch: number }
  | { type: 'lrFind'; requestId?: string; options?: Partial<LrFindOptions> };

const TRAIN_MODE: ForwardMode = { training: true, dropout: true, updateRunningStats: true };
/** How long the loop computes before it yields to the event loop (IPC, timers). */
const YIELD_MS = 15;
/**
 * Wall-clock floors for work a fast run would otherwise do thousands of times a second (a
 * 10-iteration epoch on a small set takes a millisecond): checkpoints (a file write + fsync) and
 * snapshots (a forward pass over a grid and the dev set). The config's cadences are in epochs;
 * these cap them. Nothing in metrics.jsonl depends on them, so seeded runs stay identical.
 */
const MIN_MS = { snapshot: 1000, checkpoint: 2000 } as const;

/**
 * The training loop. Reads top to bottom: for each epoch, shuffle; for each mini-batch, wait at
 * the gate (pause/step/stop and other commands run there, between iterations), forward, backward,
 * check for NaN/Inf, update; then evaluate, diagnose, early-stop, checkpoint.
 */
export class Trainer {
  private readonly commands: TrainerCommand[] = [];
  private wake: (() => void) | null = null;
  private paused: boolean;
  private stepCredits = 0;
  private stopRequested = false;
  /** Pause on its own once this epoch is done (a search's ASHA rung); null: never. */
  private pauseAtEpoch: number | null = null;
  private state: RunState = 'starting';
  private stateReason: string | undefined;

  private iteration = 0;
  /** Completed epochs. */
  private epoch = 0;
  private batchInEpoch = 0;
  private permutation: Int32Array | null = null;
  private readonly lr: LearningRate;
  private currentLr = 0;
  private readonly earlyStopping: EarlyStopping;
  private bestState: Checkpoint['best'] = null;
  private testLooks = 0;
  private gradChecks = 0;
  private lastEpoch: EpochSummary | null = null;
  private readonly stats: LayerStatsRecorder;
  private lastYield = 0;
  private readonly started = Date.now();
  private readonly lastEmitted: Record<keyof typeof MIN_MS, number> = { snapshot: 0, checkpoint: 0 };
  private epochStarted = Date.now();

  constructor(private readonly setup: RunSetup, private readonly sink: RunSink, private readonly store: RunStore | null,
    options: { paused: boolean; checkpoint?: Checkpoint }) {
    const t = setup.config.training;
    this.lr = new LearningRate(t.optimizer.learningRate, t.lrDecay);
    this.earlyStopping = new EarlyStopping(t.earlyStopping);
    this.stats = new LayerStatsRecorder(setup.backend, setup.net);
    this.paused = options.paused;
    if (options.checkpoint) this.restore(options.checkpoint);
  }

  /** Queues a command; it runs between two iterations (or at once while paused). */
  command(c: TrainerCommand): void {
    this.commands.push(c);
    this.wake?.();
  }

  async run(): Promise<RunSummary> {
    const { config, net, data } = this.setup;
    const t = config.training;
    this.setState(this.paused ? 'paused' : 'running');
    if (this.iteration === 0) this.initialCostCheck();

    const overfit = this.setup.mode === 'overfitBatch';
    const trainSet = overfit ? this.setup.overfitBatch! : data.train;
    const batchSize = this.setup.batchSize;
    const batchesPerEpoch = Math.ceil(trainSet.count / batchSize);

    training: while (this.epoch < t.epochs) {
      this.updateLearningRate();
      if (this.batchInEpoch === 0 || !this.permutation) {
        this.permutation = overfit ? identity(trainSet.count) : this.setup.rngs.shuffle.permutation(trainSet.count);
      }
      while (this.batchInEpoch < batchesPerEpoch) {
        if (!(await this.gate())) break training;
        const start = this.batchInEpoch * batchSize;
        const rows = Math.min(batchSize, trainSet.count - start);
        const batch = this.setup.trainGatherer.gather(this.permutation, start, rows);
        if (!overfit) this.augment(batch);
        if (!this.trainStep(batch)) continue; // diverged: paused at the gate, same batch again
        this.batchInEpoch++;
      }
      this.batchInEpoch = 0;
      this.epoch++;
      const stop = this.endOfEpoch();
      if (stop) break;
      if (overfit && this.overfitDone()) break;
    }

    return this.finish(net);
  }

  // ───────────── one iteration ─────────────

  /** Returns false when the step produced NaN/Inf (no update applied, run paused). */
  private trainStep(batch: Batch): boolean {
    const { net, config, optimizer } = this.setup;
    const reg = this.setup.mode === 'overfitBatch' ? { l2: 0, l1: 0 } : config.training.regularization;
    const mode = this.setup.mode === 'overfitBatch' ? { ...TRAIN_MODE, dropout: false } : TRAIN_MODE;
    const { cost } = net.costAndGradients(batch.x, batch.y, batch.rows, mode, reg, true);
    if (!Number.isFinite(cost) || !this.gradientsFinite()) {
      this.diverged(batch, cost);
      return false;
    }
    this.iteration++;
    const sample = config.diagnostics.layerStatsEvery > 0 && this.iteration % config.diagnostics.layerStatsEvery === 0;
    if (sample) this.stats.before();
    optimizer.update(net.params(), this.currentLr);
    if (sample) {
      const layers = this.stats.after();
      this.sink.emit({ type: 'layerStats', iteration: this.iteration, layers });
      for (const flag of this.stats.flags(layers, this.iteration)) this.sink.emit({ type: 'flag', flag });
    }
    this.recordCost(cost);
    if (this.stepCredits > 0) this.stepCredits--;
    return true;
  }

  private gradientsFinite(): boolean {
    let sum = 0;
    for (const p of this.setup.net.params()) sum += this.setup.backend.sumSquares(p.grad.length, p.grad);
    return Number.isFinite(sum);
  }

  private diverged(batch: Batch, cost: number): void {
    const site = locateNonFinite(this.setup.net, batch.x, batch.y, batch.rows, TRAIN_MODE);
    const where = site ? `${site.tensor} of ${site.layer} (${site.stage} pass)` : 'the cost';
    const iteration = this.iteration + 1;
    this.sink.emit({ type: 'flag', flag: {
      kind: 'nonFinite', severity: 'error', iteration, layer: site?.layer, tensor: site?.tensor,
      message: `${Number.isNaN(cost) ? 'NaN' : 'Inf'} appeared at iteration ${iteration} in ${where}; the update was not applied and the run paused. Lower the learning rate and resume.`,
    } });
    this.paused = true;
    this.stepCredits = 0;
    this.setState('diverged', `non-finite values in ${where}`);
  }

  private augment(batch: Batch): void {
    const a = this.setup.config.data.augment;
    if (a.jitter === 0 && a.shift === 0 && a.rotate === 0) return;
    augmentBatch(batch.x, batch.rows, this.setup.data.train.features, a, this.setup.rngs.augment,
      this.setup.data.train.imageShape);
  }

  // ───────────── pause / step / commands ─────────────

  /** Runs queued commands; waits while paused. Returns false when the run must stop. */
  private async gate(): Promise<boolean> {
    for (;;) {
      this.runCommands();
      if (this.stopRequested) return false;
      if (!this.paused || this.stepCredits > 0) break;
      if (this.state !== 'paused' && this.state !== 'diverged') this.setState('paused');
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = null;
    }
    if (this.state !== 'running' && !this.paused) this.setState('running');
    const now = Date.now();
    if (now - this.lastYield >= YIELD_MS) {
      // Let IPC messages and timers (the sinks' flushes) in; setImmediate costs microseconds.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = Date.now();
      this.runCommands();
      if (this.stopRequested) return false;
      if (this.paused && this.stepCredits === 0) return this.gate();
    }
    return true;
  }

  private runCommands(): void {
    while (this.commands.length > 0) {
      const c = this.commands.shift()!;
      switch (c.type) {
        case 'pause':
          this.paused = true;
          this.stepCredits = 0;
          this.saveCheckpoint();
          break;
        case 'resume':
          this.paused = false;
          break;
        case 'step':
          this.paused = true;
          this.stepCredits += c.iterations;
          break;
        case 'stop':
          this.stopRequested = true;
          if (c.reason) this.stateReason = c.reason;
          break;
        case 'setLearningRate':
          this.setLearningRate(c.value);
          break;
        case 'gradientCheck':
          this.runGradientCheck(c.requestId);
          break;
        case 'evaluateTest':
          this.evaluateTest();
          break;
        case 'checkpoint':
          this.saveCheckpoint();
          break;
        case 'pauseAt':
          this.pauseAtEpoch = c.epoch;
          break;
        case 'lrFind':
          this.runLrFind(c.requestId, c.options);
          break;
      }
    }
  }

  private setState(state: RunState, reason?: string): void {
    this.state = state;
    this.stateReason = reason;
    this.sink.emit({ type: 'state', state, iteration: this.iteration, epoch: this.epoch, reason });
  }

  // ───────────── learning rate ─────────────

  /** The schedule's rate for this epoch; it reaches the sinks with every iteration's cost (no event: a decay changes it every epoch). */
  private updateLearningRate(): void {
    this.currentLr = this.lr.at(this.epoch);
  }

  private setLearningRate(value: number): void {
    const from = this.currentLr;
    this.lr.override(value, this.epoch);
    this.currentLr = this.lr.at(this.epoch);
    this.sink.emit({ type: 'learningRate', iteration: this.iteration, epoch: this.epoch, from, to: this.currentLr, source: 'user' });
  }

  // ───────────── metrics ─────────────

  private recordCost(cost: number): void {
    this.sink.iteration(this.iteration, this.epoch, cost, this.currentLr);
  }

  private initialCostCheck(): void {
    const { data, config } = this.setup;
    if (data.train.task === 'regression') return;
    // −log(1/C): a network that knows nothing predicts 1/C for each class (the prior's entropy with the prior output bias).
    const { expected, label } = expectedInitialLoss(data.train, config.model.outputBias);
    const { cost } = measureInitialLoss(this.setup);
    const off = !(Math.abs(cost - expected) <= 0.5 * expected);
    const message = `Initial cost ${fmt(cost)} vs ${label} = ${fmt(expected)} expected for a small random init`
      + (off ? (config.model.init === 'random' && config.model.initScale > 1
        ? ': far off, as expected for large initial weights (they saturate the output and slow learning).'
        : ': far off — check the initialisation scale and the labels.') : ': as expected.');
    this.sink.emit({ type: 'flag', flag: { kind: 'initialCost', severity: off ? 'warning' : 'info', message, iteration: 0 } });
  }

  // ───────────── end of epoch ─────────────

  /** Evaluates, reports, early-stops and checkpoints. Returns true when training should stop. */
  private endOfEpoch(): boolean {
    const { net, data, config } = this.setup;
    const overfit = this.setup.mode === 'overfitBatch';
    // An epoch that may take a snapshot keeps the predictions of the set the snapshot shows (dev, else
    // train): the same parameters give the same predictions, so its confusion matrix needs no second pass.
    const snapEvery = config.diagnostics.snapshotEvery;
    const mayShow = !overfit && snapEvery > 0 && (this.epoch % snapEvery === 0 || this.epoch === config.training.epochs);
    const hasDev = !overfit && data.dev.count > 0;
    const train = evaluate(net, overfit ? this.setup.overfitBatch! : data.train, this.setup.trainGatherer, mayShow && !hasDev);
    const dev = hasDev ? evaluate(net, data.dev, this.setup.devGatherer!, mayShow) : null;
    const predictions = (hasDev ? dev?.predictions : train.predictions) ?? undefined;
    const summary: EpochSummary = {
      epoch: this.epoch, iteration: this.iteration, trainCost: train.cost, trainError: train.error,
      devCost: dev?.cost ?? null, devError: dev?.error ?? null, learningRate: this.currentLr,
      seconds: (Date.now() - this.epochStarted) / 1000,
    };
    this.epochStarted = Date.now();
    this.lastEpoch = summary;
    this.sink.emit({ type: 'epoch', summary });
    if (dev && data.train.task !== 'regression') {
      this.sink.emit({ type: 'verdict', verdict: biasVarianceVerdict(this.epoch, config.diagnostics.humanLevelError, train.error, dev.error) });
    }

    let stop = false;
    if (!overfit) {
      const es = this.earlyStopping.observe(summary);
      if (es.improved && config.training.earlyStopping.enabled) {
        this.bestState = net.exportTensors();
        if (config.training.earlyStopping.restoreBest) this.store?.saveCheckpoint('best', this.checkpoint());
      }
      if (es.stop) {
        stop = true;
        this.sink.emit({ type: 'flag', flag: { kind: 'earlyStop', severity: 'info', iteration: this.iteration,
          message: `Early stopping: ${config.training.earlyStopping.monitor} did not improve by more than ${config.training.earlyStopping.minDelta} for ${config.training.earlyStopping.patience} epochs (best at epoch ${this.earlyStopping.state.bestEpoch}).` } });
        this.stateReason = 'early stopping';
      }
    }
    const every = config.training.checkpointEvery;
    if (every > 0 && this.epoch % every === 0 && this.due('checkpoint')) this.saveCheckpoint();
    const final = this.epoch === config.training.epochs || stop;
    if (snapEvery > 0 && (final || (this.epoch % snapEvery === 0 && this.due('snapshot')))) this.emitSnapshot(predictions);
    if (this.pauseAtEpoch !== null && this.epoch >= this.pauseAtEpoch && !final && !stop) {
      // Taken at the next gate, before the next epoch's first batch: exactly at the epoch's end.
      this.pauseAtEpoch = null;
      this.commands.push({ type: 'pause' });
    }
    return stop;
  }

  /** Whether `what` may be emitted now under its wall-clock floor (and if so, records that it was). */
  private due(what: keyof typeof MIN_MS): boolean {
    const now = Date.now();
    if (now - this.lastEmitted[what] < MIN_MS[what]) return false;
    this.lastEmitted[what] = now;
    return true;
  }

  private overfitDone(): boolean {
    const e = this.lastEpoch;
    return e !== null && e.trainError === 0 && e.trainCost < 0.01;
  }

  /** `predictions`: of the set shown (dev, else train) with the current parameters, when the caller has them. */
  private emitSnapshot(known?: Int32Array): void {
    const snapshot: Snapshot = { epoch: this.epoch };
    const boundary = this.setup.boundaryMap?.();
    if (boundary) snapshot.boundary = boundary;
    const { data, net } = this.setup;
    const eval_ = data.dev.count > 0 ? data.dev : data.train;
    if (eval_.task !== 'regression') {
      const gatherer = data.dev.count > 0 ? this.setup.devGatherer! : this.setup.trainGatherer;
      const predictions = known ?? evaluate(net, eval_, gatherer, true).predictions;
      const c = eval_.classes.length;
      const matrix = Array.from({ length: c }, () => new Array<number>(c).fill(0));
      for (let i = 0; i < eval_.count; i++) matrix[eval_.y[i]][predictions![i]]++;
      snapshot.confusion = { classes: eval_.classes, matrix };
    }
    this.sink.emit({ type: 'snapshot', snapshot });
  }

  // ───────────── gradient check and the sealed test set ─────────────

  private runGradientCheck(requestId?: string): void {
    const id = `gc-${String(++this.gradChecks).padStart(3, '0')}-it${this.iteration}`;
    const report = checkGradients(this.setup, id, this.iteration);
    this.store?.saveGradientCheck(report);
    this.sink.emit({ type: 'gradientCheck', report, requestId });
  }

  /** The range test on the current weights; it restores everything it touched, so the run goes on bit for bit. */
  private runLrFind(requestId?: string, options: Partial<LrFindOptions> = {}): void {
    try {
      const result = findLearningRate(this.setup, options, { iteration: this.iteration, currentLr: this.currentLr });
      this.sink.emit({ type: 'lrFind', result, requestId });
    } catch (e) {
      this.sink.emit({ type: 'error', fatal: false, error: { code: 'usage', message: e instanceof Error ? e.message : String(e) } });
    }
  }

  private evaluateTest(): void {
    const { data, net } = this.setup;
    if (data.test.count === 0) {
      this.sink.emit({ type: 'error', fatal: false, error: { code: 'usage', message: 'This run has no test set (split.test is 0 and no test source).' } });
      return;
    }
    const result = evaluate(net, data.test, this.setup.testGatherer!);
    this.testLooks++;
    this.sink.emit({ type: 'testResult', iteration: this.iteration, cost: result.cost, error: result.error, looks: this.testLooks });
  }

  // ───────────── checkpoints ─────────────

  checkpoint(): Checkpoint {
    const { net, optimizer, rngs, config } = this.setup;
    return {
      format: 'gradient-lab-checkpoint', version: 1, name: config.name,
      iteration: this.iteration, epoch: this.epoch, batchInEpoch: this.batchInEpoch,
      permutation: this.batchInEpoch > 0 && this.permutation ? Array.from(this.permutation) : null,
      model: net.exportTensors(), optimizer: optimizer.exportState(true),
      rng: { shuffle: rngs.shuffle.state(), dropout: rngs.dropout.state(), augment: rngs.augment.state() },
      learningRate: { base: this.lr.baseRate, current: this.currentLr },
      earlyStopping: this.earlyStopping.state, best: this.bestState, testLooks: this.testLooks, gradChecks: this.gradChecks,
      savedAt: new Date().toISOString(),
    };
  }

  private saveCheckpoint(): void {
    if (!this.store) return;
    this.lastEmitted.checkpoint = Date.now();
    const path = this.store.saveCheckpoint('latest', this.checkpoint());
    this.sink.emit({ type: 'checkpoint', iteration: this.iteration, epoch: this.epoch, path });
  }

  private restore(c: Checkpoint): void {
    const { net, optimizer, rngs } = this.setup;
    net.importState(c.model);
    optimizer.importState(c.optimizer);
    rngs.shuffle.restore(c.rng.shuffle);
    rngs.dropout.restore(c.rng.dropout);
    rngs.augment.restore(c.rng.augment);
    this.iteration = c.iteration;
    this.epoch = c.epoch;
    this.batchInEpoch = c.batchInEpoch;
    this.permutation = c.permutation ? Int32Array.from(c.permutation) : null;
    this.lr.override(c.learningRate.current, c.epoch);
    this.currentLr = c.learningRate.current;
    this.earlyStopping.state = { ...c.earlyStopping };
    this.bestState = c.best;
    this.testLooks = c.testLooks;
    this.gradChecks = c.gradChecks;
  }

  // ───────────── the end ─────────────

  private finish(net: RunSetup['net']): RunSummary {
    const es = this.setup.config.training.earlyStopping;
    let restored = false;
    if (es.enabled && es.restoreBest && this.bestState) {
      net.importState(this.bestState);
      restored = true;
      this.sink.emit({ type: 'log', level: 'info', message: `Restored the parameters of epoch ${this.earlyStopping.state.bestEpoch} (best ${es.monitor}).` });
    }
    let final = this.lastEpoch;
    if (restored || final === null || final.iteration !== this.iteration) final = this.finalEvaluation();
    const state: RunState = this.stopRequested ? 'stopped' : 'finished';
    let reason = this.stateReason ?? (this.stopRequested ? 'stopped by the user' : undefined);
    if (this.setup.mode === 'overfitBatch') {
      reason = this.overfitDone()
        ? `overfit one batch: 0 errors and cost ${fmt(final.trainCost)} on the batch at iteration ${this.iteration} — the model and pipeline can learn`
        : `could not overfit one batch in ${this.iteration} iterations (error ${fmt(final.trainError)}, cost ${fmt(final.trainCost)}): check labels, learning rate and capacity`;
    }
    this.saveCheckpoint();
    this.store?.saveModel(this.setup.modelFile());
    const best = this.earlyStopping.state.best === null ? null : {
      epoch: this.earlyStopping.state.bestEpoch, value: this.earlyStopping.state.best, monitor: es.monitor, restored,
    };
    const summary: RunSummary = {
      state, reason, epochs: this.epoch, iterations: this.iteration, final, best, testLooks: this.testLooks,
      seconds: (Date.now() - this.started) / 1000, backend: this.setup.backend.name, threads: this.setup.backend.threads,
    };
    this.setState(state, reason);
    this.sink.emit({ type: 'summary', summary });
    return summary;
  }

  private finalEvaluation(): EpochSummary {
    const { net, data } = this.setup;
    const overfit = this.setup.mode === 'overfitBatch';
    const train = evaluate(net, overfit ? this.setup.overfitBatch! : data.train, this.setup.trainGatherer);
    const dev = !overfit && data.dev.count > 0 ? evaluate(net, data.dev, this.setup.devGatherer!) : null;
    return { epoch: this.epoch, iteration: this.iteration, trainCost: train.cost, trainError: train.error,
      devCost: dev?.cost ?? null, devError: dev?.error ?? null, learningRate: this.currentLr, seconds: 0 };
  }
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}
