/**
 * The Node options the webhook gives both injector containers (webhook/pod/container-base.ts
 * `injectorNodeOptions`): no JIT, and heap caps fitted to the container's memory limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { injectorNodeOptions, MIN_OLD_SPACE_MIB, NON_HEAP_RESERVE_MIB } from '../../webhook/pod/container-base.ts';

describe('injectorNodeOptions', () => {
  const cases: Array<{ name: string; limit: string | undefined; expected: string }> = [
    { name: 'the default 64Mi limit gets the minimum old space, twice the measured live set', limit: '64Mi', expected: `--jitless --max-semi-space-size=1 --max-old-space-size=${MIN_OLD_SPACE_MIB}` },
    { name: 'a 128Mi limit leaves 80 MiB of old space', limit: '128Mi', expected: '--jitless --max-semi-space-size=1 --max-old-space-size=80' },
    { name: 'a 1Gi limit gets all but the non-heap reserve', limit: '1Gi', expected: `--jitless --max-semi-space-size=1 --max-old-space-size=${1024 - NON_HEAP_RESERVE_MIB}` },
    { name: 'a decimal 200M limit is converted to MiB, rounded down', limit: '200M', expected: '--jitless --max-semi-space-size=1 --max-old-space-size=142' },
    { name: 'a limit below the reserve still gets the minimum old space', limit: '32Mi', expected: `--jitless --max-semi-space-size=1 --max-old-space-size=${MIN_OLD_SPACE_MIB}` },
    { name: 'no limit leaves the old space to V8', limit: undefined, expected: '--jitless --max-semi-space-size=1' },
    { name: 'a zero limit leaves the old space to V8', limit: '0', expected: '--jitless --max-semi-space-size=1' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(injectorNodeOptions(c.limit), c.expected));
  }
});
