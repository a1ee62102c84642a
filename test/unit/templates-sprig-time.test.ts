/**
 * Sprig's date, semver, URL and crypto functions where the Go oracle cannot pin them down:
 * where Sprig would read the clock (the engine refuses instead), what `now`/`ago` say, the
 * Intl-derived zones, durations, and derivePassword's determinism. Everything else is in the oracle
 * (templates-oracle.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateExecError, TemplateParseError, executeTemplate, parseTemplate, secretData } from '../../common/templates/index.ts';
import { loadLocation } from '../../common/templates/gotime/location.ts';
import { parseDuration, durationString } from '../../common/templates/gotime/duration.ts';

const run = (tpl: string, data: Record<string, string> = {}): string => executeTemplate(parseTemplate('t', tpl), secretData(data));

describe('functions that would read the clock', () => {
  const refused: { name: string; tpl: string; text: RegExp }[] = [
    { name: 'date of a string (Sprig formats now)', tpl: '{{ date "2006" "2024-01-01" }}', text: /date: the date is a string, not a time.Time or Unix seconds/ },
    { name: 'date of nil', tpl: '{{ date "2006" nil }}', text: /the date is a <nil>/ },
    { name: 'htmlDate of a float', tpl: '{{ htmlDate 1.5 }}', text: /htmlDate: the date is a float64/ },
    { name: 'dateInZone of a missing key', tpl: '{{ dateInZone "2006" .missing "UTC" }}', text: /the date is a <nil>/ },
    { name: 'durationRound of a time (Sprig measures from now)', tpl: '{{ durationRound (toDate "2006" "2024") }}', text: /durationRound: a time.Time is measured from now/ },
  ];
  for (const c of refused) it(c.name, () => assert.throws(() => run(c.tpl), (e: unknown) => e instanceof TemplateExecError && c.text.test(e.message)));
  for (const name of ['now', 'ago']) {
    it(`${name} is excluded with its reason`, () => assert.throws(() => parseTemplate('t', `{{ ${name} }}`), (e: unknown) => e instanceof TemplateParseError && /its result changes on every render/.test(e.message)));
  }
});

describe('zones from Intl', () => {
  const cases: { name: string; zone: string; unix: number; want: string }[] = [
    { name: 'New York winter: EST from en-US', zone: 'America/New_York', unix: 1705312800, want: 'EST -0500' },
    { name: 'Berlin summer: CEST from en-GB', zone: 'Europe/Berlin', unix: 1721044800, want: 'CEST +0200' },
    { name: 'Shanghai: CST from the generated table', zone: 'Asia/Shanghai', unix: 1721044800, want: 'CST +0800' },
    { name: 'Kathmandu: numeric, as the tz database writes it', zone: 'Asia/Kathmandu', unix: 1721044800, want: '+0545 +0545' },
    { name: 'an alias resolves like its zone', zone: 'Asia/Calcutta', unix: 1721044800, want: 'IST +0530' },
    { name: 'unknown zone falls back to UTC as Sprig does', zone: 'Mars/Olympus', unix: 0, want: 'UTC +0000' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(run(`{{ dateInZone "MST -0700" ${c.unix} "${c.zone}" }}`), c.want));
  it('zone names are case-sensitive like zoneinfo files', () => assert.equal(loadLocation('america/new_york'), undefined));
  it('path-like names are refused as Go refuses them', () => assert.equal(loadLocation('../etc/passwd'), undefined));
});

describe('durations', () => {
  const cases: [string, bigint, string][] = [
    ['1h2m3.5s', 3_723_500_000_000n, '1h2m3.5s'], ['1.5µs', 1500n, '1.5µs'], ['-90m', -5_400_000_000_000n, '-1h30m0s'], ['0', 0n, '0s'],
  ];
  for (const [text, ns, back] of cases) {
    it(`${text} parses to ${ns} ns and prints ${back}`, () => {
      assert.equal(parseDuration(text), ns);
      assert.equal(durationString(ns), back);
    });
  }
});

describe('derivePassword', () => {
  it('is deterministic per (password, user, site, counter) and differs by site', () => {
    const tpl = '{{ derivePassword 1 "long" "pw-memo" "user" .site }}';
    const a = run(tpl, { site: 'a.example' });
    assert.notEqual(run(tpl, { site: 'b.example' }), a);
    assert.equal(run(tpl, { site: 'a.example' }), a);
  });
});
