/**
 * Content negotiation as kubectl needs it: plain JSON, server-side Tables
 * (`application/json;as=Table;v=v1;g=meta.k8s.io`) and metadata-only lists.
 */
export type Rendering =
  | { kind: 'json' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'metadata'; version: 'v1' | 'v1beta1' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.trim().split(';');
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: (type ?? '').trim().toLowerCase(), params };
  });
}

/** Picks the first acceptable rendering in the client's order, or undefined (406). */
export function chooseRendering(header: string | undefined): Rendering | undefined {
  for (const range of parseAccept(header)) {
    if (range.type !== 'application/json' && range.type !== '*/*' && range.type !== 'application/*') continue;
    const as = range.params['as'];
    if (!as) return { kind: 'json' };
    const version = range.params['v'];
    if (range.params['g'] !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) continue;
    if (as === 'Table') return { kind: 'table', version };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { kind: 'metadata', version };
  }
  return undefined;
}
