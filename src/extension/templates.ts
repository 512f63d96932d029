/**
 * The experiment templates: the files shipped in the extension's `examples/` folder (course lessons
 * included) and "Blank", grouped by course lesson for New Experiment's picker. Pure (Node only).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { jsonSet } from '../shared/json-edit';

export interface Template {
  /** The file to copy; undefined for Blank (its text is `text`). */
  file?: string;
  /** Path relative to examples/, with forward slashes ("blank.nn.json" for Blank). */
  relative: string;
  name: string;
  /** One line: what the template shows. */
  description?: string;
  /** The course lesson it belongs to (a separator in the picker). */
  lesson: Lesson;
  /** Blank's content. */
  text?: string;
}

/** Lessons in the order of the course, then the templates that belong to none. */
export const LESSONS = [
  'Start here', 'Initialisation', 'Regularisation', 'Optimisation', 'Batch norm', 'Softmax',
  'Gradient checking', 'Hyperparameter search', 'Other',
] as const;
export type Lesson = (typeof LESSONS)[number];

/** Lesson and one-line description of each shipped example (test/host/newcomer.test.ts: every example has one). */
export const CATALOGUE: Readonly<Record<string, { lesson: Lesson; description: string }>> = {
  'moons.nn.json': { lesson: 'Start here', description: 'Two interleaved half-moons, two ReLU layers, Adam: trains in seconds.' },
  'initialization.zeros.nn.json': { lesson: 'Initialisation', description: 'All-zero weights: symmetry is never broken, stuck at 50 % with cost ln 2.' },
  'initialization.random.nn.json': { lesson: 'Initialisation', description: 'Large random weights (scale 10): a huge first cost, an overconfident model.' },
  'initialization.he.nn.json': { lesson: 'Initialisation', description: 'He initialisation for ReLU: > 90 % on the circles.' },
  'regularization.none.nn.json': { lesson: 'Regularisation', description: 'A big net on a noisy set, no regularisation: the largest train–dev gap.' },
  'regularization.l2.nn.json': { lesson: 'Regularisation', description: 'The same net with L2 weight decay: the gap closes.' },
  'regularization.dropout.nn.json': { lesson: 'Regularisation', description: 'The same net with inverted dropout (keepProb 0.7).' },
  'optimizers.gd.nn.json': { lesson: 'Optimisation', description: 'Gradient descent on moons with a small learning rate: the slow baseline.' },
  'optimizers.momentum.nn.json': { lesson: 'Optimisation', description: 'The same with momentum (β = 0.9): an EWA of the gradients.' },
  'optimizers.adam.nn.json': { lesson: 'Optimisation', description: 'The same with Adam: momentum + RMSprop, clearly ahead.' },
  'schedules.one-cycle.nn.json': { lesson: 'Optimisation', description: 'Digits with a one-cycle learning rate (up, then annealed) and gradient clipping.' },
  'batchnorm.nn.json': { lesson: 'Batch norm', description: 'Three batch-normalised ReLU layers on the spiral, a large learning rate.' },
  'digits.softmax.nn.json': { lesson: 'Softmax', description: 'Softmax over the ten 8×8 digits: < 5 % dev error.' },
  'gradcheck.all-layers.nn.json': { lesson: 'Gradient checking', description: 'Every layer type, L1 + L2, float64: every tensor checks below 1e-7.' },
  'search.moons.nn.json': { lesson: 'Hyperparameter search', description: 'Random search: log-scale learning rate, 1 − β on a log scale, layer sizes.' },
};

/** A starting point with every section present and small defaults; the schema's hover docs explain each field. */
export const BLANK_TEXT = `${JSON.stringify({
  name: 'blank',
  seed: 1,
  data: { source: 'moons', samples: 600, noise: 0.2 },
  model: { hidden: [{ units: 16, activation: 'relu' }] },
  training: { epochs: 100, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.001 } },
}, null, 2)}\n`;

export const BLANK: Template = {
  relative: 'blank.nn.json', name: 'Blank', lesson: 'Start here', text: BLANK_TEXT,
  description: 'The smallest complete experiment (moons, one hidden layer, Adam), to fill in yourself.',
};

async function walk(dir: string, depth: number, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) await walk(p, depth - 1, out);
    else if (e.isFile() && e.name.endsWith('.nn.json')) out.push(p);
  }
}

/** The shipped examples, in lesson order (then by file name). */
export async function listTemplates(examplesDir: string): Promise<Template[]> {
  const files: string[] = [];
  await walk(examplesDir, 2, files);
  const templates = await Promise.all(files.map(async (file): Promise<Template> => {
    const relative = path.relative(examplesDir, file).split(path.sep).join('/');
    const known = CATALOGUE[relative];
    let name = path.basename(file, '.nn.json');
    let description = known?.description;
    try {
      const json = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
      if (typeof json.name === 'string') name = json.name;
      if (!description && typeof json.$comment === 'string') description = json.$comment;
    } catch {
      // A template that does not parse is still listed; the schema will point at the problem.
    }
    return { file, relative, name, description, lesson: known?.lesson ?? 'Other' };
  }));
  return templates.sort((a, b) => LESSONS.indexOf(a.lesson) - LESSONS.indexOf(b.lesson) || lessonOrder(a) - lessonOrder(b) || a.relative.localeCompare(b.relative));
}

/** Within a lesson, the catalogue's order (the order the course tells the story in). */
function lessonOrder(t: Template): number {
  const i = Object.keys(CATALOGUE).indexOf(t.relative);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

export type TemplatePickEntry = { separator: Lesson } | { template: Template };

/** The picker's rows: a separator per lesson, then its templates; Blank first under "Start here". */
export function templatePickEntries(templates: readonly Template[], withBlank: boolean): TemplatePickEntry[] {
  const all = withBlank ? [BLANK, ...templates] : [...templates];
  const out: TemplatePickEntry[] = [];
  for (const lesson of LESSONS) {
    const inLesson = all.filter((t) => t.lesson === lesson);
    if (!inLesson.length) continue;
    out.push({ separator: lesson }, ...inLesson.map((template) => ({ template })));
  }
  return out;
}

/** The text written for a new experiment: the template's, with `name` set to the new file's name. */
export async function templateText(template: Template, target: string): Promise<string> {
  const text = template.text ?? await fs.readFile(template.file!, 'utf8');
  const name = path.basename(target).replace(/\.nn\.json$/, '');
  try {
    return jsonSet(text, [{ pointer: '/name', value: name }]);
  } catch {
    return text; // not an object (a broken template): copied as is, the diagnostics will say why
  }
}

/** `name.nn.json`, or `name-2.nn.json`… when taken. */
export async function uniqueFile(dir: string, fileName: string): Promise<string> {
  const base = fileName.replace(/\.nn\.json$/, '');
  for (let k = 1; ; k++) {
    const candidate = path.join(dir, k === 1 ? `${base}.nn.json` : `${base}-${k}.nn.json`);
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}
