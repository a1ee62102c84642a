import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCERPT_CHARS, boundedList, clip, describeValue, jsonExcerpt, quote } from '../../common/excerpt.ts';

test('quote keeps short values whole and cuts long ones, saying how long they were', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['a short value', 'db', '"db"'],
    ['a value of exactly the limit', 'a'.repeat(EXCERPT_CHARS), JSON.stringify('a'.repeat(EXCERPT_CHARS))],
    ['a value one over the limit', 'a'.repeat(EXCERPT_CHARS + 1), `${JSON.stringify('a'.repeat(EXCERPT_CHARS))}… (${EXCERPT_CHARS + 1} characters)`],
    ['control characters are escaped', 'a\nb"', '"a\\nb\\""'],
  ];
  for (const [name, value, expected] of cases) await t.test(name, () => assert.equal(quote(value), expected));
});

test('clip never splits a surrogate pair', () => {
  assert.equal(clip('ab😀c', 3), 'ab');
  assert.equal(clip('ab😀c', 4), 'ab😀');
});

test('boundedList names at most ten items, then how many more', async (t) => {
  const cases: Array<[string, number, string]> = [
    ['no items', 0, ''],
    ['ten items', 10, '0, 1, 2, 3, 4, 5, 6, 7, 8, 9'],
    ['25,000 items', 25_000, '0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … and 24990 more'],
  ];
  for (const [name, n, expected] of cases) await t.test(name, () => assert.equal(boundedList(Array.from({ length: n }, (_, i) => i), String), expected));
  await t.test('only the shown items are rendered', () => {
    let rendered = 0;
    boundedList(Array.from({ length: 1000 }, (_, i) => i), (i) => { rendered++; return String(i); });
    assert.equal(rendered, 10);
  });
});

test('describeValue is bounded for any JSON value', async (t) => {
  let deep: unknown = {};
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const cases: Array<[string, unknown, string]> = [
    ['undefined', undefined, 'nothing'],
    ['null', null, 'null'],
    ['a number', 7, '7'],
    ['a boolean', false, 'false'],
    ['a string', 'x', '"x"'],
    ['an array', [1, 2], 'an array of 2 items'],
    ['a 100,000-deep object', deep, 'an object'],
  ];
  for (const [name, value, expected] of cases) await t.test(name, () => assert.equal(describeValue(value), expected));
});

test('jsonExcerpt is the start of JSON.stringify, cut at the cap with "…"', async (t) => {
  const cases: Array<[string, unknown, number, string]> = [
    ['a short string', 'db', 60, '"db"'],
    ['an object with an absent field (skipped, as JSON.stringify does)', { a: 1, b: undefined, c: [true, null, undefined] }, 60, '{"a":1,"c":[true,null,null]}'],
    ['a number that JSON has no literal for', Number.NaN, 60, 'null'],
    ['top-level undefined', undefined, 60, 'undefined'],
    ['exactly the cap', 'x'.repeat(8), 10, '"xxxxxxxx"'],
    ['one over the cap', 'x'.repeat(9), 10, '"xxxxxxxxx…'],
    ['a cut inside an escape keeps the first characters', 'a\nb\nc\nd', 6, '"a\\nb\\…'],
    ['a nested list cut mid-way', { list: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 12, '{"list":[1,2…'],
    ['a surrogate pair is never split', `${'a'.repeat(8)}😀`, 10, '"aaaaaaaa…'],
  ];
  for (const [name, value, max, expected] of cases) await t.test(name, () => assert.equal(jsonExcerpt(value, max), expected));
  await t.test('short values are exactly JSON.stringify', () => {
    for (const v of [{ kind: 'SecretStore', name: 'db' }, [1, 'two', { three: 3 }], 'quote " and \\ slash', 0, false, null]) assert.equal(jsonExcerpt(v, 200), JSON.stringify(v));
  });
});

test('jsonExcerpt does bounded work: it stops reading the value at the cap', async (t) => {
  await t.test('a million-item list: only the first items are read', () => {
    let reads = 0;
    const items = new Proxy(Array.from({ length: 1_000_000 }, (_, i) => i), { get: (target, key, receiver) => { if (typeof key === 'string' && /^\d+$/.test(key)) reads++; return Reflect.get(target, key, receiver); } });
    assert.equal(jsonExcerpt(items, 20), '[0,1,2,3,4,5,6,7,8,9…');
    assert.ok(reads <= 12, `read ${reads} items`);
  });
  await t.test('a 10 MB string in an object gives only the excerpt', () => {
    assert.equal(jsonExcerpt({ name: 'n'.repeat(10_000_000) }, 20), `{"name":"${'n'.repeat(11)}…`);
  });
  await t.test('a 100,000-deep object does not overflow the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.equal(jsonExcerpt(deep, 12), '{"a":{"a":{"…');
  });
  await t.test('a self-referencing object is cut, not an error', () => {
    const loop: Record<string, unknown> = { k: 1 };
    loop.self = loop;
    assert.equal(jsonExcerpt(loop, 16), '{"k":1,"self":{"…');
  });
});
