import type { EngineEvent, EpochSummary, RunState, RunSummary, Snapshot } from '../../shared/protocol';
import { GradientFlags } from '../diagnostics/gradient-flags';
import { LayerStatsRecorder } from '../diagnostics/layer-stats';
import { locateNonFinite } from '../diagnostics/nonfinite';
import { biasVarianceVerdict } from '../diagnostics/verdict';
import { humanLevelError, type HumanLevel } from '../diagnostics/human-level';
import { clipGradients, gradNormOf } from '../optim/clip';
import { createLearningRate, warmupIterations, type LearningRate, type SchedulePosition } from '../optim/schedules';
import { GradNormLog } from '../diagnostics/grad-norms';
import type { Checkpoint } from '../run/checkpoint';
import type { Batch } from './batches';
import { EarlyStopping } from './early-stopping';
import { evaluate } from './evaluate';
import type { RunSetup } from './setup';
import { checkGradients } from './check-gradients';
import { findLearningRate } from './find-learning-rate';
import { StepUndo, WeightGuard, type BadWeights } from './undo';
import { RunFolderError } from '../run/fs-errors';
import { expectedInitialLoss, measureInitialLoss } from '../diagnostics/checks/initial-loss';
import type { LrFindOptions } from '../../shared/diagnosis';
import { Gate, type TrainerCommand, type WorkCommand } from './gate';
import { TRAIN_MODE } from './batch-source';
import { fmt } from './format';

export type { TrainerCommand } from './gate';

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
  /** A write failure holding appends back (the folder keeps them queued), or null. */
  failure?(): Error | null;
  /** Writes what is held; true when the folder is writable again. */
  retry?(): boolean;
}

/**
 * What a diverged run does: 'pause' waits for the user (lower the learning rate, resume: the
 * extension); 'end' ends the run as diverged with its folder complete (the CLI, where nobody can
 * resume a paused run).
 */
export type OnDiverge = 'pause' | 'end';

/**
 * Wall-clock floors for work a fast run would otherwise do thousands of times a second (a
 * 10-iteration epoch on a small set takes a millisecond): checkpoints (a file write + fsync) and
 * snapshots (a forward pass over a grid and the dev set). The config's cadences are in epochs;
 * these cap them. Nothing in metrics.jsonl depends on them, so seeded runs stay identical.
 */
const MIN_MS = { snapshot: 1000, checkpoint: 2000 } as const;

/**
 * The training loop. Reads top to bottom: for each epoch, the batch source's order (a shuffle of
 * the training set, or Overfit One Batch's fixed batch); for each mini-batch, pass the gate
 * (pause/step/stop and other commands are taken there, between iterations), forward, backward,
 * check for NaN/Inf, update; then evaluate, diagnose, early-stop, checkpoint.
 */
export class Trainer {
  private readonly gate: Gate;
  private state: RunState = 'starting';
  private stateReason: string | undefined;
  private readonly onDiverge: OnDiverge;
  /** Why the run diverged, while the diverged step is undone and not yet retried. */
  private divergence: string | null = null;
  private readonly undo: StepUndo;
  private readonly guard: WeightGuard;
  /** ‖g‖₂ of the network's gradients (one backend call a step). */
  private readonly gradNorm: () => number;
  /** A step is between `undo.capture()` and its end: an exception there leaves half-updated weights. */
  private inStep = false;
  /** The step's optimizer update has started (the weights may have moved). */
  private updating = false;
  /** A checkpoint that could not be written (full disk, read-only): with onDiverge 'pause' the run pauses instead of failing. */
  private storeError: Error | null = null;

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
  /** Resolved at the first verdict (a Monte-Carlo estimate for "auto" on a generated set). */
  private humanLevel: HumanLevel | undefined;
  private gradChecks = 0;
  private lastEpoch: EpochSummary | null = null;
  private readonly stats: LayerStatsRecorder;
  private readonly gradNorms: GradNormLog;
  private readonly gradientFlags = new GradientFlags();
  private readonly started = Date.now();
  private readonly lastEmitted: Record<keyof typeof MIN_MS, number> = { snapshot: 0, checkpoint: 0 };
  private epochStarted = Date.now();

