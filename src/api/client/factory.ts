/**
 * Shared informers: one list+watch and one cache per resource for every controller in the process,
 * as client-go's SharedInformerFactory. Controllers ask for informers here instead of making them.
 */
import type { Clock } from '../../util/clock.js';
import type { ApiClient } from '../client.js';
import type { KubeObject } from '../types.js';
import { Informer } from './informer.js';

export class InformerFactory {
  private readonly informers = new Map<string, Informer<any>>();
  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly onError?: (resource: string, err: Error) => void,
  ) {}

  informer<T extends KubeObject>(resource: string): Informer<T> {
    let inf = this.informers.get(resource);
    if (!inf) {
      inf = new Informer<T>(this.client, resource, { clock: this.clock, onError: (err) => this.onError?.(resource, err) });
      this.informers.set(resource, inf);
    }
    return inf as Informer<T>;
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
