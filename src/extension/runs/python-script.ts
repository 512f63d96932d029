/**
 * Starts a user's PyTorch script as a run: the interpreter on the script with the runs folder and
 * the extension's python/ folder (python/gradient_lab) in its environment, then waits for the run
 * folder whose engine.json names the child's pid, the folder RunManager.attachFolder attaches to.
 * The script's stdout and stderr are its own (the protocol goes over the attach socket). No
 * `vscode` import: unit-tested in plain Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PythonEngineConfig } from '../../shared/config';
import type { EngineErrorInfo } from '../../shared/protocol';
import { parseJson } from '../../shared/json-locations';
import { RUN_FILES } from '../../shared/run-folder';

export interface PythonScriptOptions {
  interpreter: string;
  script: string;
  args?: string[];
  /** Ranks on this machine: the script runs under `interpreter -m torch.distributed.run --standalone`. */
  nprocPerNode?: number;
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

/**
 * The interpreter's argv: the script, or torchrun on it. `--redirects`/`--tee` are given as a
 * mapping because Debian's torch 1.13 on Python 3.11 parses their default "0" as None and
 * torchrun fails before starting a rank (enum Flag iteration skips 0); "1:2" keeps rank 1's
 * stderr in torchrun's log folder and on the console, which is what the default does.
 */
export function pythonArgv(o: Pick<PythonScriptOptions, 'script' | 'args' | 'nprocPerNode'>): string[] {
  const script = [o.script, ...(o.args ?? [])];
  if (!o.nprocPerNode) return script;
  return ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', String(o.nprocPerNode), '--redirects', '1:2', '--tee', '1:2', ...script];
}

export function launchPythonScript(o: PythonScriptOptions, timeoutMs = 120_000): PythonScript {
  const launchId = randomBytes(8).toString('hex');
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, GRADIENT_LAB_RUNS_DIR: o.runsDir, GRADIENT_LAB_LAUNCH_ID: launchId, PYTHONUNBUFFERED: '1' };
  env.PYTHONPATH = [o.modulePath, env.PYTHONPATH].filter((p): p is string => !!p).join(path.delimiter);
  const child = spawn(o.interpreter, pythonArgv(o), { cwd: o.cwd ?? path.dirname(o.script), env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      const found = await findEngineFolder(o.runsDir, { launchId, pid: child.pid });
      if (found) return found;
      // Ended already (a crash in its first steps): its folder, without engine.json, is the run to show.
      const ended = done ? await findLaunchFolder(o.runsDir, launchId) : null;
      if (ended) return ended;
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

/** The newest sub-folder of `runsDir` whose JSON file `file` satisfies `matches`, or null. */
async function findRunFolderBy(runsDir: string, file: string, matches: (json: Record<string, unknown>) => boolean): Promise<string | null> {
  let names: string[];
  try {
    names = await fs.readdir(runsDir);
  } catch {
    return null;
  }
  for (const name of names.sort().reverse()) {
    try {
      const json = JSON.parse(await fs.readFile(path.join(runsDir, name, file), 'utf8')) as unknown;
      if (typeof json === 'object' && json !== null && matches(json as Record<string, unknown>)) return path.join(runsDir, name);
    } catch { /* not such a run folder */ }
  }
  return null;
}

/** The sub-folder of `runsDir` whose engine.json names the launch id (or, from a module without one, the pid), or null. */
export function findEngineFolder(runsDir: string, by: { launchId?: string; pid?: number }): Promise<string | null> {
  return findRunFolderBy(runsDir, RUN_FILES.engine, (info) =>
    (by.launchId !== undefined && info.launchId === by.launchId) || (by.pid !== undefined && info.pid === by.pid));
}

/** The sub-folder of `runsDir` whose config.json records the launch id (the module writes it there too), or null. */
export function findLaunchFolder(runsDir: string, launchId: string): Promise<string | null> {
  return findRunFolderBy(runsDir, RUN_FILES.config, (config) => {
    const python = config.python;
    return typeof python === 'object' && python !== null && (python as { launchId?: unknown }).launchId === launchId;
  });
}

/** A script's exception in a run folder's events.jsonl (code 'python'), the last one; null when there is none. */
export async function pythonCrashOf(runDir: string): Promise<EngineErrorInfo | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, RUN_FILES.events), 'utf8');
  } catch {
    return null;
  }
  let found: EngineErrorInfo | null = null;
  for (const line of text.split('\n')) {
    if (!line.includes('"type":"error"')) continue;
    try {
      const e = JSON.parse(line) as { type?: string; error?: EngineErrorInfo };
      if (e.type === 'error' && e.error?.code === 'python') found = e.error;
    } catch { /* a torn last line */ }
  }
  return found;
}

/** The `engine` block of an experiment's text when it names a Python script (schema/nn.schema.json `engine`), else undefined. */
export function pythonEngineOf(text: string): PythonEngineConfig | undefined {
  let value: unknown;
  try {
    value = parseJson(text, { allowComments: true, allowTrailingCommas: true }).value;
  } catch {
    return undefined;
  }
  const engine = isRecord(value) ? value.engine : undefined;
  if (!isRecord(engine) || typeof engine.python !== 'string' || !engine.python) return undefined;
  const out: PythonEngineConfig = { python: engine.python };
  if (Array.isArray(engine.args) && engine.args.every((a) => typeof a === 'string')) out.args = engine.args as string[];
  if (typeof engine.interpreter === 'string' && engine.interpreter) out.interpreter = engine.interpreter;
  const t = engine.torchrun;
  if (isRecord(t) && Number.isInteger(t.nprocPerNode) && (t.nprocPerNode as number) >= 1) out.torchrun = { nprocPerNode: t.nprocPerNode as number };
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What to start for an experiment naming a script: the script's absolute path (relative to the experiment's folder). */
export function pythonLaunchOf(configPath: string, engine: PythonEngineConfig): Pick<PythonScriptOptions, 'script' | 'args' | 'nprocPerNode'> & { interpreter?: string } {
  return {
    script: path.resolve(path.dirname(configPath), engine.python),
    args: engine.args ?? [],
    ...(engine.interpreter ? { interpreter: engine.interpreter } : {}),
    ...(engine.torchrun ? { nprocPerNode: engine.torchrun.nprocPerNode } : {}),
  };
}

/**
 * The interpreter for a script: the experiment's `engine.interpreter`, else `gradientLab.python.interpreter`
 * when the user set it, else the Python extension's selected environment, else `python3`.
 */
export function chooseInterpreter(o: { experiment?: string; setting?: string; pythonExtension?: string }): string {
  return o.experiment || o.setting || o.pythonExtension || 'python3';
}
