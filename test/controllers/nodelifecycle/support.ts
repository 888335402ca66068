/** Helpers for controller tests: a real API server + FakeClock, and ways to let async work settle. */
import { InformerFactory } from '../../../src/api/client/factory.js';
import type { ApiClient } from '../../../src/api/client.js';
import type { Event, KubeObject } from '../../../src/api/types.js';
import { EventRecorder } from '../../../src/controllers/events.js';
import { FakeClock } from '../../../src/util/clock.js';
import { startTestApi, type TestApi } from '../../support/api.js';

export interface Harness {
  api: TestApi;
  client: ApiClient;
  clock: FakeClock;
  factory: InformerFactory;
  recorder: EventRecorder;
  errors: Error[];
  close(): Promise<void>;
}

export async function harness(component = 'test-controller'): Promise<Harness> {
  const clock = new FakeClock();
  const api = await startTestApi({ clock });
  const errors: Error[] = [];
  const factory = new InformerFactory(api.client, clock, (_r, err) => errors.push(err));
  const recorder = new EventRecorder(api.client, clock, component);
  return {
    api,
    client: api.client,
    clock,
    factory,
    recorder,
    errors,
    close: async () => {
      factory.stop();
      await api.close();
    },
  };
}

/** Lets queued promises, microtasks and watch deliveries run (no clock movement). */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Moves the fake clock by `ms` in steps of `stepMs`, settling after each step as a real run would. */
export async function advance(clock: FakeClock, ms: number, stepMs = 1000): Promise<void> {
  for (let done = 0; done < ms; ) {
    const step = Math.min(stepMs, ms - done);
    clock.advance(step);
    done += step;
    await settle();
  }
}

/** Polls `fn` (settling in between, clock frozen) until it returns a truthy value. */
export async function waitFor<T>(fn: () => Promise<T> | T, what = 'condition', tries = 200): Promise<NonNullable<T>> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    await settle(2);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function eventsFor(client: ApiClient, name: string, namespace = 'default'): Promise<Event[]> {
  const list = await client.list<Event>('events', { namespace });
  return list.items.filter((e) => e.involvedObject.name === name);
}

export async function getOrUndefined<T extends KubeObject>(client: ApiClient, resource: string, ns: string | undefined, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(resource, ns, name);
  } catch {
    return undefined;
  }
}