  constructor(private readonly setup: RunSetup, private readonly sink: RunSink, private readonly store: RunStore | null,
    options: { paused: boolean; pauseAt?: number; checkpoint?: Checkpoint; onDiverge?: OnDiverge }) {
    const t = setup.config.training;
    this.lr = createLearningRate(t.optimizer.learningRate, t.lrDecay, { epochs: t.epochs, iterationsPerEpoch: setup.batches.batchesPerEpoch });
    this.gradNorms = new GradNormLog(t.clipNorm);
    this.earlyStopping = new EarlyStopping(t.earlyStopping);
    this.stats = new LayerStatsRecorder(setup.backend, setup.net);
    this.gate = new Gate(options, {
      work: (c) => this.work(c),
      onPause: () => this.saveCheckpoint(),
      onResume: () => {
        if (this.storeFailure()) this.retryStore();
      },
      hold: () => this.holdForStore(),
      onWait: () => {
        if (this.state !== 'paused' && this.state !== 'diverged') this.setState('paused');
      },
      onGo: () => {
        if (this.state !== 'running') this.setState('running');
      },
    });
    this.onDiverge = options.onDiverge ?? 'pause';
    this.undo = new StepUndo(setup.net, setup.optimizer, setup.rngs.dropout);
    this.guard = new WeightGuard(setup.net);
    this.gradNorm = gradNormOf(setup.backend, setup.net.params());
    if (options.checkpoint) this.restore(options.checkpoint);
    this.guard.reset();
  }

  /** Queues a command; it runs between two iterations (or at once while paused). */
  command(c: TrainerCommand): void {
    this.gate.send(c);
  }

  async run(): Promise<RunSummary> {
    const { net, batches } = this.setup;
    this.setState(this.gate.paused ? 'paused' : 'running');
    if (this.iteration === 0) this.initialCostCheck();
    if (this.iteration === 0) this.scheduleCheck();
    batches.start(net);

    training: while (this.epoch < batches.epochs) {
      this.updateLearningRate();
      // Drawn once per epoch and kept (in checkpoints too) until the epoch ends: a stop at the
      // epoch's first gate resumes with this permutation, not a second draw.
      this.permutation ??= batches.order();
      while (this.batchInEpoch < batches.batchesPerEpoch) {
        if (!(await this.gate.pass())) break training;
        const batch = batches.batch(this.permutation, this.batchInEpoch);
        if (!this.trainStep(batch)) {
          if (this.onDiverge === 'end') break training;
          continue; // paused at the gate; the same batch again once resumed
        }
        this.batchInEpoch++;
      }
      this.batchInEpoch = 0;
      this.permutation = null;
      this.epoch++;
      if (this.endOfEpoch() || batches.reached(this.lastEpoch)) break;
    }

    return this.finish(net);
  }

  // ───────────── one iteration ─────────────

