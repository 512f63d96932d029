// The experiment schema as ajv standalone code (ES module exporting `precompiled`), for the
// bundles (scripts/build.mjs). Loaded through tsx so ajv and its standalone generator are one copy.
import standaloneCode from 'ajv/dist/standalone';
import { EXPERIMENT_SCHEMA_KEY, experimentAjv } from '../src/engine/config/schema-validator';

export function precompiledValidatorSource(): string {
  return standaloneCode(experimentAjv({ source: true }), { precompiled: EXPERIMENT_SCHEMA_KEY });
}
