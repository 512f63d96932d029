import assert from 'node:assert/strict';
import {
  JsonSyntaxError,
  escapePointerToken,
  locate,
  parseJson,
  pointerFromTokens,
  pointerTokens,
} from '../../../src/shared/json-locations';

const DOC = [
  '{',                                   // 1
  '  "name": "demo",',                   // 2
  '  "data": {',                         // 3
  '    "source": "moons",',              // 4
  '    "split": {"train": 0.6, "dev": 0.4}', // 5
  '  },',                                // 6
  '  "model": {',                        // 7
  '    "hidden": [',                     // 8
  '      {"units": 16},',                // 9
  '      {"units": 8, "activation": "tanh"}', // 10
  '    ]',                               // 11
  '  },',                                // 12
  '  "a/b": {"~x": [1, [2, 3]]}',        // 13
  '}',                                   // 14
].join('\n');

function at(text: string, pointer: string): [number, number] | undefined {
  const loc = locate(text, pointer);
  return loc && [loc.line, loc.column];
}

describe('config/jsonLocations', () => {
  it('parses to the same value as JSON.parse', () => {
    const docs = [
      DOC,
      '[]',
      '{}',
      '"a\\u00e9\\n\\"b"',
      '-0.5e-3',
      '[true, false, null, 0, -1, 1.5E+2, "x"]',
      '{"__proto__": {"polluted": 1}, "k": [{}, []]}',
    ];
    for (const d of docs) assert.deepEqual(parseJson(d).value, JSON.parse(d), d);
    const proto = parseJson('{"__proto__": {"polluted": 1}}').value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.deepEqual(Object.keys(proto), ['__proto__']);
  });

  it('locates keys of object members and values of array elements', () => {
    assert.deepEqual(at(DOC, ''), [1, 1]);
    assert.deepEqual(at(DOC, '/name'), [2, 3]);
    assert.deepEqual(at(DOC, '/data'), [3, 3]);
    assert.deepEqual(at(DOC, '/data/source'), [4, 5]);
    assert.deepEqual(at(DOC, '/data/split/train'), [5, 15]);
    assert.deepEqual(at(DOC, '/data/split/dev'), [5, 29]);
    assert.deepEqual(at(DOC, '/model/hidden'), [8, 5]);
    assert.deepEqual(at(DOC, '/model/hidden/0'), [9, 7]);
    assert.deepEqual(at(DOC, '/model/hidden/1'), [10, 7]);
    assert.deepEqual(at(DOC, '/model/hidden/1/activation'), [10, 20]);
    assert.deepEqual(at(DOC, '/a~1b'), [13, 3]);
    assert.deepEqual(at(DOC, '/a~1b/~0x'), [13, 11]);
    assert.deepEqual(at(DOC, '/a~1b/~0x/1/0'), [13, 22]);
  });

  it('gives the end of the token and falls back to the nearest existing ancestor', () => {
    const loc = locate(DOC, '/data/source')!;
    assert.deepEqual([loc.endLine, loc.endColumn, loc.exact], [4, 13, true]);
    const missing = locate(DOC, '/data/split/test')!;
    assert.deepEqual([missing.line, missing.column, missing.exact], [5, 5, false]);
    assert.deepEqual(at(DOC, '/nothing/here'), [1, 1]);
    assert.equal(locate('{', '/x'), undefined);
  });

  it('records value ranges', () => {
    const { nodes } = parseJson(DOC);
    const v = nodes.get('/model/hidden/1/activation')!.value;
    assert.deepEqual([v.start.line, v.start.column, v.end.line, v.end.column], [10, 34, 10, 40]);
    const obj = nodes.get('/data/split')!.value;
    assert.deepEqual([obj.start.column, obj.end.column], [14, 40]);
  });

  it('counts CRLF, CR and a BOM correctly', () => {
    const crlf = '\uFEFF{\r\n  "a": 1,\r\n  "b": [\r\n    true\r\n  ]\r\n}';
    assert.deepEqual(at(crlf, ''), [1, 1]);
    assert.deepEqual(at(crlf, '/b'), [3, 3]);
    assert.deepEqual(at(crlf, '/b/0'), [4, 5]);
    assert.deepEqual(at('{\r"a":\r1}', '/a'), [2, 1]);
  });

  it('skips comments', () => {
    const text = '// header\n{\n  /* block\n comment */ "a": 1, // trailing\n  "b": 2\n}';
    assert.deepEqual(parseJson(text).value, { a: 1, b: 2 });
    assert.deepEqual(at(text, '/a'), [4, 13]);
    assert.deepEqual(at(text, '/b'), [5, 3]);
    assert.throws(() => parseJson(text, { allowComments: false }), /comments are not allowed/);
  });

  it('reports duplicate keys, keeping the last value', () => {
    const p = parseJson('{"a": {"x": 1}, "a": {"y": 2}}');
    assert.deepEqual(p.value, { a: { y: 2 } });
    assert.deepEqual(p.duplicateKeys.map((d) => [d.pointer, d.key.start.column]), [['/a', 17]]);
    assert.equal(p.nodes.has('/a/x'), false);
    assert.equal(p.nodes.get('/a')!.key!.start.column, 17);
  });

  it('reports syntax errors at the right line and column', () => {
    const cases: [string, number, number, RegExp][] = [
      ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected ',' or '}' after the value of "a" \(missing comma\?\), found the string "b"/],
      ['{"a": 1,}', 1, 9, /trailing comma/],
      ['[1, 2,]', 1, 7, /trailing comma/],
      ["{'a': 1}", 1, 2, /double quotes/],
      ['{a: 1}', 1, 2, /property names must be in double quotes/],
      ['{"a" 1}', 1, 6, /expected ':'/],
      ['{"a": tru}', 1, 7, /unexpected word 'tru'/],
      ['{"a": 01}', 1, 7, /leading zeros/],
      ['{"a": .5}', 1, 7, /cannot start with '.'/],
      ['{"a": 1.}', 1, 7, /invalid number/],
      ['{"a": NaN}', 1, 7, /unexpected word 'NaN'/],
      ['{"a": "x\n"}', 1, 7, /unterminated string/],
      ['{"a": "\\q"}', 1, 8, /invalid escape/],
      ['{"a": 1}}', 1, 9, /after the end of the JSON value/],
      ['{"a": [1, 2', 1, 12, /unexpected end of file/],
      ['', 1, 1, /empty/],
      ['\n\n  /* open', 3, 3, /unterminated \/\* comment/],
    ];
    for (const [text, line, column, message] of cases) {
      try {
        parseJson(text);
        assert.fail(`no error for ${JSON.stringify(text)}`);
      } catch (e) {
        assert.ok(e instanceof JsonSyntaxError, `${JSON.stringify(text)}: ${String(e)}`);
        assert.deepEqual([e.line, e.column], [line, column], `${JSON.stringify(text)}: ${e.message}`);
        assert.match(e.detail, message, JSON.stringify(text));
      }
    }
    assert.deepEqual(parseJson('[1,]', { allowTrailingCommas: true }).value, [1]);
  });

  it('escapes and splits JSON pointers (RFC 6901)', () => {
    assert.equal(escapePointerToken('a/b~c'), 'a~1b~0c');
    assert.equal(pointerFromTokens(['a/b', 0, '~']), '/a~1b/0/~0');
    assert.deepEqual(pointerTokens('/a~1b/0/~0'), ['a/b', '0', '~']);
    assert.deepEqual(pointerTokens(''), []);
    assert.deepEqual(pointerTokens('/'), ['']);
  });
});

describe('config/jsonLocations in an experiment file with comments (the extension\'s diagnostics)', () => {
  const text = '{\n  "name": "moons",\n  // comment\n  "training": {\n    "optimizer": { "type": "adam", "learningRate": -1 }\n  },\n  "model": { "hidden": [ { "units": 8 }, { "units": 0 } ] }\n}\n';
  const jsonc = { allowComments: true, allowTrailingCommas: true };

  it('finds keys and array items (1-based), and falls back to the deepest parent', () => {
    const lr = locate(text, '/training/optimizer/learningRate', jsonc);
    assert.deepEqual(lr && { line: lr.line, column: lr.column, exact: lr.exact }, { line: 5, column: 36, exact: true });
    const units = locate(text, '/model/hidden/1/units', jsonc);
    assert.equal(units?.line, 7);
    assert.equal(text.split('\n')[6].slice(units!.column - 1, units!.endColumn - 1), '"units"');
    const missing = locate(text, '/training/epochs', jsonc);
    assert.equal(missing?.line, 4);
    assert.equal(missing?.exact, false);
  });
});
