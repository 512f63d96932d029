/**
 * One Diagnose (or Find Learning Rate) of an experiment file in an engine of its own: fork the
 * engine, send the one-shot `diagnose` command, pass its progress on, resolve with the report.
 * Cancelling kills the engine (a check is seconds of pure computation: there is nothing to save).
 * No vscode import, so the host tests drive it with the real dist/engine.js.
 */
import type { DiagnoseCheckId, DiagnoseReport, LrFindOptions } from '../../shared/diagnosis';
import type { EngineErrorInfo } from '../../shared/protocol';
import type { EngineHandle } from '../runs/engine-process';

export interface DiagnoseRequest {
  configPath: string;
  checks?: DiagnoseCheckId[];
  lrFind?: Partial<LrFindOptions>;
}

/** The engine refused the experiment (config/data error, located) or failed. */
export class DiagnoseError extends Error {
  constructor(readonly info: EngineErrorInfo) {
    super(info.message.split('\n')[0]);
  }
}

export interface DiagnoseRun {
  /** The report; null when cancelled. Rejects with DiagnoseError. */
  readonly result: Promise<DiagnoseReport | null>;
  cancel(): void;
}

export function startDiagnose(spawn: () => EngineHandle, request: DiagnoseRequest,
  onProgress?: (check: DiagnoseCheckId, index: number, total: number) => void): DiagnoseRun {
  const engine = spawn();
  let cancelled = false;
  const result = new Promise<DiagnoseReport | null>((resolve, reject) => {
    let report: DiagnoseReport | null = null;
    let error: EngineErrorInfo | null = null;
    const stderr: string[] = [];
    const subs = [
      engine.onEvent((e) => {
        if (e.type === 'diagnoseProgress') onProgress?.(e.check, e.index, e.total);
        else if (e.type === 'diagnosis') report = e.report;
        else if (e.type === 'error') error = e.error;
      }),
      engine.onStderr((text) => {
        if (stderr.length < 50) stderr.push(text);
      }),
      engine.onExit((exit) => {
        for (const s of subs) s.dispose();
        if (cancelled) resolve(null);
        else if (report) resolve(report);
        else reject(new DiagnoseError(error ?? { code: 'engine', message: `the engine exited (${exit.signal ?? `code ${exit.code}`}) without a report${stderr.length ? `: ${stderr.join('').trim().slice(0, 500)}` : ''}` }));
      }),
    ];
    if (!engine.send({ type: 'diagnose', configPath: request.configPath, checks: request.checks, lrFind: request.lrFind })) {
      engine.kill();
    }
  });
  return {
    result,
    cancel: () => {
      cancelled = true;
      engine.kill();
    },
  };
}
