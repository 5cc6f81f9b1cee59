import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError, AuthenticationError, AuthorizationError } from 'type-graphql';
import { errorMeaning } from './spec';
import { StoreUnavailableError } from './store/store';

/** The codes a client can see in `extensions.code` (besides Apollo's own GRAPHQL_* refusals); the README lists each. */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UPSTREAM_ERROR',
  'UPSTREAM_UNAVAILABLE',
  'UNAVAILABLE',
  'TIMEOUT',
  'SLOW_SUBSCRIBER',
  'CURSOR_EXPIRED',
  'OPERATION_LIMIT',
  'RATE_LIMITED',
  'BAD_REQUEST',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base of every error the gateway raises on purpose; anything else is reported as INTERNAL. */
export abstract class GatewayError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra fields for `extensions`; never secrets. */
  extensions(): Record<string, unknown> {
    return {};
  }
}

export class UnauthenticatedError extends GatewayError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'A valid bearer token is required') {
    super(message);
  }
}

export class ForbiddenError extends GatewayError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'Not allowed for this principal') {
    super(message);
  }
}

export class BadInputError extends GatewayError {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
  override extensions() {
    return { field: this.field };
  }
}

export class NotFoundError extends GatewayError {
  readonly code = 'NOT_FOUND';
}

/** The platform answered with a non-success envelope. */
export class UpstreamError extends GatewayError {
  readonly code = 'UPSTREAM_ERROR';
  constructor(
    readonly endpoint: string,
    readonly upstreamCode: string,
    readonly upstreamMessage: string,
    readonly httpStatus: number,
    /** What the client reads: the English meaning of the code (spec.ts errorMeaning), one sentence. */
    readonly meaning: string = errorMeaning(endpoint, upstreamCode, upstreamMessage),
  ) {
    super(meaning);
  }
  override extensions() {
    return { endpoint: this.endpoint, upstreamCode: this.upstreamCode, upstreamMessage: this.upstreamMessage };
  }
}

/** The platform could not be reached, timed out, or answered something that is not an envelope. */
export class UpstreamUnavailableError extends GatewayError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
  constructor(
    readonly endpoint: string,
    readonly reason: string,
    readonly timedOut = false,
  ) {
    super(`The platform is unavailable (${endpoint}: ${reason})`);
  }
  override extensions() {
    return { endpoint: this.endpoint };
  }
}

export class TimeoutError extends GatewayError {
  readonly code = 'TIMEOUT';
}

/** A subscriber fell too far behind: its subscription ends; it resumes with `after: resumeAfter`. */
export class SlowSubscriberError extends GatewayError {
  readonly code = 'SLOW_SUBSCRIBER';
  constructor(readonly resumeAfter: string | null) {
    super(
      `Subscription ended: the client fell more than the buffer behind. Subscribe again with after: ${JSON.stringify(resumeAfter)} to resume without a gap`,
    );
  }
  override extensions() {
    return { resumeAfter: this.resumeAfter };
  }
}

/**
 * A resume cursor the gateway cannot continue from without a gap: the event log (or live state) it
 * belongs to was lost since (`LOST`: Redis restarted without its data, a failover lost its latest
 * entries), or events after it are no longer kept (`TRIMMED`: EVENTS_MAXLEN_PER_KIND). The client
 * takes a fresh snapshot: it queries the current state, then subscribes without `after` (or after
 * the snapshot's cursor).
 */
export class CursorExpiredError extends GatewayError {
  readonly code = 'CURSOR_EXPIRED';
  constructor(
    readonly field: string,
    readonly reason: 'LOST' | 'TRIMMED',
    detail: string,
  ) {
    super(
      `${field}: this cursor can no longer be resumed without a gap (${detail}). Take a fresh snapshot: query the current state, then subscribe without after`,
    );
  }
  override extensions() {
    return { field: this.field, reason: this.reason };
  }
}

