/**
 * An explicit table of backends by type. flannel fills its table from each backend package's init();
 * here the caller fills it (registerFlannelBackends), so importing a module never changes what a
 * registry holds and two labs in one process can hold different sets.
 */
import { KemuError } from '../util/errors.js';
import type { Backend } from './backend.js';

export class BackendRegistry {
  private readonly backends = new Map<string, Backend>();

  register(backend: Backend): this {
    if (this.backends.has(backend.type)) throw new KemuError('ERR_BACKEND_EXISTS', `backend type ${backend.type} is already registered`);
    this.backends.set(backend.type, backend);
    return this;
  }

  /** The backend for `type`; throws ERR_UNKNOWN_BACKEND with flannel's message otherwise. */
  get(type: string): Backend {
    const backend = this.backends.get(type);
    if (backend === undefined) throw new KemuError('ERR_UNKNOWN_BACKEND', `unknown backend type: ${type}`);
    return backend;
  }

  has(type: string): boolean {
    return this.backends.has(type);
  }

  types(): string[] {
    return [...this.backends.keys()].sort();
  }
}
