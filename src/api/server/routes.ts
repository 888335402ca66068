/** Parses Kubernetes REST paths into (resource, namespace, name, subresource). */
import { resourceByPlural, type ResourceInfo } from '../resources.js';

export interface ResourceRoute {
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/**
 * Returns undefined when the path is not a resource path of a group-version kemu serves.
 * `/api/v1/namespaces/NS/pods/NAME/status` and `/apis/apps/v1/deployments` both parse.
 */
export function parseResourcePath(pathname: string): ResourceRoute | undefined {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  const inGroup = (plural: string | undefined): ResourceInfo | undefined => {
    const r = plural ? resourceByPlural(plural) : undefined;
    return r && r.group === group && r.version === version ? r : undefined;
  };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const r = inGroup(rest[2]);
    if (r?.namespaced) {
      if (rest.length > 5) return undefined;
      return { resource: r, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
  }
  const r = inGroup(rest[0]);
  if (!r || rest.length > 3) return undefined;
  return { resource: r, namespace: undefined, name: rest[1], subresource: rest[2] };
}
