/**
 * "Diagnose": the sanity checks practitioners run by hand before a long training (Karpathy's
 * recipe, CS231n's babysitting notes, the tuning playbook), on the experiment as configured, in
 * seconds, without a run folder. Each check starts from the run's exact initial weights in its own
 * throw-away network (./probe), so none can disturb another.
 */
import type { ExperimentConfig } from '../../shared/config';
import {
  DIAGNOSE_CHECKS, overallStatus, type DiagnoseCheck, type DiagnoseCheckId, type DiagnoseReport, type LrFindOptions,
} from '../../shared/diagnosis';
import { createRunSetup, type RunSetup } from '../train/setup';
import type { Check, CheckContext } from './checks/context';
import { deadUnitsCheck } from './checks/dead-units';
import { gradientCheckCheck } from './checks/gradient-check';
import { initialLossCheck } from './checks/initial-loss';
import { inputIndependentCheck } from './checks/input-independent';
import { lrRange, lrRangeCheck } from './checks/lr-range';
import { overfitTinyCheck } from './checks/overfit-tiny';
import { regularizationCheck } from './checks/regularization';
import { updateRatioCheck } from './checks/update-ratio';

const CHECKS: Record<DiagnoseCheckId, Check> = {
  initialLoss: initialLossCheck,
  overfitTiny: overfitTinyCheck,
  inputIndependent: inputIndependentCheck,
  regularization: regularizationCheck,
  gradientCheck: gradientCheckCheck,
  updateRatio: updateRatioCheck,
  deadUnits: deadUnitsCheck,
  lrRange: lrRangeCheck,
};

export interface DiagnoseOptions {
  configPath?: string;
  /** Which checks to run, in the canonical order (default: all). */
  checks?: readonly DiagnoseCheckId[];
  lrFind?: Partial<LrFindOptions>;
  /** Called before each check (progress bars, the engine's progress events). */
  onProgress?: (check: DiagnoseCheckId, index: number, total: number) => void;
  /** An already built setup (tests); otherwise one is made from the config, as a run would. */
  setup?: RunSetup;
}

export async function diagnose(config: ExperimentConfig, options: DiagnoseOptions = {}): Promise<DiagnoseReport> {
  const started = Date.now();
  const setup = options.setup ?? await createRunSetup(config, { configPath: options.configPath });
  try {
    const wanted = new Set(options.checks ?? DIAGNOSE_CHECKS);
    const ids = DIAGNOSE_CHECKS.filter((id) => wanted.has(id));
    const memo = new Map<string, unknown>();
    const ctx: CheckContext = {
      setup,
      lrFind: options.lrFind ?? {},
      memo: <T>(key: string, make: () => T): T => {
        if (!memo.has(key)) memo.set(key, make());
        return memo.get(key) as T;
      },
    };
    const checks: DiagnoseCheck[] = [];
    for (const [index, id] of ids.entries()) {
      options.onProgress?.(id, index, ids.length);
      // Let the progress message (and a cancelling kill's IPC) out before the next check computes.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const t0 = Date.now();
      const check = CHECKS[id];
      const outcome = check.run(ctx);
      checks.push({ id, title: check.title, ...outcome, seconds: (Date.now() - t0) / 1000 });
    }
    return {
      name: config.name, configPath: options.configPath, task: setup.data.train.task, status: overallStatus(checks), checks,
      lrFind: wanted.has('lrRange') ? lrRange(ctx) : null, seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (!options.setup) setup.backend.dispose();
  }
}
