/**
 * The Node heap options the webhook gives both injector containers (webhook/pod/container-base.ts
 * `injectorNodeOptions`): fitted to the container's memory limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { injectorNodeOptions, MIN_OLD_SPACE_MIB, NON_HEAP_RESERVE_MIB } from '../../webhook/pod/container-base.ts';

describe('injectorNodeOptions', () => {
  const cases: Array<{ name: string; limit: string | undefined; expected: string }> = [
    { name: 'the default 128Mi limit leaves 64 MiB of old space', limit: '128Mi', expected: '--max-semi-space-size=1 --max-old-space-size=64' },
    { name: 'a 1Gi limit gets all but the non-heap reserve', limit: '1Gi', expected: `--max-semi-space-size=1 --max-old-space-size=${1024 - NON_HEAP_RESERVE_MIB}` },
    { name: 'a decimal 200M limit is converted to MiB, rounded down', limit: '200M', expected: '--max-semi-space-size=1 --max-old-space-size=126' },
    { name: 'a limit below the reserve still gets the minimum old space', limit: '64Mi', expected: `--max-semi-space-size=1 --max-old-space-size=${MIN_OLD_SPACE_MIB}` },
    { name: 'no limit sets only the semi-space cap', limit: undefined, expected: '--max-semi-space-size=1' },
    { name: 'a zero limit sets only the semi-space cap', limit: '0', expected: '--max-semi-space-size=1' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(injectorNodeOptions(c.limit), c.expected));
  }
});
