/**
 * API errors carry what a Kubernetes Status needs: HTTP code, reason and details. Every error the
 * API service raises is an ApiError with a stable `code`, so the HTTP server and the in-process
 * client report the same thing.
 */
import { KemuError } from '../util/errors.js';
import type { ResourceInfo } from './resources.js';
import type { Status, StatusCause } from './types.js';

export type StatusReason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Forbidden'
  | 'InternalError'
  | 'Timeout';

const HTTP_CODE: Record<StatusReason, number> = {
  BadRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  InternalError: 500,
  Timeout: 504,
};

export interface ApiErrorDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

export class ApiError extends KemuError {
  readonly reason: StatusReason;
  readonly httpCode: number;
  readonly details: ApiErrorDetails | undefined;
  constructor(reason: StatusReason, message: string, details?: ApiErrorDetails) {
    super(`ERR_API_${reason.toUpperCase()}`, message);
    this.reason = reason;
    this.httpCode = HTTP_CODE[reason];
    this.details = details;
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.httpCode,
    };
    if (this.details) status.details = { ...this.details };
    return status;
  }
}

/** Kubernetes' qualified resource name as it appears in messages: `pods`, `deployments.apps`. */
export function qualifiedResource(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function notFound(r: ResourceInfo, name: string): ApiError {
  return new ApiError('NotFound', `${qualifiedResource(r)} "${name}" not found`, {
    name,
    group: r.group,
    kind: r.plural,
  });
}

export function alreadyExists(r: ResourceInfo, name: string): ApiError {
  return new ApiError('AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.plural,
  });
}

export function conflict(r: ResourceInfo, name: string, why: string): ApiError {
  return new ApiError('Conflict', `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`, {
    name,
    group: r.group,
    kind: r.plural,
  });
}

export function invalid(r: ResourceInfo, name: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError('Invalid', `${r.kind} "${name}" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`, {
    name,
    group: r.group,
    kind: r.kind,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError('BadRequest', message);
}

/** Turns anything thrown inside the API into a Status-bearing ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof KemuError) {
    switch (err.code) {
      case 'ERR_BAD_SELECTOR':
      case 'ERR_PATCH_INVALID':
        return new ApiError('BadRequest', err.message);
      case 'ERR_PATCH_TEST_FAILED':
        return new ApiError('Invalid', err.message);
      case 'ERR_PATCH_UNSUPPORTED':
        return new ApiError('UnsupportedMediaType', err.message);
      case 'ERR_GONE':
        return new ApiError('Expired', err.message);
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError('InternalError', `Internal error occurred: ${message}`);
}
