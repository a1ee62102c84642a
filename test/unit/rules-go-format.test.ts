/**
 * The Go formatting the rule engine reproduces: `%v` / `strconv 'g'` floats, encoding/json
 * numbers and strings, yaml.v3 scalar resolution, key order and quoting. Expectations were
 * produced by Go 1.26 with gopkg.in/yaml.v3 v3.0.1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoFloatG, formatGoJsonFloat } from '../../common/go-number-format.ts';
import { GoJsonUnsupportedError, goJsonMarshal, goJsonQuote } from '../../injector/rules/go-json-encode.ts';
import { decodeYamlV3, decodeYamlV3StringMap, resolvePlainScalar, YamlDecodeError } from '../../injector/rules/yaml-v3-decode.ts';
import { yamlV3KeyLess, yamlV3Marshal } from '../../injector/rules/yaml-v3-encode.ts';
import { GoTime, type GoValue } from '../../injector/rules/go-value.ts';

describe('Go float formatting', () => {
  const table: { f: number; g: string; json: string }[] = [
    { f: 0, g: '0', json: '0' },
    { f: -0, g: '-0', json: '-0' },
    { f: 1.5, g: '1.5', json: '1.5' },
    { f: 100000, g: '100000', json: '100000' },
    { f: 123456, g: '123456', json: '123456' },
    { f: 1234567, g: '1.234567e+06', json: '1234567' },
    { f: 1e6, g: '1e+06', json: '1000000' },
    { f: 1e20, g: '1e+20', json: '100000000000000000000' },
    { f: 1e21, g: '1e+21', json: '1e+21' },
    { f: 1e-4, g: '0.0001', json: '0.0001' },
    { f: 1e-5, g: '1e-05', json: '0.00001' },
    { f: 0.000123, g: '0.000123', json: '0.000123' },
    { f: 123456789.125, g: '1.23456789125e+08', json: '123456789.125' },
    { f: 5e-324, g: '5e-324', json: '5e-324' },
    { f: 1.7976931348623157e308, g: '1.7976931348623157e+308', json: '1.7976931348623157e+308' },
    { f: -2.5e-7, g: '-2.5e-07', json: '-2.5e-7' },
  ];
  for (const t of table) {
    it(`${t.g}: %v and json.Marshal`, () => {
      assert.equal(formatGoFloatG(t.f), t.g);
      assert.equal(formatGoJsonFloat(t.f), t.json);
    });
  }
});

describe('encoding/json', () => {
  const strings: { name: string; s: string; want: string }[] = [
    { name: 'HTML characters are escaped', s: '<a&b>', want: '"\\u003ca\\u0026b\\u003e"' },
    { name: 'tab and newline use short escapes', s: 'tab\there\nnl', want: '"tab\\there\\nnl"' },
    { name: 'line and paragraph separators are escaped', s: '\u2028\u2029', want: '"\\u2028\\u2029"' },
    { name: 'other controls use \\u00XX, \\b and \\f short forms', s: '\x01\x1f\b\f', want: '"\\u0001\\u001f\\b\\f"' },
    { name: 'quote and backslash', s: 'quote"back\\', want: '"quote\\"back\\\\"' },
    { name: 'non-ASCII is kept as is', s: 'é😀', want: '"é😀"' },
  ];
  for (const t of strings) it(t.name, () => assert.equal(goJsonQuote(t.s), t.want));

  it('sorts map keys by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF61 sorts before U+1F600 in UTF-16 code units but after it... no: EF BD A1 < F0 9F 98 80 in UTF-8.
    const m = Object.assign(Object.create(null), { '😀': 1n, '｡': 2n, a: 3n, B: 4n }) as GoValue;
    assert.equal(goJsonMarshal(m), '{"B":4,"a":3,"｡":2,"😀":1}');
  });
  it('refuses a map with non-string keys, as Go does', () => {
    assert.throws(() => goJsonMarshal(new Map([[1n, 'a']])), GoJsonUnsupportedError);
  });
});

describe('yaml.v3 scalar resolution', () => {
  const table: { text: string; want: GoValue }[] = [
    { text: 'true', want: true }, { text: 'False', want: false }, { text: 'yes', want: 'yes' }, { text: 'on', want: 'on' },
    { text: '~', want: null }, { text: 'Null', want: null }, { text: '', want: null },
    { text: '017', want: 15n }, { text: '0o17', want: 15n }, { text: '0x1F', want: 31n }, { text: '0b101', want: 5n },
    { text: '1_000', want: 1000n }, { text: '+12', want: 12n }, { text: '09', want: 9 }, { text: '1.0', want: 1 },
    { text: '1e3', want: 1000 }, { text: '.5', want: 0.5 }, { text: '1e400', want: '1e400' },
    { text: '9223372036854775808', want: 9223372036854775808n }, { text: '18446744073709551616', want: 18446744073709551616 },
    { text: '.inf', want: Infinity }, { text: '-.Inf', want: -Infinity }, { text: '0.1.2', want: '0.1.2' },
  ];
  for (const t of table) {
    it(`plain ${JSON.stringify(t.text)}`, () => {
      const got = resolvePlainScalar(t.text).value;
      if (typeof t.want === 'number' && Number.isNaN(t.want)) assert.ok(Number.isNaN(got));
      else assert.deepEqual(got, t.want);
    });
  }
  it('a timestamp becomes a time.Time printed as RFC 3339 with nanoseconds', () => {
    const t = resolvePlainScalar('2024-1-2 3:04:05.500').value;
    assert.ok(t instanceof GoTime);
    assert.equal(t.toRfc3339Nano(), '2024-01-02T03:04:05.5Z');
    assert.equal((resolvePlainScalar('2024-01-02T10:00:00+08:00').value as GoTime).toRfc3339Nano(), '2024-01-02T10:00:00+08:00');
    assert.equal(resolvePlainScalar('2024-02-30').value, '2024-02-30');
  });
  it('quoted scalars are strings and explicit tags apply', () => {
    assert.deepEqual(decodeYamlV3('a: "123"\nb: !!str 1\nc: !!float 2\nd: !!binary aGk=\n'), Object.assign(Object.create(null), { a: '123', b: '1', c: 2, d: 'hi' }));
  });
  it('a mismatching explicit tag fails without echoing the value', () => {
    assert.throws(() => decodeYamlV3('a: !!int notanumber\n'), (err: unknown) => err instanceof YamlDecodeError && !err.message.includes('notanumber'));
  });
  it('only the first document counts and duplicate keys fail', () => {
    assert.deepEqual(decodeYamlV3('a: 1\n---\nb: 2\n'), Object.assign(Object.create(null), { a: 1n }));
    assert.throws(() => decodeYamlV3('a: 1\na: 2\n'), YamlDecodeError);
  });
  it('extract keys keep their source text and null keys are dropped', () => {
    assert.deepEqual(Object.keys(decodeYamlV3StringMap('0x10: a\n~: b\ntrue: c\n"q": d\n')), ['0x10', 'true', 'q']);
  });
});

describe('yaml.v3 marshal', () => {
  it('orders keys naturally (digit runs as numbers, letters after others)', () => {
    const keys: GoValue[] = ['a10', 'a9', 'B', 'a', '_x', 'a09'];
    const sorted = [...keys].sort((x, y) => (yamlV3KeyLess(x, y) ? -1 : yamlV3KeyLess(y, x) ? 1 : 0));
    assert.deepEqual(sorted, ['_x', 'B', 'a', 'a9', 'a09', 'a10']);
  });
  it('indents nested blocks by 4 and keeps mappings in list items on the dash line', () => {
    const v = decodeYamlV3('l:\n  - {a: 1, b: {c: [x, y]}}\n  - [1, [2]]\nm: {}\n');
    assert.equal(yamlV3Marshal(v), 'l:\n    - a: 1\n      b:\n        c:\n            - x\n            - "y"\n    - - 1\n      - - 2\nm: {}\n');
  });
  it('prints scalars with a trailing newline', () => {
    assert.equal(yamlV3Marshal(1.5), '1.5\n');
    assert.equal(yamlV3Marshal(null), 'null\n');
    assert.equal(yamlV3Marshal(12n), '12\n');
  });
});
