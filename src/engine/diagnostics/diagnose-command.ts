/**
 * The engine process's one-shot `diagnose` command (the extension's Diagnose and Find Learning
 * Rate): validate the experiment as a run would, run the checks with a progress event before
 * each, send the report. No run folder is made. Resolves with the process exit code.
 */
import type { EngineCommand } from '../../shared/protocol';
import { loadExperiment, resolveConfig } from '../config/validate';
import { ConfigError } from '../config/errors';
import { describeError, withLocations } from '../run/session';
import { createRunSetup } from '../train/setup';
import type { EventSink } from '../train/trainer';
import { diagnose } from './diagnose';

export async function runDiagnoseCommand(command: Extract<EngineCommand, { type: 'diagnose' }>, sink: EventSink): Promise<number> {
  const { configPath, requestId } = command;
  try {
    if (command.config === undefined && !configPath) {
      throw new ConfigError([{ path: '', message: 'no experiment file or config given', kind: 'semantic' }]);
    }
    const config = command.config !== undefined ? resolveConfig(command.config, configPath) : loadExperiment(configPath!);
    const setup = await withLocations(configPath, () => createRunSetup(config, { configPath }));
    try {
      const report = await diagnose(config, {
        configPath, setup, checks: command.checks, lrFind: command.lrFind,
        onProgress: (check, index, total) => sink.emit({ type: 'diagnoseProgress', check, index, total, requestId }),
      });
      sink.emit({ type: 'diagnosis', report, requestId });
      return 0;
    } finally {
      setup.backend.dispose();
    }
  } catch (e) {
    const error = describeError(e);
    sink.emit({ type: 'error', error, fatal: true });
    return error.code === 'engine' ? 1 : 2;
  }
}
