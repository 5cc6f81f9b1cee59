import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { SpanAttributes, Tracing, TracingSettings, UpstreamSpan } from './tracing';

/** Only the attributes that have a value (OpenTelemetry drops undefined ones with a warning). */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The OpenTelemetry Node SDK: spans exported over OTLP/HTTP (the exporter reads
 * OTEL_EXPORTER_OTLP_ENDPOINT, …_TRACES_ENDPOINT and …_HEADERS itself; the sampler follows
 * OTEL_TRACES_SAMPLER, parent-based always-on by default), W3C trace context, and ioredis's
 * instrumentation for Redis commands made within a traced operation or callback. Redis spans name
 * the command only: keys and arguments hold phone numbers and event data.
 */
export class OtelTracing implements Tracing {
  private readonly provider: NodeTracerProvider;
  private readonly tracer;

  constructor(private readonly settings: TracingSettings) {
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    this.provider.register(); // global tracer provider, AsyncLocalStorage context manager, W3C propagators
    registerInstrumentations({
      tracerProvider: this.provider,
      instrumentations: [new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command })],
    });
    this.tracer = this.provider.getTracer('occ-gateway');
  }

  async operation<T>(headers: IncomingHttpHeaders, fn: () => Promise<T>): Promise<T> {
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    return this.within(this.tracer.startSpan('graphql', { kind: SpanKind.SERVER }, parent), parent, fn);
  }

  async callback<T>(fn: () => Promise<T>): Promise<T> {
    return this.within(this.tracer.startSpan('callback', { kind: SpanKind.SERVER }, ROOT_CONTEXT), ROOT_CONTEXT, fn);
  }

  annotate(attributes: SpanAttributes, name?: string, failed?: boolean): void {
    const span = trace.getActiveSpan();
    if (!span) return;
    if (name) span.updateName(name);
    span.setAttributes(defined(attributes));
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
  }

  upstream(endpoint: string, host: string): UpstreamSpan {
    const span = this.tracer.startSpan(`upstream ${endpoint}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'gateway.upstream.endpoint': endpoint, 'gateway.upstream.host': host },
    });
    let headers: Record<string, string> | undefined;
    if (this.settings.propagateUpstream) {
      headers = {};
      propagation.inject(trace.setSpan(context.active(), span), headers);
    }
    return {
      headers,
      end(attributes, failed) {
        span.setAttributes(defined(attributes));
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  }

  traceparent(): string | undefined {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return carrier.traceparent;
  }

  delivered(kind: string, traceparent: string | undefined, deliver: () => void): void {
    const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(`deliver ${kind}`, { kind: SpanKind.CONSUMER, attributes: { 'gateway.event.kind': kind } }, parent);
    try {
      context.with(trace.setSpan(parent, span), deliver);
    } finally {
      span.end();
    }
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  private async within<T>(span: Span, parent: typeof ROOT_CONTEXT, fn: () => Promise<T>): Promise<T> {
    try {
      return await context.with(trace.setSpan(parent, span), fn);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  }
}
