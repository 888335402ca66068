/**
 * The three patch formats kube-apiserver accepts, as pure functions of (object, patch). The server
 * picks one by Content-Type; `applyPatch` does that mapping so every caller agrees on it.
 */
import { KemuError } from '../../util/errors.js';
import { applyJsonPatch } from './json.js';
import { applyMergePatch } from './merge.js';
import { applyStrategicMergePatch } from './strategic.js';

export { applyJsonPatch, parsePointer } from './json.js';
export { applyMergePatch } from './merge.js';
export { applyStrategicMergePatch } from './strategic.js';
export { strategicSchemaForKind, type FieldPatchMeta, type StructSchema } from './strategic-schema.js';

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * Applies `patch` as the media type in `contentType` says (parameters such as charset ignored).
 * Server-side apply (application/apply-patch+yaml) and unknown types are ERR_PATCH_UNSUPPORTED,
 * which the server answers with 415 like kube-apiserver.
 */
export function applyPatch(contentType: string, target: object, patch: unknown, kind: string): unknown {
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  switch (mediaType) {
    case PATCH_CONTENT_TYPES.json:
      return applyJsonPatch(target, patch);
    case PATCH_CONTENT_TYPES.merge:
      return applyMergePatch(target, patch);
    case PATCH_CONTENT_TYPES.strategic:
      return applyStrategicMergePatch(target, patch, kind);
    default:
      throw new KemuError('ERR_PATCH_UNSUPPORTED', `patch type ${JSON.stringify(mediaType)} is not supported`);
  }
}
