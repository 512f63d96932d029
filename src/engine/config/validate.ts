/**
 * Validation of experiment files against `schema/nn.schema.json` (the same schema VS Code uses
 * for IntelliSense), defaults, human-readable errors located by line and column, and the checks
 * a schema cannot express (split ratios sum to 1, search paths exist, ...).
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../../schema/nn.schema.json';
import type { ExperimentConfig, SearchDistribution } from '../../shared/config';
import { bracketCount, DEFAULT_ETA } from '../../shared/search-rungs';
import { ConfigError, type ConfigIssue } from './errors';
import { JsonSyntaxError, escapePointerToken, locateIn, parseJson, type ParsedJson } from '../../shared/json-locations';
import {
  PathSyntaxError,
  allSchemaPaths,
  formatPath,
  parsePath,
  schemaAt,
  setPath,
  type PathSegment,
} from './paths';
import { didYouMean } from './suggest';

/** The experiment schema (draft-07), e.g. for tools that want to show it. */
export const experimentSchema: object = schema;

/** Keywords VS Code understands that are annotations only. */
const EDITOR_KEYWORDS = ['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'defaultSnippets'];

let compiled: ValidateFunction | undefined;

/** The compiled validator (compiled once). It fills defaults in place. */
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({
      allErrors: true,
      useDefaults: true,
      strict: true,
      allowUnionTypes: true,
      verbose: true,
      // Every engine process compiles the schema once and validates a handful of files with it:
      // skipping Ajv's passes over the generated code saves ≈ 30 % of the compile (≈ 60 ms of a start).
      code: { optimize: false },
    });
    for (const keyword of EDITOR_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'array', 'object'] });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

interface RawIssue {
  path: string;
  message: string;
}

type Located = { parsed?: ParsedJson };

// ---------------------------------------------------------------------------------------------
// Public API

/** Reads, parses and resolves an experiment file. Throws ConfigError (or the fs error). */
export function loadExperiment(filePath: string): ExperimentConfig {
  return resolveConfigText(readFileSync(filePath, 'utf8'), filePath);
}

/** Parses and resolves the text of an experiment file; issues carry line and column. */
export function resolveConfigText(text: string, file?: string): ExperimentConfig {
  const result = checkConfigText(text);
  if (!result.ok) throw new ConfigError(result.issues, file);
  return result.config;
}

/**
 * Validates an already-parsed experiment (not modified) and returns a deep copy with every
 * default filled in. `sourceText`, when given, is the JSON it was parsed from, used to add line
 * and column to the issues. Throws ConfigError.
 */
export function resolveConfig(json: unknown, file?: string, sourceText?: string): ExperimentConfig {
  let parsed: ParsedJson | undefined;
  if (sourceText !== undefined) {
    try {
      parsed = parseJson(sourceText);
    } catch {
      parsed = undefined;
    }
  }
  const result = checkParsed(json, { parsed });
  if (!result.ok) throw new ConfigError(result.issues, file);
  return result.config;
}

export type CheckResult = { ok: true; config: ExperimentConfig } | { ok: false; issues: ConfigIssue[] };

/** Non-throwing form of `resolveConfigText`, for the editor's diagnostics. */
export function checkConfigText(text: string): CheckResult {
  let parsed: ParsedJson;
  try {
    parsed = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      return {
        ok: false,
        issues: [
          {
            path: '',
            message: e.detail,
            line: e.line,
            column: e.column,
            endLine: e.line,
            endColumn: e.column + 1,
            kind: 'syntax',
          },
        ],
      };
    }
    throw e;
  }
  if (parsed.duplicateKeys.length > 0) {
    return {
      ok: false,
      issues: parsed.duplicateKeys.map(({ pointer, key }) => ({
        path: pointer,
        message: `duplicate key "${lastToken(pointer)}" (the earlier value would be silently ignored)`,
        line: key.start.line,
        column: key.start.column,
        endLine: key.end.line,
        endColumn: key.end.column,
        kind: 'syntax',
      })),
    };
  }
  return checkParsed(parsed.value, { parsed });
}

