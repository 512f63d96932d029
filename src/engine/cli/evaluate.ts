/**
 * `gradient-lab evaluate <run folder>` and `train --evaluate-test`: one look at the sealed test set
 * with the run's final weights, counted and recorded as the extension records it (a `testResult`
 * event in events.jsonl, which the dashboard replays, and the look count in the checkpoint and
 * summary.json, so the next look — from here or from VS Code — counts on).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toJson } from '../../shared/nonfinite';
import { RUN_FILES } from '../../shared/run-folder';
import type { EngineEvent, RunSummary } from '../../shared/protocol';
import { resolveConfig } from '../config/validate';
import { RunFolder, writeFileAtomic } from '../run/run-folder';
import { createRunSetup } from '../train/setup';
import { evaluate } from '../train/evaluate';
import { processAlive } from '../util/process';

export type TestResult = Extract<EngineEvent, { type: 'testResult' }> & { task: 'binary' | 'multiclass' | 'regression'; count: number };

/** A mistake of the user's (no such folder, no test set, a live run): a message, exit code 2. */
export class EvaluateError extends Error {}

function liveEnginePid(runDir: string): number | null {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(runDir, RUN_FILES.engine), 'utf8')) as { pid?: unknown };
    return typeof v.pid === 'number' && processAlive(v.pid) ? v.pid : null;
  } catch {
    return null;
  }
}

export async function evaluateRunFolder(runDir: string): Promise<TestResult> {
  const dir = path.resolve(runDir);
  const configFile = path.join(dir, RUN_FILES.config);
  const checkpointFile = path.join(dir, RUN_FILES.checkpoint);
  if (!fs.existsSync(configFile) || !fs.existsSync(checkpointFile)) {
    throw new EvaluateError(`${runDir}: not a run folder with a checkpoint (${RUN_FILES.config} and ${RUN_FILES.checkpoint} are needed)`);
  }
  const pid = liveEnginePid(dir);
  if (pid !== null) throw new EvaluateError(`${runDir}: the run is still going (engine pid ${pid}); evaluate it from its dashboard, or when it has ended`);
  const saved = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  const configPath = typeof saved.configPath === 'string' ? saved.configPath : undefined;
  delete saved.configPath;
  const config = resolveConfig(saved, configFile);
  const checkpoint = RunFolder.readCheckpoint(dir);
  // The same seeded split and train-only z-score as the run: the test rows and their scaling match.
  const setup = await createRunSetup(config, { configPath });
  try {
    if (setup.data.test.count === 0) {
      throw new EvaluateError(`${runDir}: this run has no test set (data.split.test is 0 and there is no data.test source)`);
    }
    setup.net.importState(checkpoint.model);
    const result = evaluate(setup.net, setup.data.test, setup.testGatherer);
    const looks = checkpoint.testLooks + 1;
    const event: Extract<EngineEvent, { type: 'testResult' }> = { type: 'testResult', iteration: checkpoint.iteration, cost: result.cost, error: result.error, looks };
    const folder = new RunFolder(dir);
    try {
      folder.emit(event);
      folder.saveCheckpoint('latest', { ...checkpoint, testLooks: looks });
    } finally {
      folder.close();
    }
    const summaryFile = path.join(dir, RUN_FILES.summary);
    if (fs.existsSync(summaryFile)) {
      const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as RunSummary;
      writeFileAtomic(summaryFile, toJson({ ...summary, testLooks: looks }, 1) + '\n');
    }
    return { ...event, task: setup.data.test.task, count: setup.data.test.count };
  } finally {
    setup.backend.dispose();
  }
}

/** "test error 3.50% (cost 0.0912) on 200 rows — look 2 at the test set". */
export function describeTestResult(r: TestResult): string {
  const error = r.task === 'regression' ? `test RMSE ${r.error.toPrecision(4)}` : `test error ${(r.error * 100).toFixed(2)}%`;
  const nth = r.looks === 1 ? 'the first look' : `look ${r.looks}`;
  return `${error} (cost ${r.cost.toPrecision(4)}) on ${r.count} rows, iteration ${r.iteration} — ${nth} at the sealed test set`
    + (r.looks > 1 ? ' (every look makes it a little less of an unbiased estimate)' : '');
}