  /**
   * Returns false when the step diverged: NaN/Inf in the cost or gradients, or updated weights
   * that are non-finite or exploded. The step is then undone (weights, optimizer, running
   * statistics and dropout stream as before it), so a lower learning rate resumes from healthy weights.
   */
  private trainStep(batch: Batch): boolean {
    const { net, config, optimizer, batches } = this.setup;
    if (this.lr.perIteration) this.updateLearningRate();
    this.inStep = true;
    this.undo.capture();
    const { cost } = net.costAndGradients(batch.x, batch.y, batch.rows, batches.forwardMode, batches.regularization, true);
    const params = net.params();
    // One pass over the gradients: the divergence check and the clipping both use ‖g‖.
    const norm = this.gradNorm();
    if (!Number.isFinite(cost) || !Number.isFinite(norm)) {
      this.diverged(this.nonFiniteMessage(batch, cost));
      return false;
    }
    const clipNorm = config.training.clipNorm;
    const scale = clipNorm > 0 ? clipGradients(params, norm, clipNorm) : 1;
    const sample = config.diagnostics.layerStatsEvery > 0 && (this.iteration + 1) % config.diagnostics.layerStatsEvery === 0;
    if (sample) this.stats.before();
    // |g_i| ≤ ‖g‖ after clipping (1 % for the norm's rounding): a step that cannot trip the guard needs no copy to undo.
    if (!this.guard.cannotTrip(optimizer.maxStep(this.currentLr, 1.01 * norm * scale))) this.undo.captureWeights();
    this.updating = true;
    optimizer.update(params, this.currentLr);
    const bad = this.guard.check();
    if (bad) {
      this.diverged(badWeightsMessage(bad, this.iteration + 1));
      return false;
    }
    this.updating = false;
    this.inStep = false;
    this.divergence = null;
    this.iteration++;
    this.gradNorms.record(norm, scale < 1);
    if (sample) {
      const layers = this.stats.after(scale);
      this.sink.emit({ type: 'layerStats', iteration: this.iteration, layers, globalGradNorm: norm, clipped: scale < 1 });
      for (const flag of this.gradientFlags.observe(layers, this.iteration, cost)) this.sink.emit({ type: 'flag', flag });
    }
    this.sink.iteration(this.iteration, this.epoch, cost, this.currentLr);
    this.gate.stepped();
    return true;
  }

  private nonFiniteMessage(batch: Batch, cost: number): Divergence {
    const site = locateNonFinite(this.setup.net, batch.x, batch.y, batch.rows, TRAIN_MODE);
    const where = site ? `${site.tensor} of ${site.layer} (${site.stage} pass)` : 'the cost';
    const iteration = this.iteration + 1;
    return {
      layer: site?.layer, tensor: site?.tensor, reason: `non-finite values in ${where}`,
      message: `${Number.isNaN(cost) ? 'NaN' : 'Inf'} appeared at iteration ${iteration} in ${where}`,
    };
  }

  /** Undoes the step in flight and pauses (or ends) the run as diverged. */
  private diverged(d: Divergence): void {
    // An update the guard rejected always had its weights copied (WeightGuard.cannotTrip); if that ever failed, crash keeps the last checkpoint.
    if (!this.undo.undo(this.updating)) throw new Error(`the update at iteration ${this.iteration + 1} was rejected by the weight guard but its weights were not copied`);
    this.updating = false;
    this.inStep = false;
    const iteration = this.iteration + 1;
    const then = this.onDiverge === 'end'
      ? `the update was undone and the run ended: its checkpoint and model hold the weights of iteration ${this.iteration}. Lower the learning rate and resume from the checkpoint.`
      : 'the update was undone and the run paused. Lower the learning rate and resume.';
    this.sink.emit({ type: 'flag', flag: {
      kind: 'nonFinite', severity: 'error', iteration, layer: d.layer, tensor: d.tensor, message: `${d.message}; ${then}`,
    } });
    this.divergence = d.reason;
    if (this.onDiverge === 'end') return;
    this.gate.pause();
    this.setState('diverged', d.reason);
  }

  // ───────────── commands taken at the gate ─────────────

  private work(c: WorkCommand): void {
    switch (c.type) {
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
      case 'lrFind':
        this.runLrFind(c.requestId, c.options);
        break;
    }
  }

  private storeFailure(): Error | null {
    return this.storeError ?? this.store?.failure?.() ?? null;
  }

  /** The run folder cannot be written: pause (true), records held in memory, until the user makes room and resumes. */
  private holdForStore(): boolean {
    const e = this.storeFailure();
    if (!e) return false;
    this.sink.emit({ type: 'error', fatal: false, error: { code: 'io', message: `${e.message}. The run paused and holds its records; make room, then resume.` } });
    this.setState('paused', e.message);
    return true;
  }

