#!/usr/bin/env node
/**
 * `gradient-lab train|gradcheck|search|demo <file.nn.json>`: the engine without VS Code. Human output by
 * default, `--json` for machines (one event per line). User errors (config, data) print where
 * they are and exit 2 without a stack trace; engine bugs exit 1.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { toJson } from '../../shared/nonfinite';
import type { EngineEvent, RunSummary } from '../../shared/protocol';
import type { LrFindOptions } from '../../shared/diagnosis';
import type { RunSink } from '../train/trainer';
import { loadExperiment } from '../config/validate';
import { createRunSetup } from '../train/setup';
import { checkGradients } from '../train/check-gradients';
import { describeError, startSession } from '../run/session';
import { HumanReporter, printGradCheck } from './report';
import { repoExamplesDir } from './examples';
import { runSearchCommand } from '../search/cli';
import { diagnoseCommand, lrFindCommand } from './diagnose';
import { describeTestResult, evaluateRunFolder, EvaluateError } from './evaluate';

const USAGE = `Usage:
  gradient-lab train <file.nn.json> [--out DIR | --runs DIR] [--epochs N] [--overfit-batch] [--evaluate-test] [--json] [--quiet]
  gradient-lab evaluate <run folder> [--json]
  gradient-lab gradcheck <file.nn.json> [--json]
  gradient-lab search <file.nn.json> [--runs DIR] [--parallel N] [--trials N] [--export-best OUT.nn.json] [--json]
  gradient-lab search --resume SEARCH_DIR [--parallel N] [--export-best OUT.nn.json] [--json]
  gradient-lab diagnose <file.nn.json> [--json]
  gradient-lab lr-find <file.nn.json> [--json] [--apply] [--start LR] [--end LR] [--steps N]
  gradient-lab demo [--runs DIR]

  train       trains the experiment and writes a run folder (default .gradient-lab/runs/ next to the file);
              --evaluate-test then looks at the sealed test set once (as evaluate does)
  evaluate    evaluates a run's final weights on its sealed test set; every look is counted and
              recorded in the run folder (events.jsonl, the checkpoint, summary.json), as the
              extension's Evaluate on Test Set does
  gradcheck   compares backprop with finite differences in float64 on the initial weights;
              exit code 3 when a tensor's difference is ≥ 1e-3 (almost certainly a bug); entries
              that straddle a ReLU/L1 kink are excluded and counted, and tensors whose gradients
              are at rounding level (a converged network) are "inconclusive", not a bug
  search      random hyperparameter search over the file's "search" block (docs/search.md): trials run
              as parallel engine processes in <runs>/<time>-<name>-search/; --trials is per round,
              --parallel 0 = all cores; Ctrl-C stops cleanly, --resume continues, --export-best
              writes the best trial's config as a new experiment file
  diagnose    sanity checks of the experiment as configured, in seconds, no run folder: loss at init,
              overfit 20 examples, input-independent baseline, regularisation, gradient check,
              update/weight ratio, dead/saturated units, learning-rate range test; exit code 1
              when a check fails
  lr-find     learning-rate range test from the initial weights (default 1e-7 → 10 in 100 steps)
              and its suggestion; --apply writes it to training.optimizer.learningRate in the file;
              exit code 1 when the loss descends at no rate
  demo        trains examples/moons.nn.json and examples/digits.softmax.nn.json`;

export class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      out: { type: 'string' }, runs: { type: 'string' }, epochs: { type: 'string' }, json: { type: 'boolean' },
      quiet: { type: 'boolean' }, 'overfit-batch': { type: 'boolean' }, 'evaluate-test': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      parallel: { type: 'string' }, trials: { type: 'string' }, resume: { type: 'string' }, 'export-best': { type: 'string' },
      apply: { type: 'boolean' }, start: { type: 'string' }, end: { type: 'string' }, steps: { type: 'string' },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  checkFlags(command, Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined));
  if (positionals.length > (command === 'demo' ? 1 : 2)) throw new UsageError(`${command} takes one experiment file, got also "${positionals.slice(2).join('", "')}"`);
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) throw new UsageError('--epochs must be a positive integer');

  switch (command) {
    case 'train':
      if (!file) throw new UsageError('train needs an experiment file');
      return train(file, {
        out: values.out, runs: values.runs, epochs, json: !!values.json, quiet: !!values.quiet, overfit: !!values['overfit-batch'],
        evaluateTest: !!values['evaluate-test'],
      });
    case 'evaluate':
      if (!file) throw new UsageError('evaluate needs a run folder');
      return evaluateCommand(file, !!values.json);
    case 'gradcheck':
      if (!file) throw new UsageError('gradcheck needs an experiment file');
      return gradcheck(file, !!values.json);
    case 'search': {
      if (!file && !values.resume) throw new UsageError('search needs an experiment file or --resume SEARCH_DIR');
      const count = (name: string, raw: string | undefined, min: number): number | undefined => {
        if (raw === undefined) return undefined;
        const n = Number(raw);
        if (!(Number.isInteger(n) && n >= min)) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
        return n;
      };
      return runSearchCommand({
        file, runs: values.runs, resume: values.resume, exportBest: values['export-best'], json: !!values.json,
        parallel: count('parallel', values.parallel, 0), trials: count('trials', values.trials, 1),
      });
    }
    case 'diagnose':
      if (!file) throw new UsageError('diagnose needs an experiment file');
      return diagnoseCommand(file, !!values.json);
    case 'lr-find':
      if (!file) throw new UsageError('lr-find needs an experiment file');
      return lrFindCommand(file, { json: !!values.json, apply: !!values.apply, options: lrFindFlags(values) });
    case 'demo': {
      const examples = repoExamplesDir();
      const runs = values.runs ?? path.join(os.tmpdir(), 'gradient-lab-demo', 'runs');
      for (const example of ['moons.nn.json', 'digits.softmax.nn.json']) {
        const code = await train(path.join(examples, example), { runs, json: false, quiet: false, overfit: false });
        if (code !== 0) return code;
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** The flags each command reads (USAGE); any other is a usage error rather than silently ignored. */
const FLAGS: Record<string, readonly string[]> = {
  train: ['out', 'runs', 'epochs', 'overfit-batch', 'json', 'quiet', 'evaluate-test'],
  gradcheck: ['json'],
  search: ['runs', 'parallel', 'trials', 'resume', 'export-best', 'json'],
  diagnose: ['json'],
  'lr-find': ['json', 'apply', 'start', 'end', 'steps'],
  demo: ['runs'],
};