/** Non-throwing form of `resolveConfig`. */
export function checkConfig(json: unknown): CheckResult {
  return checkParsed(json, {});
}

// ---------------------------------------------------------------------------------------------
// Validation

function checkParsed(json: unknown, where: Located): CheckResult {
  let data: unknown;
  try {
    data = structuredClone(json);
  } catch {
    return { ok: false, issues: [{ path: '', message: 'is not plain JSON data', kind: 'schema' }] };
  }
  const validate = validator();
  if (!validate(data)) {
    return { ok: false, issues: locateAll(humanize(validate.errors ?? []), 'schema', where) };
  }
  const config = data as ExperimentConfig & { $schema?: string };
  delete config.$schema;
  splitDefaults(config, json);
  const semantic = semanticIssues(config, json);
  if (semantic.length > 0) return { ok: false, issues: locateAll(semantic, 'semantic', where) };
  return { ok: true, config };
}

function locateAll(raw: RawIssue[], kind: ConfigIssue['kind'], where: Located): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const r of raw) {
    const id = `${r.path}\u0000${r.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const issue: ConfigIssue = { path: r.path, message: r.message, kind };
    const loc = where.parsed ? locateIn(where.parsed, r.path) : undefined;
    if (loc) {
      issue.line = loc.line;
      issue.column = loc.column;
      issue.endLine = loc.endLine;
      issue.endColumn = loc.endColumn;
    }
    issues.push(issue);
  }
  // Document order where known (stable otherwise).
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => {
      const la = a.issue.line ?? Infinity;
      const lb = b.issue.line ?? Infinity;
      if (la !== lb) return la - lb;
      const ca = a.issue.column ?? 0;
      const cb = b.issue.column ?? 0;
      return ca !== cb ? ca - cb : a.i - b.i;
    })
    .map((x) => x.issue);
}

function lastToken(pointer: string): string {
  const t = pointer.slice(pointer.lastIndexOf('/') + 1);
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

// ---------------------------------------------------------------------------------------------
// Turning ajv's errors into messages for people

const SOURCE_FORMS =
  'a data set name ("moons", "circles", "spiral", "xor", "gaussian", "flower", "digits", "breast-cancer"), ' +
  '{"csv": "file.csv", "label"?, "header"?, "task"?} or {"idx": {"images": "...", "labels": "..."}}';
const SOURCE_NAMES = ['moons', 'circles', 'spiral', 'xor', 'gaussian', 'flower', 'digits', 'breast-cancer'];
const DISTRIBUTIONS = ['log', 'oneMinusLog', 'uniform', 'int', 'choice'];
const DISTRIBUTION_FORMS =
  '{"log": [a, b]}, {"oneMinusLog": [a, b]}, {"uniform": [a, b]}, {"int": [a, b]} or {"choice": [...]}';

interface OneOfRule {
  /** The schema holding the oneOf (ajv may inline it, so it is matched by identity). */
  schema: unknown;
  /** The branch whose errors are worth showing for this value, or one message for all. */
  pick(value: unknown): number | string;
}

const ONE_OF_RULES: OneOfRule[] = [
  {
    schema: schema.definitions.dataSource,
    pick(value) {
      if (typeof value === 'string') {
        return `unknown data source "${value}"${didYouMean(value, SOURCE_NAMES)}; expected ${SOURCE_FORMS}`;
      }
      if (isObject(value)) {
        const hasCsv = 'csv' in value;
        const hasIdx = 'idx' in value;
        if (hasCsv && !hasIdx) return 1;
        if (hasIdx && !hasCsv) return 2;
        if (hasCsv && hasIdx) return 'give either "csv" or "idx", not both';
        return `an object data source needs a "csv" or an "idx" field; expected ${SOURCE_FORMS}`;
      }
      return `must be ${SOURCE_FORMS}`;
    },
  },
  {
    schema: schema.definitions.distribution,
    pick(value) {
      if (!isObject(value)) return `must be a distribution: ${DISTRIBUTION_FORMS}`;
      const keys = Object.keys(value);
      const known = keys.filter((k) => DISTRIBUTIONS.includes(k));
      if (known.length === 1) return DISTRIBUTIONS.indexOf(known[0]);
      if (known.length > 1) return `give exactly one distribution, found ${known.map((k) => `"${k}"`).join(' and ')}`;
      if (keys.length === 1) {
        return `unknown distribution "${keys[0]}"${didYouMean(keys[0], DISTRIBUTIONS)}; expected ${DISTRIBUTION_FORMS}`;
      }
      return `must be one distribution: ${DISTRIBUTION_FORMS}`;
    },
  },
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function within(instancePath: string, base: string): boolean {
  return instancePath === base || instancePath.startsWith(base + '/');
}

function humanize(errors: ErrorObject[]): RawIssue[] {
  let remaining = errors.filter((e) => e.keyword !== 'if');
  const out: RawIssue[] = [];
  // Collapse the noise of oneOf branches into what the user most likely meant.
  for (const rule of ONE_OF_RULES) {
    const groups = remaining.filter((e) => e.keyword === 'oneOf' && e.parentSchema === rule.schema);
    for (const group of groups) {
      const base = group.instancePath;
      const prefix = group.schemaPath;
      const members = (e: ErrorObject): boolean =>
        within(e.instancePath, base) && (e === group || e.schemaPath.startsWith(prefix + '/'));
      const picked = rule.pick(group.data);
      if (typeof picked === 'string') {
        out.push({ path: base, message: picked });
        // Everything under this value came from the oneOf's branches (some through a $ref).
        remaining = remaining.filter((e) => !within(e.instancePath, base));
      } else {
        const branch = `${prefix}/${picked}/`;
        remaining = remaining.filter((e) => !members(e) || e.schemaPath.startsWith(branch));
      }
    }
  }
  // An enum error already says what is allowed; the type error beside it adds nothing.
  const enumAt = new Set(remaining.filter((e) => e.keyword === 'enum').map((e) => e.instancePath));
  remaining = remaining.filter((e) => !(e.keyword === 'type' && enumAt.has(e.instancePath)));
  for (const e of remaining) out.push(describe(e));
  return out;
}

function quote(v: unknown): string {
  return JSON.stringify(v);
}

function typeName(t: string): string {
  switch (t) {
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'null':
      return 'null';
    default:
      return t;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${quote(v.length > 40 ? v.slice(0, 37) + '...' : v)}`;
  return String(v);
}