/** An operation exceeds one of the gateway's limits (refused before execution, or its platform-call budget is spent). */
export class OperationLimitError extends GatewayError {
  readonly code = 'OPERATION_LIMIT';
  constructor(
    /** depth, aliases, tokens, cost, upstreamCalls, subscriptionsPerSocket, … */
    readonly limit: string,
    readonly value: number,
    readonly maximum: number,
    message?: string,
  ) {
    super(message ?? `Operation refused: ${limit} ${value} is over the maximum of ${maximum}`);
  }
  override extensions() {
    return { limit: this.limit, value: this.value, maximum: this.maximum };
  }
}

/** graphql-js's parse error for a document over its `maxTokens` (LIMIT_TOKENS), as a refusal; undefined for any other message. */
export function tokenLimitRefusal(message: string): OperationLimitError | undefined {
  // graphql-js 16 writes "more that"; accept the corrected wording of later versions too.
  const match = /Document contains more (?:than|that) (\d+) tokens/.exec(message);
  if (!match) return undefined;
  const maximum = Number(match[1]);
  return new OperationLimitError('tokens', maximum + 1, maximum, `Operation refused: the document has more than ${maximum} tokens`);
}

/** A principal (or an address) used up a rate-limit budget; try again after `retryAfterSeconds`. */
export class RateLimitedError extends GatewayError {
  readonly code = 'RATE_LIMITED';
  constructor(
    /** operations or billedCalls */
    readonly limit: string,
    readonly retryAfterSeconds: number,
    message?: string,
  ) {
    super(message ?? `Rate limit reached (${limit}); try again in ${retryAfterSeconds} s`);
  }
  override extensions() {
    return { limit: this.limit, retryAfterSeconds: this.retryAfterSeconds };
  }
}

/** A request the gateway does not serve in this form (e.g. a subscription over plain HTTP). */
export class BadRequestError extends GatewayError {
  readonly code = 'BAD_REQUEST';
}

/** Maps any error thrown in a resolver to what a client may see: code, message, safe extensions. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  let original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  // A scalar's error in a variable is wrapped twice by graphql-js (`Variable "$x" got invalid value …`
  // around `Expected type "Phone". …`): the gateway's own error is the innermost one.
  while (original instanceof GraphQLError && original.originalError) original = original.originalError;
  const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
  if (original instanceof GatewayError) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.extensions() } };
  }
  if (original instanceof StoreUnavailableError) {
    return { ...base, message: 'Shared state is unavailable right now; try again shortly', extensions: { code: 'UNAVAILABLE' } };
  }
  if (original instanceof ArgumentValidationError) {
    const fields = original.extensions.validationErrors?.map((v) => v.property) ?? [];
    return { ...base, extensions: { code: 'BAD_USER_INPUT', fields } };
  }
  if (original instanceof AuthenticationError) {
    return { ...base, extensions: { code: 'UNAUTHENTICATED' } };
  }
  if (original instanceof AuthorizationError) {
    return { ...base, extensions: { code: 'FORBIDDEN' } };
  }
  const code = formatted.extensions?.code;
  const tokens = code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitRefusal(formatted.message) : undefined;
  if (tokens) return { ...base, message: tokens.message, extensions: { code: tokens.code, ...tokens.extensions() } };
  // Apollo's own request errors (parse, validation, bad variables, persisted queries) are safe to pass on.
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    return { ...base, extensions: { code } };
  }
  // A GraphQL coercion error (bad scalar/enum value) carries no originalError of ours.
  if (error instanceof GraphQLError && !error.originalError && !formatted.path) {
    return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  }
  // An argument graphql-js could not coerce during execution (null for a non-null argument, a
  // variable without a runtime value): its own GraphQLError, wrapped with the field's path.
  if (original instanceof GraphQLError && !original.originalError && /^Argument "[^"]+" (of|has) /.test(original.message)) {
    return { ...base, extensions: { code: 'BAD_USER_INPUT' } };
  }
  return { ...base, message: 'Internal error', extensions: { code: 'INTERNAL' } };
}