  private retryStore(): void {
    const failedCheckpoint = this.storeError !== null;
    this.storeError = null;
    if (this.store?.retry && !this.store.retry()) return;
    if (failedCheckpoint) this.saveCheckpoint();
  }

  private setState(state: RunState, reason?: string): void {
    this.state = state;
    this.stateReason = reason;
    this.sink.emit({ type: 'state', state, iteration: this.iteration, epoch: this.epoch, reason });
  }

  // ───────────── learning rate ─────────────

  /** The next step's place in the schedule. */
  private position(): SchedulePosition {
    return { epoch: this.epoch, iteration: this.iteration };
  }

  /** The schedule's rate for the next step; it reaches the sinks with every iteration's cost (no event: a decay changes it every epoch or step). */
  private updateLearningRate(): void {
    this.currentLr = this.lr.at(this.position());
  }

  private setLearningRate(value: number): void {
    const from = this.currentLr;
    this.lr.override(value, this.position());
    this.currentLr = this.lr.at(this.position());
    this.sink.emit({ type: 'learningRate', iteration: this.iteration, epoch: this.epoch, from, to: this.currentLr, source: 'user' });
  }

  // ───────────── checks at the start ─────────────

  /** A warmup in iterations can only be checked against the run's length here, once the data is known. */
  private scheduleCheck(): void {
    const t = this.setup.config.training;
    if (t.lrDecay.type !== 'warmupCosine') return;
    const perEpoch = this.setup.batches.batchesPerEpoch;
    const total = t.epochs * perEpoch;
    const warmup = warmupIterations(t.lrDecay, { epochs: t.epochs, iterationsPerEpoch: perEpoch });
    if (warmup < total) return;
    this.sink.emit({ type: 'log', level: 'warning',
      message: `warmupCosine: the warmup of ${warmup} iterations is not shorter than the run (${total} iterations: ${t.epochs} epochs of ${perEpoch}); the learning rate only rises. Shorten training.lrDecay.warmup.` });
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
    const { net, data, config, batches } = this.setup;
    // An epoch that may take a snapshot keeps the predictions of the set the snapshot shows (dev, else
    // train): the same parameters give the same predictions, so its confusion matrix needs no second pass.
    const snapEvery = config.diagnostics.snapshotEvery;
    const mayShow = batches.wholeSet && snapEvery > 0 && (this.epoch % snapEvery === 0 || this.epoch === batches.epochs);
    const hasDev = batches.wholeSet && data.dev.count > 0;
    const train = batches.evaluate(net, mayShow && !hasDev);
    const dev = hasDev ? evaluate(net, data.dev, this.setup.devGatherer, mayShow) : null;
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
      this.humanLevel ??= humanLevelError(config);
      this.sink.emit({ type: 'verdict', verdict: biasVarianceVerdict(this.epoch, this.humanLevel.value, train.error, dev.error, undefined, this.humanLevel) });
    }

    const clipFlag = this.gradNorms.flag(this.iteration);
    if (clipFlag) this.sink.emit({ type: 'flag', flag: clipFlag });

    let stop = false;
    if (batches.wholeSet) {
      const change = this.lr.observe(summary);
      if (change) {
        this.currentLr = change.to;
        this.sink.emit({ type: 'learningRate', iteration: this.iteration, epoch: this.epoch, ...change, source: 'schedule' });
      }
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
    const final = this.epoch === batches.epochs || stop;
    if (snapEvery > 0 && (final || (this.epoch % snapEvery === 0 && this.due('snapshot')))) this.emitSnapshot(predictions);
    if (!final && !stop) this.gate.epochEnded(this.epoch);
    return stop;
  }

  /** Whether `what` may be emitted now under its wall-clock floor (and if so, records that it was). */
  private due(what: keyof typeof MIN_MS): boolean {
    const now = Date.now();
    if (now - this.lastEmitted[what] < MIN_MS[what]) return false;
    this.lastEmitted[what] = now;
    return true;
  }

