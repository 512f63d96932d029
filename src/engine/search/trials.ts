/**
 * A trial's record, experiment, run folder and metric: what the runner makes for each trial it
 * samples and starts, and reads from each epoch it reports.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../shared/config';
import type { EpochSummary } from '../../shared/protocol';
import type { SearchFile, SearchMetric, TrialRecord } from '../../shared/search-protocol';
import { rungPlan } from '../../shared/search-rungs';
import { setPath } from '../config/paths';
import { resolveConfig } from '../config/validate';
import { bracketFor } from './policy';
import { sampleTrial } from './sampling';

export const trialName = (id: number): string => `trial-${String(id).padStart(3, '0')}`;

/** `count` new trials of `round`, sampled in its box (queued, numbered after the last trial); not yet in `file`. */
export function sampleTrials(file: SearchFile, round: number, count: number): TrialRecord[] {
  const { box } = file.roundBoxes[round];
  let inRound = file.trials.filter((t) => t.round === round).length;
  let nextId = file.trials.reduce((m, t) => Math.max(m, t.id), 0) + 1;
  const plan = rungPlan(file.earlyTermination, file.epochsPerTrial);
  return Array.from({ length: count }, () => {
    const { values, coords } = sampleTrial(file.space, file.seed, round, inRound++, box);
    const id = nextId++;
    const t: TrialRecord = {
      id, name: trialName(id), round, values, coords, state: 'queued', metric: null, metricName: file.metric,
      curve: [], epoch: 0, epochs: file.epochsPerTrial, runDir: null, best: false, attempts: 0,
    };
    const bracket = bracketFor(file.seed, id, plan);
    if (bracket !== undefined) t.bracket = bracket;
    return t;
  });
}

/** The trial's experiment: the file's config with the sampled values, the trial's epochs, no search block. */
export function trialConfig(base: ExperimentConfig, file: SearchFile, t: TrialRecord): ExperimentConfig {
  const c = structuredClone(base) as unknown as Record<string, unknown> & ExperimentConfig;
  delete c.search;
  for (const d of file.space) setPath(c, d.path, t.values[d.path]);
  c.name = `${base.name}-${t.name}`.slice(0, 100);
  c.training.epochs = t.epochs;
  // Parallel trials share the cores: without an explicit thread count, split them.
  if (c.training.threads === 0 && file.parallel > 1) {
    c.training.threads = Math.max(1, Math.floor(os.availableParallelism() / file.parallel));
  }
  return resolveConfig(c);
}

/** Whether the trial's run folder can be continued: it has a checkpoint and the config it ran. */
export function canResumeTrial(t: TrialRecord): t is TrialRecord & { runDir: string } {
  return t.runDir !== null && fs.existsSync(path.join(t.runDir, 'checkpoints', 'latest.json')) && fs.existsSync(path.join(t.runDir, 'config.json'));
}

/** A new run folder for the trial in the search folder: `trial-007`, or `trial-007-2` for a re-run. */
export function freshTrialDir(searchDir: string, t: TrialRecord): string {
  for (let k = 1; ; k++) {
    const dir = path.join(searchDir, k === 1 ? t.name : `${t.name}-${k}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

const pick = (s: EpochSummary, metric: SearchMetric): number | null => {
  switch (metric) {
    case 'devError': return s.devError;
    case 'devLoss': return s.devCost;
    case 'trainError': return s.trainError;
    case 'trainLoss': return s.trainCost;
  }
};

/** The metric of an epoch summary, and which it is: the train-set one when there is no dev set. */
export function epochMetric(s: EpochSummary, wanted: SearchMetric): { value: number | null; metric: SearchMetric } {
  const value = pick(s, wanted);
  if (value !== null || !wanted.startsWith('dev')) return { value, metric: wanted };
  const fallback: SearchMetric = wanted === 'devError' ? 'trainError' : 'trainLoss';
  return { value: pick(s, fallback), metric: fallback };
}
