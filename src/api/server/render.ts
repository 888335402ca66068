/**
 * Response bodies for the renderings kubectl asks for. Plain JSON lists are assembled from each
 * object's cached JSON text: a LIST of 10,000 pods is one string join, not 10,000 stringify calls.
 */
import { apiVersionOf, type ResourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';
import type { Page } from '../service/paging.js';
import { toTable } from '../table/index.js';
import type { Rendering } from './negotiate.js';
import { storedBytes } from './watch.js';

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

type IncludeObject = 'None' | 'Metadata' | 'Object';

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export function partialMetadata(obj: KubeObject, version: string): object {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export function renderObject(r: ResourceInfo, obj: KubeObject, rendering: Rendering, now: number, q: URLSearchParams): unknown {
  if (rendering.kind === 'table') {
    return { ...toTable(r, [obj], { now, includeObject: includeObject(q) }), apiVersion: `meta.k8s.io/${rendering.version}` };
  }
  if (rendering.kind === 'metadata') return partialMetadata(obj, rendering.version);
  return obj;
}

export function renderList(r: ResourceInfo, page: Page, rendering: Rendering, now: number, q: URLSearchParams): string | Buffer {
  const listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    resourceVersion: String(page.resourceVersion),
  };
  if (page.continue) {
    listMeta.continue = page.continue;
    listMeta.remainingItemCount = page.remainingItemCount;
  }
  if (rendering.kind === 'table') {
    const table = toTable(
      r,
      page.items.map((s) => s.object),
      { now, includeObject: includeObject(q), listMeta },
    );
    return JSON.stringify({ ...table, apiVersion: `meta.k8s.io/${rendering.version}` });
  }
  if (rendering.kind === 'metadata') {
    return JSON.stringify({
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${rendering.version}`,
      metadata: listMeta,
      items: page.items.map((s) => partialMetadata(s.object, rendering.version)),
    });
  }
  // Each object's bytes were encoded once; a LIST is one concatenation of them.
  const parts: Buffer[] = [Buffer.from(`{"kind":"${r.listKind}","apiVersion":"${apiVersionOf(r)}","metadata":${JSON.stringify(listMeta)},"items":[`)];
  page.items.forEach((s, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(storedBytes(s));
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}
