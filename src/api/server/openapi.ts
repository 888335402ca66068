/**
 * OpenAPI v3 documents, as much as kubectl needs: per group-version, every path kemu serves with its
 * operations, the group-version-kind extension and the query parameters kemu honours (notably
 * fieldValidation, which tells kubectl that the server validates fields strictly so it does not
 * need a client-side schema). Object schemas are not published: kubectl then computes strategic
 * merge patches from its own compiled types, exactly as it does against servers without them.
 * OpenAPI v2 is protobuf-only in kubectl and is not served (404), which kubectl tolerates.
 */
import { createHash } from 'node:crypto';
import { groupVersions, type ResourceInfo } from '../resources.js';

const QUERY = (name: string, type = 'string') => ({ name, in: 'query', schema: { type, uniqueItems: true } });
const WRITE_PARAMS = [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation'), QUERY('pretty')];
const READ_PARAMS = [QUERY('pretty')];
const LIST_PARAMS = [
  QUERY('labelSelector'),
  QUERY('fieldSelector'),
  QUERY('limit', 'integer'),
  QUERY('continue'),
  QUERY('resourceVersion'),
  QUERY('timeoutSeconds', 'integer'),
  QUERY('watch', 'boolean'),
  QUERY('allowWatchBookmarks', 'boolean'),
];

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function operation(r: ResourceInfo, verb: string, params: object[], kind = r.kind, group = r.group, version = r.version): object {
  return {
    operationId: `${verb}${kind}`,
    parameters: params,
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': verb,
    'x-kubernetes-group-version-kind': { group, version, kind },
  };
}

function pathsFor(r: ResourceInfo): Record<string, object> {
  const base = `/${gvPath(r.group, r.version)}`;
  const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${collection}/{name}`;
  const paths: Record<string, object> = {
    [collection]: {
      get: operation(r, 'list', LIST_PARAMS),
      post: operation(r, 'post', WRITE_PARAMS),
      delete: operation(r, 'deletecollection', LIST_PARAMS),
    },
    [item]: {
      get: operation(r, 'get', READ_PARAMS),
      put: operation(r, 'put', WRITE_PARAMS),
      patch: operation(r, 'patch', WRITE_PARAMS),
      delete: operation(r, 'delete', [QUERY('gracePeriodSeconds', 'integer'), QUERY('dryRun')]),
    },
  };
  if (r.namespaced) paths[`${base}/${r.plural}`] = { get: operation(r, 'list', LIST_PARAMS) };
  for (const sub of r.subresources) {
    if (sub === 'binding') {
      paths[`${item}/binding`] = { post: operation(r, 'post', WRITE_PARAMS, 'Binding') };
    } else if (sub === 'scale') {
      const scale = (verb: string, params: object[]) => operation(r, verb, params, 'Scale', 'autoscaling', 'v1');
      paths[`${item}/scale`] = { get: scale('get', READ_PARAMS), put: scale('put', WRITE_PARAMS), patch: scale('patch', WRITE_PARAMS) };
    } else {
      paths[`${item}/${sub}`] = { get: operation(r, 'get', READ_PARAMS), put: operation(r, 'put', WRITE_PARAMS), patch: operation(r, 'patch', WRITE_PARAMS) };
    }
  }
  return paths;
}

function gvDocument(group: string, version: string, resources: ResourceInfo[]): object {
  const paths: Record<string, object> = {};
  for (const r of resources) Object.assign(paths, pathsFor(r));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-kemu' },
    paths,
    components: { schemas: {} },
  };
}

let cached: { index: object; docs: Map<string, object> } | undefined;

function build(): { index: object; docs: Map<string, object> } {
  if (cached) return cached;
  const docs = new Map<string, object>();
  const paths: Record<string, object> = {};
  for (const gv of groupVersions()) {
    const key = gvPath(gv.group, gv.version);
    const doc = gvDocument(gv.group, gv.version, gv.resources);
    docs.set(key, doc);
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 64).toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  cached = { index: { paths }, docs };
  return cached;
}

/** The document for `/openapi/v3` or `/openapi/v3/<gv path>`, or undefined (404). */
export function openApiDocument(pathname: string, _accept: string | undefined): object | undefined {
  if (pathname === '/openapi/v3') return build().index;
  if (pathname.startsWith('/openapi/v3/')) return build().docs.get(pathname.slice('/openapi/v3/'.length));
  return undefined;
}
