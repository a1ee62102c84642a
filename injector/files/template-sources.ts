/**
 * Reads the ConfigMap/Secret templates an ExternalSecret's `templateFrom` names from the volumes
 * the webhook mounted into the injector containers (`<templatesPath>/<configMap|secret>/<name>/<key>`,
 * webhook/pod/volumes.ts). Read at every refresh, so an edited ConfigMap reaches a running pod
 * when the kubelet updates the volume. A missing file is simply absent: the rule engine then
 * fails that ExternalSecret naming the object and key.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlannedExternalSecret } from '../../contract/injector-config-schema.ts';
import { templateSourceId, type TemplateSources } from '../rules/index.ts';

/** ConfigMaps hold at most 1 MiB; a larger file is refused rather than read whole. */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

async function readBounded(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  try {
    const buf = Buffer.alloc(MAX_TEMPLATE_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_TEMPLATE_BYTES) throw new Error(`${path} is larger than ${MAX_TEMPLATE_BYTES} bytes`);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The template texts one ExternalSecret needs; empty when it has none or no templatesPath is set. */
export async function readTemplateSources(templatesPath: string | undefined, es: PlannedExternalSecret): Promise<TemplateSources> {
  const out = new Map<string, string>();
  if (templatesPath === undefined || es.template === undefined) return out;
  for (const f of es.template.templateFrom) {
    const kind = 'configMap' in f ? 'configMap' : 'secret' in f ? 'secret' : undefined;
    if (kind === undefined) continue;
    const ref = 'configMap' in f ? f.configMap : (f as { secret: { name: string; items: { key: string }[] } }).secret;
    for (const item of ref.items) {
      const text = await readBounded(join(templatesPath, kind, ref.name, item.key));
      if (text !== undefined) out.set(templateSourceId(kind, ref.name, item.key), text);
    }
  }
  return out;
}