function checkFlags(command: string, given: string[]): void {
  const allowed = FLAGS[command];
  if (!allowed) return; // an unknown command is reported by the switch
  const extra = given.filter((f) => !allowed.includes(f));
  if (extra.length === 0) return;
  const hint = command === 'search' && extra.includes('out')
    ? ' (a search writes its trials to <runs>/<time>-<name>-search/: give the parent with --runs DIR)' : '';
  throw new UsageError(`${command} does not take ${extra.map((f) => `--${f}`).join(', ')}${hint}`);
}

function lrFindFlags(values: { start?: string; end?: string; steps?: string }): Partial<LrFindOptions> {
  const out: Partial<LrFindOptions> = {};
  for (const name of ['start', 'end', 'steps'] as const) {
    const raw = values[name];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!(Number.isFinite(n) && n > 0) || (name === 'steps' && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${name === 'steps' ? 'integer' : 'number'}`);
    out[name] = n;
  }
  return out;
}

interface TrainFlags { out?: string; runs?: string; epochs?: number; json: boolean; quiet: boolean; overfit: boolean; evaluateTest?: boolean }

/** Exit codes of `train` by end state (README, "Exit codes"). */
export const EXIT = { ok: 0, crashed: 1, user: 2, diverged: 4, interrupted: 130 } as const;

async function train(file: string, flags: TrainFlags): Promise<number> {
  const output = new Output();
  const reporter = flags.json ? null : new HumanReporter(flags.quiet);
  const sink: RunSink = reporter ? output.guard(reporter) : jsonLines(output);
  // Ctrl-C stops cleanly (checkpoint, summary and model written before exit), also before the
  // run exists: it then stops at its first gate. A second Ctrl-C leaves at once.
  let interrupted = 0;
  let stop: ((reason?: string) => void) | null = null;
  const onSigint = (): void => {
    if (++interrupted > 1) process.exit(EXIT.interrupted);
    stop?.();
  };
  process.on('SIGINT', onSigint);
  try {
    const session = await startSession({
      configPath: file, runDir: flags.out ? path.resolve(flags.out) : undefined, runsDir: flags.runs,
      mode: flags.overfit ? 'overfitBatch' : 'train', onDiverge: 'end',
      // In Overfit One Batch --epochs sets its own budget (one update on the batch an epoch).
      override: (c) => { if (flags.epochs) { if (flags.overfit) c.training.overfitBatch.iterations = flags.epochs; else c.training.epochs = flags.epochs; } },
    }, sink);
    stop = (reason) => session.trainer.command({ type: 'stop', reason });
    if (interrupted) stop();
    // `train --json | head -1`: the reader left; stop quietly with the folder complete.
    output.onClosed = () => stop?.('the output pipe was closed');
    let summary: RunSummary;
    try {
      try {
        summary = await session.trainer.run();
      } catch (e) {
        summary = session.trainer.crash(describeError(e).message.split('\n')[0]);
        throw e;
      }
      if (!output.closed) reporter?.finish(summary, session.folder.dir);
    } finally {
      try {
        session.folder.close();
      } catch { /* a failed write was reported already, with the folder's path */ }
      session.setup.backend.dispose();
    }
    if (summary.state === 'diverged') return EXIT.diverged;
    const ok = summary.state === 'finished' || summary.state === 'stopped';
    // --evaluate-test: one counted look once the run's folder is closed (and unlocked).
    if (ok && flags.evaluateTest && !interrupted) {
      const code = await evaluateCommand(session.folder.dir, flags.json);
      if (code !== 0) return code;
    }
    return ok ? EXIT.ok : EXIT.crashed;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** stdout that may close under us (EPIPE): writes stop, and the run is told once. */
class Output {
  closed = false;
  onClosed: (() => void) | null = null;

  constructor() {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
      if (this.closed) return;
      this.closed = true;
      this.onClosed?.();
    });
  }

  /** A sink that goes quiet once stdout closed. */
  guard(sink: RunSink): RunSink {
    return {
      iteration: (...a) => { if (!this.closed) sink.iteration(...a); },
      emit: (e) => { if (!this.closed) sink.emit(e); },
    };
  }
}

/** One counted look at the sealed test set of a finished (or stopped) run. */
async function evaluateCommand(runDir: string, json: boolean): Promise<number> {
  try {
    const result = await evaluateRunFolder(runDir);
    if (json) {
      const { task: _task, count: _count, ...event } = result;
      console.log(toJson(event));
    } else {
      console.log(describeTestResult(result));
    }
    return 0;
  } catch (e) {
    if (!(e instanceof EvaluateError)) throw e;
    console.error(`gradient-lab: ${e.message}`);
    return 2;
  }
}

/** `--json`: one event per line (epoch summaries included; per-iteration costs are in the run folder's costs.f64). */
function jsonLines(output: Output): RunSink {
  return output.guard({
    iteration: () => undefined,
    emit: (e: EngineEvent): void => {
      if (e.type !== 'layerStats') console.log(toJson(e));
    },
  });
}

async function gradcheck(file: string, json: boolean): Promise<number> {
  const config = loadExperiment(file);
  const setup = await createRunSetup(config, { configPath: file });
  const report = checkGradients(setup, 'gc-cli', 0);
  setup.backend.dispose();
  if (json) console.log(JSON.stringify(report));
  else printGradCheck(report);
  // Kink entries are out of every tensor's difference already; inconclusive tensors are not bugs.
  return report.tensors.some((t) => t.band === 'bug') ? 3 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  if (e instanceof UsageError || String((e as { code?: string }).code).startsWith('ERR_PARSE_ARGS_')) {
    console.error(`gradient-lab: ${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const info = describeError(e);
  if (info.code === 'engine') {
    console.error(`gradient-lab: internal error: ${info.message}`);
    process.exitCode = 1;
  } else {
    console.error(`gradient-lab: ${info.message}`);
    process.exitCode = 2;
  }
});
