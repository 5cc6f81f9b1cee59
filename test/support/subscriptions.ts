import type { Client } from 'graphql-ws';

export interface Collected<T = Record<string, any>> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves when at least n events arrived (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves when the subscription ended with an error or completed. */
  ended(timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** Subscribes over graphql-ws and collects what arrives; resolves once the server acknowledged the subscription. */
export async function collect<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Collected<T>> {
  const out: Collected<T> = {
    events: [],
    errors: [],
    completed: false,
    waitFor: (n, timeoutMs = 10_000) => until(() => out.events.length >= n || out.errors.length > 0, timeoutMs).then(() => out.events),
    ended: (timeoutMs = 10_000) => until(() => out.completed || out.errors.length > 0, timeoutMs),
    stop: () => undefined,
  };
  let field: string | undefined;
  out.stop = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) out.errors.push(...value.errors);
        else if (value.data) {
          field ??= Object.keys(value.data)[0];
          out.events.push(value.data[field]);
        }
      },
      error: (err) => out.errors.push(err),
      complete: () => (out.completed = true),
    },
  );
  // The subscription is registered on the server once the socket is acknowledged and the
  // subscribe message processed; a short pause covers the round trip.
  await until(() => true, 10);
  await new Promise((r) => setTimeout(r, 150));
  return out;
}

export async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
