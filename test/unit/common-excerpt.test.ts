import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCERPT_CHARS, boundedList, clip, describeValue, quote } from '../../common/excerpt.ts';

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