const DISCRIMINATED: Record<string, string> = {
  '/training/optimizer': 'optimizer',
  '/training/lrDecay': 'lrDecay',
};

function describe(e: ErrorObject): RawIssue {
  const path = e.instancePath;
  const params = e.params as Record<string, unknown>;
  const parentSchema = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(params.additionalProperty);
      const fieldPath = `${path}/${escapePointerToken(prop)}`;
      const props = Object.keys((parentSchema.properties as object | undefined) ?? {});
      if (e.schemaPath.includes('/then/') && isObject(e.data)) {
        const what = DISCRIMINATED[path] ?? path.slice(path.lastIndexOf('/') + 1);
        const accepted = props.filter((p) => p !== 'type');
        return {
          path: fieldPath,
          message:
            `field "${prop}" does not apply to ${what} type ${quote(e.data.type)}` +
            (accepted.length ? ` (it takes ${accepted.map((p) => `"${p}"`).join(', ')})` : ' (it takes no other fields)'),
        };
      }
      return { path: fieldPath, message: `unknown field "${prop}"${didYouMean(prop, props)}` };
    }
    case 'required':
      return { path, message: `missing required field "${String(params.missingProperty)}"` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.filter((a): a is string => typeof a === 'string')) : '';
      return { path, message: `must be one of ${allowed.map(quote).join(', ')} (got ${describeValue(e.data)})${hint}` };
    }
    case 'type': {
      const types = String(params.type).split(',');
      const wanted = types.map(typeName).join(' or ');
      const got =
        types.includes('integer') && typeof e.data === 'number' ? String(e.data) : describeValue(e.data);
      return { path, message: `must be ${wanted} (got ${got})` };
    }
    case 'minItems':
    case 'maxItems':
      if (parentSchema.minItems === 2 && parentSchema.maxItems === 2) {
        return { path, message: 'must be a pair [low, high]' };
      }
      if (e.keyword === 'minItems' && params.limit === 1) return { path, message: 'must not be empty' };
      return { path, message: e.message ?? e.keyword };
    case 'minLength':
      if (params.limit === 1) return { path, message: 'must not be empty' };
      return { path, message: e.message ?? e.keyword };
    case 'minProperties':
      if (path === '/search/space') {
        return { path, message: 'must name at least one hyperparameter, e.g. {"training.optimizer.learningRate": {"log": [1e-4, 0.1]}}' };
      }
      return { path, message: e.message ?? e.keyword };
    case 'propertyNames':
      return { path, message: 'has an invalid key' };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

