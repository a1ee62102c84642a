/**
 * The agent's template parse cache (injector/rules/template-cache.ts): reuse, what makes a new
 * entry, the refresh-boundary sweep, the entry and byte bounds, uncached errors, and that the
 * rule engine renders the same files with and without it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateParseError } from '../../common/templates/index.ts';
import { planExternalSecret } from '../../injector/render-command.ts';
import { applyRules, listFetches } from '../../injector/rules/index.ts';
import { TemplateCache } from '../../injector/rules/template-cache.ts';
import { fetchResultsFromValues, parseValuesFile } from '../../injector/values-file.ts';
import { loadTemplateEngine } from '../../injector/rules/template-engine.ts';

// The rules reach the engine through the lazy loader, as the agent does (template-engine.ts).
await loadTemplateEngine();

/** One step of a scenario: parse (name, source), or end the refresh. */
type Step = { parse: [string, string] } | { end: true };
interface Case { name: string; limits?: { maxEntries?: number; maxBytes?: number }; steps: Step[]; hits: number; misses: number; size: number }

const p = (name: string, source: string): Step => ({ parse: [name, source] });
const END: Step = { end: true };

const cases: Case[] = [
  { name: 'the same name and text parse once', steps: [p('a', '{{ .x }}'), p('a', '{{ .x }}'), END, p('a', '{{ .x }}')], hits: 2, misses: 1, size: 1 },
  { name: 'the same text under another name is another entry', steps: [p('a', '{{ .x }}'), p('b', '{{ .x }}')], hits: 0, misses: 2, size: 2 },
  { name: 'name and text cannot be confused by concatenation', steps: [p('a:1', 'b'), p('a', ':1b')], hits: 0, misses: 2, size: 2 },
  { name: 'an edited text is a new entry; the old one leaves at the next sweep', steps: [p('a', 'v1'), END, p('a', 'v2'), END], hits: 0, misses: 2, size: 1 },
  { name: 'an entry used in every refresh stays', steps: [p('a', 'x'), END, p('a', 'x'), END, p('a', 'x'), END], hits: 2, misses: 1, size: 1 },
  { name: 'an entry not used for one refresh is dropped and parsed again', steps: [p('a', 'x'), END, END, p('a', 'x')], hits: 0, misses: 2, size: 1 },
  { name: 'maxEntries evicts the least recently used', limits: { maxEntries: 2 }, steps: [p('a', 'x'), p('b', 'x'), p('a', 'x'), p('c', 'x'), p('a', 'x'), p('b', 'x')], hits: 2, misses: 4, size: 2 },
  { name: 'maxBytes bounds the source text kept', limits: { maxBytes: 10 }, steps: [p('a', '123456'), p('b', '123456'), p('a', '123456')], hits: 0, misses: 3, size: 1 },
  { name: 'a text larger than maxBytes is parsed but not kept', limits: { maxBytes: 3 }, steps: [p('a', 'long text'), p('a', 'long text')], hits: 0, misses: 2, size: 0 },
];

describe('TemplateCache', () => {
  for (const c of cases) {
    it(c.name, () => {
      const cache = new TemplateCache(c.limits);
      for (const s of c.steps) {
        if ('end' in s) cache.endRefresh();
        else cache.parse(...s.parse);
      }
      assert.deepEqual({ hits: cache.hits, misses: cache.misses, size: cache.size }, { hits: c.hits, misses: c.misses, size: c.size });
    });
  }

  it('returns the same parsed template on a hit', () => {
    const cache = new TemplateCache();
    assert.equal(cache.parse('a', '{{ .x }}'), cache.parse('a', '{{ .x }}'));
  });

  it('does not cache a parse error: it is thrown every time', () => {
    const cache = new TemplateCache();
    for (let i = 0; i < 2; i++) assert.throws(() => cache.parse('a', '{{ if }}'), TemplateParseError);
    assert.deepEqual({ misses: cache.misses, size: cache.size, bytes: cache.bytes }, { misses: 2, size: 0, bytes: 0 });
  });

  it('counts bytes of the kept texts, and frees them when entries leave', () => {
    const cache = new TemplateCache();
    cache.parse('a', 'é'); // 2 bytes in UTF-8
    cache.parse('b', 'abc');
    assert.equal(cache.bytes, 5);
    cache.endRefresh();
    cache.endRefresh();
    assert.equal(cache.bytes, 0);
  });
});

describe('the rule engine with the cache', () => {
  it('renders the same files with and without it, over refreshes', () => {
    const problems: string[] = [];
    const spec = { data: [{ key: 's-user', name: 'user' }], target: { template: { data: { dsn: 'u={{ .user | upper }}' }, templateFrom: [{ literal: '{{ .user }}=1' }] } } };
    const es = planExternalSecret({ metadata: { name: 'es' }, spec }, 'es', problems)!;
    assert.deepEqual(problems, []);
    const values = parseValuesFile(JSON.stringify({ kms: { 's-user': 'bob' } }), 'values');
    const results = fetchResultsFromValues(values, listFetches(es));
    const text = (files: Map<string, Uint8Array>): Record<string, string> => Object.fromEntries([...files].map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
    const plain = text(applyRules(es, results, values.templates).files);
    const cache = new TemplateCache();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(text(applyRules(es, results, values.templates, { templateCache: cache }).files), plain);
      cache.endRefresh();
    }
    assert.deepEqual({ hits: cache.hits, misses: cache.misses, size: cache.size }, { hits: 4, misses: 2, size: 2 });
  });
});
