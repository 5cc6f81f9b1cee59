import { randomUUID } from 'node:crypto';
import type { GatewayContext, Services } from '../context';
import { operationOutcome, type FormattedErrors, type OperationOutcome, type OperationType } from './metrics';

interface Running {
  requestId: string;
  type: OperationType;
  name: string | null | undefined;
  started: number;
  outcome: OperationOutcome;
  /** Admitted and executing: graphql-ws calls onComplete for it when it ends (however it ends). */
  context?: GatewayContext;
}

/**
 * The operations of one WebSocket as metrics and logs see them, the counterpart of the HTTP
 * plugin (operation-plugin.ts): each one is counted and logged once when it ends — refused at
 * subscribe, or completed (by the client, by its source, or with the socket) — with the time it
 * ran (for a subscription, the time it was open) and the outcome of its last error, if any.
 */
export class SocketOperations {
  private readonly running = new Map<string, Running>();
  private readonly logs: boolean;

  constructor(private readonly services: Pick<Services, 'logger' | 'metrics'>) {
    this.logs = services.logger.isLevelEnabled('info');
  }

  /** A subscribe message arrived (graphql-ws onSubscribe): the operation's request id (a WebSocket message has no header to take one from). */
  begin(id: string, name: string | null | undefined): string {
    const requestId = randomUUID();
    this.running.set(id, { requestId, type: 'unknown', name, started: performance.now(), outcome: 'ok' });
    return requestId;
  }

  /** The request id of an operation of this socket. */
  requestIdOf(id: string): string | undefined {
    return this.running.get(id)?.requestId;
  }

  /** It passed the limits and runs with this context (its name from the document when the message named none). */
  admitted(id: string, type: OperationType, name: string | undefined, context: GatewayContext): void {
    const op = this.running.get(id);
    if (!op) return;
    op.type = type;
    op.name ??= name;
    op.context = context;
    if (type === 'subscription') this.services.metrics.subscriptionOpened();
  }

  /** A result sent with errors (formatted), e.g. an event whose fields failed. */
  answered(id: string, errors: FormattedErrors): void {
    const op = this.running.get(id);
    if (!op || !errors || errors.length === 0) return;
    op.outcome = operationOutcome(errors);
    this.services.metrics.refusedIn(errors);
  }

  /** An error message sent for it (onError): refused at subscribe, it ends now; executing, onComplete follows. */
  failed(id: string, errors: FormattedErrors): void {
    this.answered(id, errors);
    if (!this.running.get(id)?.context) this.end(id);
  }

  /** It ended (graphql-ws onComplete). */
  end(id: string): void {
    const op = this.running.get(id);
    if (!op) return;
    this.running.delete(id);
    const { metrics, logger } = this.services;
    const seconds = (performance.now() - op.started) / 1000;
    metrics.operation(op.type, op.name, op.outcome, seconds);
    if (op.type === 'subscription' && op.context) metrics.subscriptionClosed();
    if (this.logs) {
      logger.info(
        {
          requestId: op.requestId,
          operation: op.name ?? null,
          type: op.type,
          transport: 'ws',
          ms: Math.round(seconds * 1000),
          upstreamCalls: op.context?.upstreamCalls.length ?? 0,
          outcome: op.outcome,
        },
        'graphql operation',
      );
    }
  }
}
