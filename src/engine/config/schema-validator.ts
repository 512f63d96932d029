/**
 * The experiment schema's validator. Compiling it with ajv takes ≈ 0.4 s (a third of an engine's
 * start-up, paid again by every search trial), so the bundles carry it compiled ahead of time:
 * scripts/build.mjs generates `experiment-validator.precompiled` with ajv's standalone code from
 * `experimentAjv()`. Run from source (tests under tsx) the placeholder is null and the schema is
 * compiled here with the same options.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import schema from '../../../schema/nn.schema.json';
import { precompiled } from './experiment-validator.precompiled';

/** The schema's id for ajv's standalone export (the build looks it up by this key). */
export const EXPERIMENT_SCHEMA_KEY = 'experiment';

/** Keywords VS Code understands that are annotations only. */
const EDITOR_KEYWORDS = ['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'defaultSnippets'];

/** An ajv with the experiment schema added; `source` keeps the generated code (for the build). */
export function experimentAjv(options: { source?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    allowUnionTypes: true,
    verbose: true,
    code: { source: options.source ?? false, esm: true },
  });
  for (const keyword of EDITOR_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'array', 'object'] });
  ajv.addSchema(schema, EXPERIMENT_SCHEMA_KEY);
  return ajv;
}

let compiled: ValidateFunction | undefined;

/** The validator (compiled once, or ahead of time in a bundle). It fills defaults in place. */
export function experimentValidator(): ValidateFunction {
  compiled ??= precompiled ?? compileExperimentValidator();
  return compiled;
}

/** Compiles the schema now (what a bundle skips). */
export function compileExperimentValidator(): ValidateFunction {
  const validate = experimentAjv().getSchema(EXPERIMENT_SCHEMA_KEY);
  if (!validate) throw new Error('the experiment schema did not compile');
  return validate;
}
