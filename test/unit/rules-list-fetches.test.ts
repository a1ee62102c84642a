/** listFetches: what the fetch layer must fetch for one ExternalSecret, deduplicated by fetchId. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listFetches } from '../../injector/rules/index.ts';
import type { PlannedExternalSecret } from '../../contract/injector-config-schema.ts';

describe('listFetches', () => {
  const table: { name: string; es: PlannedExternalSecret; want: object[] }[] = [
    {
      name: 'data entries then extract entries, each distinct fetch once',
      es: { name: 'a', provider: 'kms', data: [{ key: 'db', profile: 'p', name: 'x' }, { key: 'db', profile: 'p', name: 'y', jmesPath: [{ path: 'u' }] }], dataProcess: [{ extract: { key: 'cfg', profile: 'p' } }, { replaceRule: [{ source: 'a', target: 'b' }] }] },
      want: [{ provider: 'kms', key: 'db', profile: 'p' }, { provider: 'kms', key: 'cfg', profile: 'p' }],
    },
    {
      name: 'KMS versions, stages and endpoints make distinct fetches; empty strings are ignored',
      es: { name: 'b', provider: 'kms', data: [{ key: 's', profile: 'p', versionId: 'v1' }, { key: 's', profile: 'p', versionStage: 'ACSPrevious' }, { key: 's', profile: 'p', kmsEndpoint: ' kms.cn-hangzhou.aliyuncs.com ' }, { key: 's', profile: 'p', versionId: '' }], dataProcess: [] },
      want: [
        { provider: 'kms', key: 's', profile: 'p', versionId: 'v1' },
        { provider: 'kms', key: 's', profile: 'p', versionStage: 'ACSPrevious' },
        { provider: 'kms', key: 's', profile: 'p', kmsEndpoint: 'kms.cn-hangzhou.aliyuncs.com' },
        { provider: 'kms', key: 's', profile: 'p' },
      ],
    },
    {
      name: 'OOS keeps versionId (ParameterVersion) and ignores stages and endpoints, so equal parameters share one fetch',
      es: { name: 'c', provider: 'oos', data: [{ key: '/p', profile: 'p', versionId: '2' }, { key: '/p', profile: 'p', versionId: '2', versionStage: 'ACSPrevious' }, { key: '/p', profile: 'p', kmsEndpoint: 'kms.x.aliyuncs.com' }], dataProcess: [] },
      want: [{ provider: 'oos', key: '/p', profile: 'p', versionId: '2' }, { provider: 'oos', key: '/p', profile: 'p' }],
    },
    {
      name: 'different profiles are different fetches',
      es: { name: 'd', provider: 'kms', data: [{ key: 's', profile: 'p1' }, { key: 's', profile: 'p2' }], dataProcess: [] },
      want: [{ provider: 'kms', key: 's', profile: 'p1' }, { provider: 'kms', key: 's', profile: 'p2' }],
    },
  ];
  for (const t of table) it(t.name, () => assert.deepEqual(listFetches(t.es), t.want));
});