  /** `predictions`: of the set shown (dev, else train) with the current parameters, when the caller has them. */
  private emitSnapshot(known?: Int32Array): void {
    const snapshot: Snapshot = { epoch: this.epoch };
    const boundary = this.setup.boundaryMap?.();
    if (boundary) snapshot.boundary = boundary;
    const { data, net } = this.setup;
    const eval_ = data.dev.count > 0 ? data.dev : data.train;
    if (eval_.task !== 'regression') {
      const gatherer = data.dev.count > 0 ? this.setup.devGatherer : this.setup.trainGatherer;
      // Without dev, the training rows an epoch measures (its sample, if it has one).
      const sample = data.dev.count > 0 ? null : this.setup.trainSample;
      const predictions = known ?? evaluate(net, eval_, gatherer, true, sample).predictions;
      const c = eval_.classes.length;
      const matrix = Array.from({ length: c }, () => new Array<number>(c).fill(0));
      const n = sample ? sample.length : eval_.count;
      for (let i = 0; i < n; i++) matrix[eval_.y[sample ? sample[i] : i]][predictions![i]]++;
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
    const result = evaluate(net, data.test, this.setup.testGatherer);
    this.testLooks++;
    this.sink.emit({ type: 'testResult', iteration: this.iteration, cost: result.cost, error: result.error, looks: this.testLooks });
  }

  // ───────────── checkpoints ─────────────

  checkpoint(): Checkpoint {
    const { net, optimizer, rngs, config } = this.setup;
    return {
      format: 'gradient-lab-checkpoint', version: 1, name: config.name,
      iteration: this.iteration, epoch: this.epoch, batchInEpoch: this.batchInEpoch,
      permutation: this.permutation ? Array.from(this.permutation) : null,
      model: net.exportTensors(), optimizer: optimizer.exportState(true),
      rng: { shuffle: rngs.shuffle.state(), dropout: rngs.dropout.state(), augment: rngs.augment.state() },
      learningRate: { ...this.lr.exportState(), current: this.currentLr }, gradNorms: this.gradNorms.exportState(),
      earlyStopping: this.earlyStopping.state, best: this.bestState, testLooks: this.testLooks, gradChecks: this.gradChecks,
      savedAt: new Date().toISOString(),
    };
  }

  private saveCheckpoint(): void {
    if (!this.store) return;
    this.lastEmitted.checkpoint = Date.now();
    let path: string;
    try {
      path = this.store.saveCheckpoint('latest', this.checkpoint());
    } catch (e) {
      if (this.onDiverge === 'end' || !(e instanceof RunFolderError)) throw e;
      this.storeError = e; // the previous checkpoint stays; the next gate pauses
      return;
    }
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
    // The schedule's own state, not a re-derivation from the rate in force: a checkpoint taken at an
    // epoch's end holds the previous epoch's rate, and solving for the base from it shifted the decay.
    this.lr.importState(c.learningRate);
    this.currentLr = c.learningRate.current;
    if (c.gradNorms) this.gradNorms.importState(c.gradNorms);
    this.earlyStopping.state = { ...c.earlyStopping };
    this.bestState = c.best;
    this.testLooks = c.testLooks;
    this.gradChecks = c.gradChecks;
  }

  // ───────────── the end ─────────────

  /**
   * The run's end state, decided here only: stopped (the user, a host, early stopping), diverged
   * (ended at a diverged step, CLI), else finished. Crashes end in `crash`.
   */
  private endState(): { state: RunState; reason: string | undefined } {
    if (this.gate.stopped) return { state: 'stopped', reason: this.gate.stopReason ?? this.stateReason ?? 'stopped by the user' };
    if (this.divergence !== null && this.onDiverge === 'end') return { state: 'diverged', reason: this.divergence };
    return { state: 'finished', reason: this.stateReason };
  }

  /**
   * An exception escaped the loop (an engine bug, a full disk): undo a step in flight, then keep
   * what can be kept — checkpoint, model and a summary saying 'crashed' — each on its own, since
   * the store itself may be what failed.
   */
  crash(message: string): RunSummary {
    // A step in flight is undone; if its update had started on weights that were not copied, they are half-updated: keep the last checkpoint and model.
    const restored = !this.inStep || this.undo.undo(this.updating);
    this.inStep = false;
    this.updating = false;
    const attempt = (f: () => void): void => {
      try {
        f();
      } catch { /* the store is what failed: the previous checkpoint stays */ }
    };
    if (restored) {
      attempt(() => this.saveCheckpoint());
      attempt(() => this.store?.saveModel(this.setup.modelFile()));
    }
    let final: EpochSummary | null = this.lastEpoch;
    if (final === null) {
      try {
        final = this.finalEvaluation();
      } catch { /* the weights or the backend are what broke: no final numbers */ }
    }
    const summary: RunSummary = {
      state: 'crashed', reason: message, epochs: this.epoch, iterations: this.iteration, final,
      best: null, testLooks: this.testLooks, seconds: (Date.now() - this.started) / 1000,
      backend: this.setup.backend.name, threads: this.setup.backend.threads,
    };
    attempt(() => this.setState('crashed', message));
    attempt(() => this.sink.emit({ type: 'summary', summary }));
    return summary;
  }

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
    const end = this.endState();
    const state = end.state;
    // No epoch since the loop (re)started (a resumed run stopped at once): judged on the final evaluation of the weights it has.
    const verdict = state === 'diverged' ? undefined : this.setup.batches.verdict(final, this.lastEpoch ?? final, this.iteration);
    const reason = verdict ?? end.reason;
    this.saveCheckpoint();
    this.store?.saveModel(this.setup.modelFile());
    const best = this.earlyStopping.state.best === null ? null : {
      epoch: this.earlyStopping.state.bestEpoch, value: this.earlyStopping.state.best, monitor: es.monitor, restored,
    };
    const summary: RunSummary = {
      state, reason, epochs: this.epoch, iterations: this.iteration, final, best, testLooks: this.testLooks,
      seconds: (Date.now() - this.started) / 1000, backend: this.setup.backend.name, threads: this.setup.backend.threads,
      gradients: this.gradNorms.summary(),
    };
    // Episodes still holding: their final counts (the open event carried only the first samples').
    for (const flag of this.gradientFlags.finish()) this.sink.emit({ type: 'flag', flag });
    this.setState(state, reason);
    this.sink.emit({ type: 'summary', summary });
    return summary;
  }

  private finalEvaluation(): EpochSummary {
    const { net, data, batches } = this.setup;
    const train = batches.evaluate(net);
    const dev = batches.wholeSet && data.dev.count > 0 ? evaluate(net, data.dev, this.setup.devGatherer) : null;
    return { epoch: this.epoch, iteration: this.iteration, trainCost: train.cost, trainError: train.error,
      devCost: dev?.cost ?? null, devError: dev?.error ?? null, learningRate: this.currentLr, seconds: 0 };
  }
}

interface Divergence { layer?: string; tensor?: string; reason: string; message: string }

function badWeightsMessage(bad: BadWeights, iteration: number): Divergence {
  const where = `${bad.tensor} of ${bad.layer}`;
  if (!Number.isFinite(bad.to)) {
    return { layer: bad.layer, tensor: bad.tensor, reason: `non-finite values in ${where} (after the update)`,
      message: `The update at iteration ${iteration} made ${where} non-finite` };
  }
  return { layer: bad.layer, tensor: bad.tensor, reason: `${where} exploded (×${fmt(bad.to / bad.from)} in one update)`,
    message: `The update at iteration ${iteration} made ${where} explode: its RMS went from ${fmt(bad.from)} to ${fmt(bad.to)} in one step` };
}
