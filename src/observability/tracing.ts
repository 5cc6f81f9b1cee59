import type { IncomingHttpHeaders } from 'node:http';
import { tracingSettings, type TracingSettings } from '../config';

export type { TracingSettings };

/** Span attributes the gateway sets: bounded values, never a phone number, message or token. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** A platform request's span, ended once the request is answered or failed. */
export interface UpstreamSpan {
  /** Headers to send with the request (`traceparent`), only with OTEL_PROPAGATE_UPSTREAM=true. */
  readonly headers: Record<string, string> | undefined;
  end(attributes: SpanAttributes, failed: boolean): void;
}

/**
 * OpenTelemetry tracing as the gateway uses it. Only present when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set (`tracing()` is undefined otherwise, and every caller skips its spans with `?.`): the SDK
 * lives in ./otel and is loaded by startTracing alone.
 */
export interface Tracing {
  /** Runs an HTTP GraphQL request inside its operation span, a child of the client's `traceparent` when it sent one. */
  operation<T>(headers: IncomingHttpHeaders, fn: () => Promise<T>): Promise<T>;
  /** Runs a platform callback inside its receipt span (the event appended meanwhile carries its trace context). */
  callback<T>(fn: () => Promise<T>): Promise<T>;
  /** Names the active span and adds attributes (failed: its status is an error). */
  annotate(attributes: SpanAttributes, name?: string, failed?: boolean): void;
  /** Starts the span of one platform request under the active one. */
  upstream(endpoint: string, host: string): UpstreamSpan;
  /** The active span's W3C traceparent, kept with an appended event. */
  traceparent(): string | undefined;
  /** Hands out an event inside a delivery span, a child of the callback span its traceparent names. */
  delivered(kind: string, traceparent: string | undefined, deliver: () => void): void;
  /** Sends the spans not yet exported. */
  flush(): Promise<void>;
}

let started: Tracing | undefined;

/**
 * Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (once per process: the SDK is global).
 * Must run before ioredis is first loaded, so its instrumentation can patch it: src/main.ts calls
 * it (through ./start-tracing) ahead of its other imports. Without the variable nothing is loaded.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (started) return started;
  const settings = tracingSettings(env);
  if (!settings) return undefined;
  // Synchronous on purpose: the instrumentation must be in place before the modules it patches load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OtelTracing } = require('./otel') as typeof import('./otel');
  started = new OtelTracing(settings);
  return started;
}

/** The process's tracing, if it was started. */
export function tracing(): Tracing | undefined {
  return started;
}