// ---------------------------------------------------------------------------------------------
// Checks beyond the schema

function rawAt(raw: unknown, ...keys: string[]): unknown {
  let cur = raw;
  for (const k of keys) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

/**
 * With dev and/or test from their own sources, a part the file does not give a ratio for is not
 * carved out of the training source: the default 60/20/20 would silently take 20 % of a training
 * file for a test set nobody asked for. Explicit ratios are kept (the caller asked).
 */
function splitDefaults(config: ExperimentConfig, raw: unknown): void {
  const { data } = config;
  if (data.dev === undefined && data.test === undefined) return;
  for (const part of ['dev', 'test'] as const) {
    if (data[part] === undefined && rawAt(raw, 'data', 'split', part) === undefined) data.split[part] = 0;
  }
}

function semanticIssues(config: ExperimentConfig, raw: unknown): RawIssue[] {
  const issues: RawIssue[] = [];
  const { data } = config;
  const hasDevSource = data.dev !== undefined;
  const hasTestSource = data.test !== undefined;

  if (!hasDevSource && !hasTestSource) {
    const { train, dev, test } = data.split;
    const sum = train + dev + test;
    if (Math.abs(sum - 1) > 1e-9) {
      const part = (name: 'train' | 'dev' | 'test', v: number): string =>
        `${name} ${v}${rawAt(raw, 'data', 'split', name) === undefined ? ' (default)' : ''}`;
      issues.push({
        path: '/data/split',
        message: `the split ratios must sum to 1, but ${part('train', train)} + ${part('dev', dev)} + ${part('test', test)} = ${+sum.toFixed(12)}`,
      });
    }
  }

  if (hasDevSource || hasTestSource) {
    // The training source gives up only the parts without a source of their own.
    const carved = (hasDevSource ? 0 : data.split.dev) + (hasTestSource ? 0 : data.split.test);
    if (carved >= 1) {
      issues.push({
        path: '/data/split',
        message: `data.split takes ${+carved.toFixed(12)} of the training source for ${hasDevSource ? 'test' : 'dev'}, leaving nothing to train on; lower it below 1`,
      });
    }
  }

  // A generated set needs one point per class (spiral has 3); the schema's minimum is the binary sets'.
  const generatedClasses = data.source === 'spiral' ? 3 : 2;
  if (typeof data.source === 'string' && data.source !== 'digits' && data.source !== 'breast-cancer' && data.samples < generatedClasses) {
    issues.push({ path: '/data/samples', message: `"${data.source}" has ${generatedClasses} classes, so it needs at least ${generatedClasses} samples, got ${data.samples}` });
  }

  const devEmpty = !hasDevSource && data.split.dev === 0;
  const es = config.training.earlyStopping;
  if (es.enabled && es.monitor.startsWith('dev') && devEmpty) {
    issues.push({
      path: '/training/earlyStopping/monitor',
      message: `early stopping monitors "${es.monitor}" but there is no dev set (data.split.dev is 0); give the dev split a share or monitor "trainLoss"`,
    });
  }

  issues.push(...scheduleIssues(config, devEmpty));

  if (config.search) {
    const s = config.search;
    if (s.mode === 'max') {
      issues.push({
        path: '/search/mode',
        message: `"max" would pick the worst trials: "${s.metric}" is an error/loss, lower is better; use "min"`,
      });
    }
    if (s.metric.startsWith('dev') && devEmpty) {
      issues.push({
        path: '/search/metric',
        message: `the search ranks trials by "${s.metric}" but there is no dev set (data.split.dev is 0)`,
      });
    }
    for (const [key, dist] of Object.entries(s.space)) {
      const message = checkSearchEntry(config, key, dist);
      if (message) issues.push({ path: `/search/space/${escapePointerToken(key)}`, message });
    }
    issues.push(...earlyTerminationIssues(config, s.epochsPerTrial ?? config.training.epochs));
  }
  return issues;
}

/** What the schema cannot say about a learning-rate schedule: it must be able to act in this experiment. */
function scheduleIssues(config: ExperimentConfig, devEmpty: boolean): RawIssue[] {
  const d = config.training.lrDecay;
  const at = '/training/lrDecay';
  const lr = config.training.optimizer.learningRate;
  const issues: RawIssue[] = [];
  if (d.type === 'reduceOnPlateau' && d.monitor.startsWith('dev') && devEmpty) {
    issues.push({ path: `${at}/monitor`, message: `reduceOnPlateau monitors "${d.monitor}" but there is no dev set (data.split.dev is 0); give the dev split a share or monitor "trainLoss"` });
  }
  if ((d.type === 'reduceOnPlateau' || d.type === 'warmupCosine') && d.minLr >= lr) {
    issues.push({ path: `${at}/minLr`, message: `minLr ${d.minLr} is not below the learning rate ${lr} (training.optimizer.learningRate): ${d.type === 'reduceOnPlateau' ? 'the schedule could never reduce it' : 'the cosine would rise instead of decay'}` });
  }
  if (d.type === 'warmupCosine') {
    if (d.warmupUnit === 'iterations' && !Number.isInteger(d.warmup)) {
      issues.push({ path: `${at}/warmup`, message: `warmup counts iterations here (warmupUnit "iterations"): it must be a whole number, got ${d.warmup}` });
    } else if (d.warmupUnit === 'epochs' && d.warmup >= config.training.epochs) {
      issues.push({ path: `${at}/warmup`, message: `a warmup of ${d.warmup} epochs leaves no room for the cosine decay in ${config.training.epochs} epochs (training.epochs); shorten it` });
    }
  }
  return issues;
}

/** The rungs of asha/hyperband must fit inside a trial. */
function earlyTerminationIssues(config: ExperimentConfig, epochs: number): RawIssue[] {
  const rule = config.search!.earlyTermination;
  if (rule.type !== 'asha' && rule.type !== 'hyperband') return [];
  const at = '/search/earlyTermination';
  const min = rule.minEpochs ?? Math.max(1, rule.graceEpochs);
  const minName = rule.minEpochs === undefined ? `graceEpochs ${rule.graceEpochs} (the first rung without minEpochs)` : `minEpochs ${min}`;
  if (rule.maxEpochs !== undefined && rule.maxEpochs > epochs) {
    return [{ path: `${at}/maxEpochs`, message: `maxEpochs ${rule.maxEpochs} is more than the ${epochs} epochs of a trial (epochsPerTrial or training.epochs)` }];
  }
  const max = rule.maxEpochs ?? epochs;
  if (min >= max) {
    return [{
      path: `${at}/${rule.minEpochs === undefined ? 'graceEpochs' : 'minEpochs'}`,
      message: `${rule.type} never decides anything: ${minName} is not below ${rule.maxEpochs === undefined ? `the ${max} epochs of a trial` : `maxEpochs ${max}`}; lower it or train longer`,
    }];
  }
  if (rule.brackets !== undefined) {
    if (rule.type !== 'hyperband') return [{ path: `${at}/brackets`, message: 'brackets applies to "hyperband" only; asha has one bracket' }];
    const most = bracketCount(min, max, rule.eta ?? DEFAULT_ETA);
    if (rule.brackets > most) {
      return [{ path: `${at}/brackets`, message: `hyperband with ${minName}, ${max} epochs and eta ${rule.eta ?? DEFAULT_ETA} has at most ${most} bracket${most === 1 ? '' : 's'} (minEpochs·eta^b ≤ ${max}), not ${rule.brackets}` }];
    }
  }
  return [];
}

let knownPaths: string[] | undefined;

/** One problem with a `search.space` entry, or undefined when it is fine. */
function checkSearchEntry(config: ExperimentConfig, key: string, dist: SearchDistribution): string | undefined {
  let segments: PathSegment[];
  try {
    segments = parsePath(key);
  } catch (e) {
    if (e instanceof PathSyntaxError) {
      return `${e.message.replace(/^bad path /, 'bad search path ')}; write paths like "training.optimizer.learningRate" or "model.hidden[0].units"`;
    }
    throw e;
  }
  const first = segments[0];
  if ('key' in first && first.key === 'search') return `the search block cannot search over itself ("${key}")`;
  const targets = schemaAt(segments);
  if (targets.length === 0) {
    knownPaths ??= allSchemaPaths();
    const generic = formatPath(segments.map((s) => ('index' in s ? { all: true as const } : s)));
    const hint = didYouMean(generic, knownPaths);
    return `unknown config path "${key}"${hint}`;
  }

  // Range sanity.
  const range = rangeOf(dist);
  if (range) {
    const [lo, hi] = range.bounds;
    if (lo > hi) return `the range of "${key}" is reversed: low ${lo} > high ${hi}`;
    if (range.kind === 'log' && lo === hi) return `the range of "${key}" is empty: ${lo} … ${hi}`;
  }

  // Every index must exist in this experiment.
  let cur: unknown = config;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if ('key' in s) {
      cur = isObject(cur) ? cur[s.key] : undefined;
      continue;
    }
    const where = formatPath(segments.slice(0, i));
    if (!Array.isArray(cur)) return `"${where}" is not a list in this experiment`;
    if ('all' in s) {
      if (cur.length === 0) return `"${key}" matches nothing: "${where}" is empty`;
      cur = cur[0];
      continue;
    }
    if (s.index >= cur.length) {
      return `"${formatPath(segments.slice(0, i + 1))}" does not exist: "${where}" has ${cur.length} element${cur.length === 1 ? '' : 's'}`;
    }
    cur = cur[s.index];
  }

  // Continuous distributions cannot feed integer fields.
  const integerOnly = targets.every((t) => t.type === 'integer' || t.type === undefined) && targets.some((t) => t.type === 'integer');
  if (integerOnly && range && range.kind !== 'int') {
    return `"${key}" is an integer; use {"int": [a, b]} or {"choice": [...]} instead of "${range.kind}"`;
  }

  // Values at the ends of the range (or every choice) must make a valid experiment.
  const validate = validator();
  for (const value of candidates(dist)) {
    const trial = structuredClone(config) as unknown as Record<string, unknown>;
    delete trial.search;
    setPath(trial, segments, value);
    if (!validate(trial)) {
      const problems = humanize(validate.errors ?? []);
      const p = problems[0];
      const where = p && p.path !== '' ? ` (${p.path})` : '';
      return `the value ${quote(value)} for "${key}" would be invalid${where}: ${p?.message ?? 'rejected by the schema'}`;
    }
  }
  return undefined;
}

function rangeOf(dist: SearchDistribution): { kind: string; bounds: [number, number] } | undefined {
  if ('log' in dist) return { kind: 'log', bounds: dist.log };
  if ('oneMinusLog' in dist) return { kind: 'oneMinusLog', bounds: dist.oneMinusLog };
  if ('uniform' in dist) return { kind: 'uniform', bounds: dist.uniform };
  if ('int' in dist) return { kind: 'int', bounds: dist.int };
  return undefined;
}

function candidates(dist: SearchDistribution): unknown[] {
  if ('log' in dist) return [...dist.log];
  if ('oneMinusLog' in dist) return [...dist.oneMinusLog];
  if ('uniform' in dist) return [...dist.uniform];
  if ('int' in dist) return [...dist.int];
  return [...dist.choice];
}
