/**
 * The Node options the webhook gives both injector containers (webhook/pod/container-base.ts
 * `injectorNodeOptions`): no JIT, and heap caps fitted to the container's memory limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { injectorNodeOptions, MIN_OLD_SPACE_MIB, NON_HEAP_RESERVE_MIB } from '../../webhook/pod/container-base.ts';

describe('injectorNodeOptions', () => {
  const cases: Array<{ name: string; role: 'init' | 'agent'; limit: string | undefined; expected: string }> = [
    { name: 'the agent at the default 96Mi limit: no JIT, the minimum old space (twice the measured live set)', role: 'agent', limit: '96Mi', expected: `--jitless --max-semi-space-size=1 --max-old-space-size=${MIN_OLD_SPACE_MIB}` },
    { name: 'init keeps the JIT (Node\'s built-in code cache needs the default flags)', role: 'init', limit: '96Mi', expected: `--max-semi-space-size=1 --max-old-space-size=${MIN_OLD_SPACE_MIB}` },
    { name: 'a 128Mi limit leaves 48 MiB of old space', role: 'agent', limit: '128Mi', expected: '--jitless --max-semi-space-size=1 --max-old-space-size=48' },
    { name: 'a 1Gi limit gets all but the non-heap reserve', role: 'agent', limit: '1Gi', expected: `--jitless --max-semi-space-size=1 --max-old-space-size=${1024 - NON_HEAP_RESERVE_MIB}` },
    { name: 'a decimal 200M limit is converted to MiB, rounded down', role: 'init', limit: '200M', expected: '--max-semi-space-size=1 --max-old-space-size=110' },
    { name: 'a limit below the reserve still gets the minimum old space', role: 'agent', limit: '64Mi', expected: `--jitless --max-semi-space-size=1 --max-old-space-size=${MIN_OLD_SPACE_MIB}` },
    { name: 'no limit leaves the old space to V8', role: 'agent', limit: undefined, expected: '--jitless --max-semi-space-size=1' },
    { name: 'a zero limit leaves the old space to V8', role: 'init', limit: '0', expected: '--max-semi-space-size=1' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(injectorNodeOptions(c.role, c.limit), c.expected));
  }
});
