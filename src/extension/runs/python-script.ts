/**
 * Starts a user's PyTorch script as a run: the interpreter on the script with the runs folder and
 * the extension's python/ folder (python/gradient_lab) in its environment, then waits for the run
 * folder whose engine.json names the child's pid, the folder RunManager.attachFolder attaches to.
 * The script's stdout and stderr are its own (the protocol goes over the attach socket). No
 * `vscode` import: unit-tested in plain Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../../shared/run-folder';

export interface PythonScriptOptions {
  interpreter: string;
  script: string;
  args?: string[];
  runsDir: string;
  /** The folder holding the gradient_lab package (the extension's python/). */
  modulePath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Each chunk the script writes to stdout or stderr. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
}

export interface PythonScript {
  child: ChildProcess;
  /** The run folder once the script's gradient_lab.attach() wrote engine.json. */
  runDir: Promise<string>;
  /** The script's exit code (null with a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The last lines of a text, for an error message. */
function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function launchPythonScript(o: PythonScriptOptions, timeoutMs = 120_000): PythonScript {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, GRADIENT_LAB_RUNS_DIR: o.runsDir, PYTHONUNBUFFERED: '1' };
  env.PYTHONPATH = [o.modulePath, env.PYTHONPATH].filter((p): p is string => !!p).join(path.delimiter);
  const child = spawn(o.interpreter, [o.script, ...(o.args ?? [])], { cwd: o.cwd ?? path.dirname(o.script), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (t: string) => o.onOutput?.(t, 'stdout'));
  child.stderr?.setEncoding('utf8').on('data', (t: string) => {
    stderr = (stderr + t).slice(-20_000);
    o.onOutput?.(t, 'stderr');
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      stderr += `\n${o.interpreter}: ${err.message}`;
      done = true;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const runDir = (async () => {
    const start = Date.now();
    for (;;) {
      const found = child.pid !== undefined ? await findEngineFolder(o.runsDir, child.pid) : null;
      if (found) return found;
      if (done) {
        const why = tail(stderr) || 'no output';
        throw new Error(`${path.basename(o.script)} ended before it called gradient_lab.attach():\n${why}`);
      }
      if (Date.now() - start > timeoutMs) {
        throw new Error(`${path.basename(o.script)} did not call gradient_lab.attach() within ${Math.round(timeoutMs / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  runDir.catch(() => undefined);
  return { child, runDir, exited };
}

/** The sub-folder of `runsDir` whose engine.json names `pid`, or null. */
export async function findEngineFolder(runsDir: string, pid: number): Promise<string | null> {
  let names: string[];
  try {
    names = await fs.readdir(runsDir);
  } catch {
    return null;
  }
  for (const name of names.sort().reverse()) {
    try {
      const info = JSON.parse(await fs.readFile(path.join(runsDir, name, RUN_FILES.engine), 'utf8')) as { pid?: unknown };
      if (info.pid === pid) return path.join(runsDir, name);
    } catch { /* not a live run folder */ }
  }
  return null;
}
