import assert from 'node:assert/strict';
import { DataError, loadCsv } from '../../../src/engine/data';
import type { CsvOptions } from '../../../src/engine/data';
import { gzipSync } from 'node:zlib';
import { tempFolder } from './tmp';

const tmp = tempFolder('csv');
after(() => tmp.remove());

function load(content: string, options: CsvOptions = {}, name = 'train.csv'): ReturnType<typeof loadCsv> {
  return loadCsv(tmp.write(name, content), { displayPath: `data/${name}`, ...options });
}

/** Asserts loadCsv throws a DataError at exactly this place, with a message matching `pattern`. */
function fails(content: string, where: { line?: number; column?: number }, pattern: RegExp, options: CsvOptions = {}): DataError {
  try {
    load(content, options);
  } catch (e) {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.file, 'data/train.csv');
    assert.equal(e.line, where.line, `line of: ${e.message}`);
    assert.equal(e.column, where.column, `column of: ${e.message}`);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail('expected a DataError');
}

describe('data/csv', () => {
  it('reads a gzipped CSV (detected by its magic bytes, whatever its name); damaged gzip data is a located error', () => {
    const text = 'x1,x2,label\n1,2,0\n3,4,1\n';
    const ds = loadCsv(tmp.write('digits.csv.gz', gzipSync(text)), { label: 'label', displayPath: 'data/digits.csv.gz' });
    assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4]);
    assert.deepEqual(ds.featureNames, ['x1', 'x2']);
    const damaged = gzipSync(text).subarray(0, 12);
    assert.throws(() => loadCsv(tmp.write('bad.csv.gz', damaged), { displayPath: 'data/bad.csv.gz' }),
      (e: unknown) => e instanceof DataError && e.file === 'data/bad.csv.gz' && /damaged gzip data/.test(e.message));
  });

  describe('header and label column', () => {
    it('detects a header and uses the last column as label by default', () => {
      const ds = load('x1,x2,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n');
      assert.equal(ds.count, 4);
      assert.equal(ds.features, 2);
      assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(Array.from(ds.y), [0, 1, 0, 1]);
      assert.deepEqual(ds.featureNames, ['x1', 'x2']);
      assert.deepEqual(ds.classes, ['0', '1']);
      assert.equal(ds.task, 'binary');
      assert.equal(ds.name, 'data/train.csv');
    });

    it('reads a file without a header (auto and forced)', () => {
      for (const header of ['auto', false] as const) {
        const ds = load('1,2,0\n3,4,1\n5,6,1\n7,8,0\n', { header });
        assert.equal(ds.count, 4);
        assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert.equal(ds.featureNames, undefined);
      }
    });

    it('treats a first row of string labels as data, not a header', () => {
      const ds = load('1,2,cat\n3,4,dog\n5,6,cat\n');
      assert.equal(ds.count, 3);
      assert.deepEqual(ds.classes, ['cat', 'dog']);
    });

    it('header: true makes the first row names even when it looks numeric', () => {
      const ds = load('1,2,3\n4,5,0\n6,7,1\n', { header: true });
      assert.equal(ds.count, 2);
      assert.deepEqual(ds.featureNames, ['1', '2']);
    });

    it('takes the label by name, by index and by negative index', () => {
      const text = 'y,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n';
      for (const label of ['y', 0, -3] as const) {
        const ds = load(text, { label });
        assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4, 5, 6, 7, 8], `label ${label}`);
        assert.deepEqual(Array.from(ds.y), [0, 1, 0, 1]);
        assert.deepEqual(ds.featureNames, ['a', 'b']);
      }
      const middle = load(text, { label: -2, task: 'regression' });
      assert.deepEqual(Array.from(middle.y), [1, 3, 5, 7]);
      assert.deepEqual(Array.from(middle.x), [0, 2, 1, 4, 0, 6, 1, 8]);
    });
  });

  describe('labels and task', () => {
    it('maps string classes to indices in sorted order and keeps the names', () => {
      const ds = load('f,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n5,virginica\n6,versicolor\n');
      assert.deepEqual(ds.classes, ['setosa', 'versicolor', 'virginica']);
      assert.deepEqual(Array.from(ds.y), [2, 0, 1, 0, 2, 1]);
      assert.equal(ds.task, 'multiclass');
    });

    it('sorts integer classes numerically (2 before 10) and canonicalises 1.0 and 01', () => {
      const ds = load('a,y\n1,10\n2,2\n3,1.0\n4,01\n5,2\n6,10\n', { task: 'classification' });
      assert.deepEqual(ds.classes, ['1', '2', '10']);
      assert.deepEqual(Array.from(ds.y), [2, 1, 0, 0, 1, 2]);
    });

    it('auto: non-integer labels are a regression target', () => {
      const ds = load('a,price\n1,1.5\n2,2.25\n3,0.5\n4,1.5\n');
      assert.equal(ds.task, 'regression');
      assert.deepEqual(Array.from(ds.y), [1.5, 2.25, 0.5, 1.5]);
      assert.deepEqual(ds.classes, []);
      assert.equal(ds.targets, 1);
    });

    it('auto: integers with many distinct values are regression, few are classification', () => {
      const many = Array.from({ length: 60 }, (_, i) => `${i},${i * 3}`).join('\n');
      assert.equal(load(`a,y\n${many}\n`).task, 'regression');
      const few = Array.from({ length: 60 }, (_, i) => `${i},${i % 5}`).join('\n');
      const ds = load(`a,y\n${few}\n`);
      assert.equal(ds.task, 'multiclass');
      assert.equal(ds.classes.length, 5);
    });

    it('task forces the reading of integer labels either way', () => {
      const text = 'a,y\n1,0\n2,1\n3,1\n';
      assert.equal(load(text, { task: 'regression' }).task, 'regression');
      assert.equal(load(text, { task: 'classification' }).task, 'binary');
    });
  });

  describe('format details', () => {
    it('handles quoted fields with commas, doubled quotes, CRLF and blank lines', () => {
      const ds = load('"x, first",x2,"the ""label"""\r\n\r\n1,"2",a\r\n  \r\n3,4,"b,c"\r\n5,6,a\r\n');
      assert.deepEqual(ds.featureNames, ['x, first', 'x2']);
      assert.deepEqual(Array.from(ds.x), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(ds.classes, ['a', 'b,c']);
      assert.deepEqual(Array.from(ds.y), [0, 1, 0]);
    });

    it('uses the delimiter option (decimal commas stay inside fields) and reads .tsv with tabs', () => {
      assert.throws(() => load('a;b;y\n1,5;2;0\n', { delimiter: ';' }), /'1,5' is not a number/);
      assert.deepEqual(Array.from(load('a;b;y\n1.5;2;0\n3;4;1\n', { delimiter: ';' }).x), [1.5, 2, 3, 4]);
      const tsv = loadCsv(tmp.write('t.tsv', 'a\tb\ty\n1\t2\t0\n3\t4\t1\n'));
      assert.deepEqual(Array.from(tsv.x), [1, 2, 3, 4]);
    });

    it('counts lines inside quoted newlines, so later errors point at the right line', () => {
      fails('a,b,y\n1,2,"cat\nfood"\n1,x,dog\n', { line: 4, column: 2 }, /:4:2: 'x' is not a number \(column "b"\)/);
      fails('a,b,y\n"multi\nline",2,0\n', { line: 2, column: 1 }, /'multi\nline' is not a number/);
    });
  });

  describe('errors name the file, line and column', () => {
    it('non-numeric feature', () => {
      const e = fails('x1,x2,y\n1,2,0\n3,abc,1\n', { line: 3, column: 2 }, /^data\/train\.csv:3:2: 'abc' is not a number \(column "x2"\)$/);
      assert.equal(e.detail, `'abc' is not a number (column "x2")`);
    });

    it('non-numeric feature without a header names the column by number', () => {
      fails('1,2,0\n3,4,1\n5,?,1\n', { line: 3, column: 2 }, /'\?' is not a number \(column 2\)/);
    });

    it('ragged rows (too few and too many fields)', () => {
      // Located at the missing or extra field (issue 15 §11).
      fails('a,b,y\n1,2,0\n3,4\n', { line: 3, column: 3 }, /:3:3: row has 2 fields, expected 3 as on line 1 \(field 3 is missing\)$/);
      fails('a,b,y\n1,2,0\n\n3,4,1,9\n', { line: 4, column: 4 }, /:4:4: row has 4 fields, expected 3 .*field 4 is one too many/);
    });

    it('empty file and a file of blank lines', () => {
      fails('', {}, /^data\/train\.csv: the file is empty/);
      fails('\n \r\n\n', {}, /the file is empty/);
    });

    it('header without data rows', () => {
      fails('a,b,y\n', { line: 1 }, /header but no data rows/);
    });

    it('label column name missing from the header', () => {
      fails('a,b,y\n1,2,0\n', { line: 1 }, /:1: no column named "label" in the header \(columns: "a", "b", "y"\)/, { label: 'label' });
    });

    it('label by name without a header, and an index out of range', () => {
      fails('1,2,0\n3,4,1\n', { line: 1 }, /names a column, but the file has no header/, { label: 'y', header: false });
      fails('1,2,0\n3,4,1\n', { line: 1 }, /label column index 3 is out of range/, { label: 3 });
      fails('1,2,0\n3,4,1\n', { line: 1 }, /label column index -4 is out of range/, { label: -4 });
    });

    it('NaN and Inf literals in features say so', () => {
      fails('a,b,y\n1,2,0\n3,NaN,1\n', { line: 3, column: 2 }, /'NaN' is not a finite number: NaN\/Inf are not allowed in features \(column "b"\)/);
      fails('a,b,y\n-inf,2,0\n', { line: 2, column: 1 }, /'-inf' is not a finite number/);
      fails('a,b,y\n1e999,2,0\n', { line: 2, column: 1 }, /'1e999' is not a finite number/);
    });

    it('missing feature value and missing label', () => {
      fails('a,b,y\n1,,0\n', { line: 2, column: 2 }, /missing value \(column "b"\)/);
      fails('a,b,y\n1,2,0\n1,2,\n', { line: 3, column: 3 }, /missing label \(column "y"\)/);
    });

    it('non-numeric regression target', () => {
      fails('a,y\n1,0.5\n2,high\n', { line: 3, column: 2 }, /'high' is not a number, and a regression target must be/, { task: 'regression' });
    });

    it('text mixed into a real-valued label column', () => {
      fails('a,y\n1,0.5\n2,1.5\n3,n/a\n', { line: 4, column: 2 }, /label 'n\/a' is not a number, but other labels are real numbers/);
    });

    it('unterminated quote', () => {
      fails('a,b,y\n1,"2,0\n3,4,1\n', { line: 2, column: 2 }, /unterminated quoted field/);
    });

    it('missing file, with the path it looked at', () => {
      assert.throws(
        () => loadCsv('/nonexistent/dir/train.csv'),
        (e: unknown) => e instanceof DataError && e.line === undefined && /^\/nonexistent\/dir\/train\.csv: file not found \(looked at \/nonexistent\/dir\/train\.csv\)$/.test(e.message),
      );
    });
  });
});
