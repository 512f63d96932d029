import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FloatArray } from '../../src/engine/backend/backend';

export type Matrix = number[][];

export interface FixtureFile<C> {
  generatedBy: string;
  cases: C[];
}

/** A committed numpy fixture from test/fixtures/ (made by make_fixtures.py). */
export function fixture<C>(name: string): FixtureFile<C> {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8')) as FixtureFile<C>;
}

export function flat(m: Matrix | number[]): number[] {
  return (m as (number | number[])[]).flatMap((r) => (Array.isArray(r) ? r : [r]));
}

/** Tolerances from the fixtures README: float64 1e-12 + 1e-9·|e|; float32 1e-5 + 1e-4·|e|. */
export function tolerance(dtype: 'float32' | 'float64'): { abs: number; rel: number } {
  return dtype === 'float64' ? { abs: 1e-12, rel: 1e-9 } : { abs: 1e-5, rel: 1e-4 };
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { abs: number; rel: number }, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const bound = tol.abs + tol.rel * Math.abs(e);
    if (!(Math.abs(a - e) <= bound)) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${bound})`);
    }
  }
}

export function assertScalarClose(actual: number, expected: number, tol: { abs: number; rel: number }, what: string): void {
  assertClose([actual], [expected], tol, what);
}

export function load(target: FloatArray, values: Matrix | number[]): FloatArray {
  target.set(flat(values));
  return target;
}
