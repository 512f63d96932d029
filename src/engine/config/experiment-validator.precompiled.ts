/**
 * Replaced in the bundles by the experiment schema compiled ahead of time (scripts/build.mjs,
 * ajv standalone); null when the engine runs from source, which compiles the schema at first use.
 */
import type { ValidateFunction } from 'ajv';

export const precompiled: ValidateFunction | null = null;
