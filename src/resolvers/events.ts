import { Arg, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { hasAnyRole } from '../auth/principal';
import type { GatewayContext } from '../context';
import { BadInputError, ForbiddenError } from '../errors';
import { DEAD_LETTER_STREAM } from '../hooks/receiver';
import {
  AgentCallEndedEvent,
  AgentToolbarEvent,
  BidirectionalCallEndedEvent,
  CallEndedEvent,
  DeadLetter,
  DirectCallEndedEvent,
  EventKind,
  FlashReportEvent,
  HangupCauseDetectedEvent,
  LegacyTaskLogEvent,
  PlatformEvent,
  PrivacyCallEndedEvent,
  RecordPackageReadyEvent,
  SipCallEndedEvent,
  SmsReportEvent,
  TaskStatusChangedEvent,
  TemplateReviewedEvent,
} from '../schema/events';
import { IvrDecisionEvent, IvrOutcome } from '../schema/ivr';
import type { DeliveredEvent } from '../subscriptions/bus';
import { eventStream, payloadOrEnd, type EventPayload, type Overflow } from '../subscriptions/event-stream';

type Args = Record<string, unknown>;
type Data = DeliveredEvent['data'];

/** Who may subscribe: viewers and above; agents too (they then see only their own events). */
function subscriber(ctx: GatewayContext): GatewayContext {
  if (!ctx.principal || !hasAnyRole(ctx.principal, ['viewer', 'agent'])) throw new ForbiddenError('Subscribing needs the viewer or agent role');
  return ctx;
}

/** A filter from optional arguments: every given argument must equal the event's field. */
function matching(args: Args, fields: Record<string, (d: Data) => unknown>) {
  // Only the arguments given take part; each is read as a string once, at subscribe time.
  const checks = Object.entries(fields)
    .filter(([arg]) => args[arg] !== undefined && args[arg] !== null)
    .map(([arg, read]) => ({ read, expected: String(args[arg]) }));
  return (event: DeliveredEvent) => checks.every(({ read, expected }) => String(read(event.data)) === expected);
}

/** A cursor as the event log gives them: a positive integer below 2^53 (the log's ids are below 2^64; a bigger one is no cursor of ours). */
function checkCursor(field: string, value: unknown): void {
  if (value !== undefined && value !== null && !/^\d{1,15}$/.test(String(value))) {
    throw new BadInputError(field, 'must be a cursor received with an event');
  }
}

/** Subscribe options for events of some kinds, with argument filters and `after`. */
function stream(kinds: string[], fields: Record<string, (d: Data) => unknown> = {}, extra?: (args: Args, event: DeliveredEvent) => boolean) {
  return ({ args, context }: { args: Args; context: GatewayContext }) => {
    checkCursor('after', args.after);
    const byArgs = matching(args, fields);
    return eventStream(subscriber(context), {
      kinds,
      after: args.after as string | undefined,
      filter: (e) => byArgs(e) && (!extra || extra(args, e)),
    });
  };
}

const field = (name: string) => (d: Data) => d[name];
const afterArg = { nullable: true, description: 'Resume after this cursor: missed events first, then live ones' } as const;

@Resolver()
export class EventsResolver {
  @Subscription(() => PlatformEvent, {
    description: 'Every platform event of the given kinds (all kinds when none are given)',
    subscribe: ({ args, context }) =>
      stream(((args.kinds as string[] | undefined)?.length ? args.kinds : Object.values(EventKind)) as string[])({ args, context }),
  })
  platformEvents(
    @Root() event: EventPayload | Overflow,
    @Arg('kinds', () => [EventKind], { nullable: true }) _kinds?: EventKind[],
    @Arg('after', () => ID, afterArg) _after?: string,
  ): PlatformEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => CallEndedEvent, {
    description: 'Calls of outbound tasks that ended (CallEnd)',
    subscribe: stream(['CallEnd'], { taskSn: field('taskSn'), called: field('called') }),
  })
  callEnded(
    @Root() event: EventPayload | Overflow,
    @Arg('taskSn', () => ID, { nullable: true }) _taskSn?: string,
    @Arg('called', { nullable: true }) _called?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): CallEndedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => TaskStatusChangedEvent, { subscribe: stream(['taskStatus'], { taskSn: field('taskSn') }) })
  taskStatusChanged(
    @Root() event: EventPayload | Overflow,
    @Arg('taskSn', () => ID, { nullable: true }) _taskSn?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): TaskStatusChangedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => TemplateReviewedEvent, {
    description: 'Template reviews, v2 and legacy',
    subscribe: stream(['TemplateReviewEvent', 'template'], { templateSn: field('templateSn') }),
  })
  templateReviewed(
    @Root() event: EventPayload | Overflow,
    @Arg('templateSn', () => ID, { nullable: true }) _templateSn?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): TemplateReviewedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => AgentCallEndedEvent, { subscribe: stream(['AgentCallEnd'], { agentNumber: field('agentNumber') }) })
  agentCallEnded(
    @Root() event: EventPayload | Overflow,
    @Arg('agentNumber', { nullable: true }) _agentNumber?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): AgentCallEndedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => AgentToolbarEvent, {
    description: 'Agent-toolbar events, optionally of one agent and of some event names',
    subscribe: stream(['agentEvent'], { agentNumber: field('agentNumber') }, (args, e) => {
      const names = args.events as string[] | undefined;
      return !names || names.length === 0 || names.includes(String(e.data.event));
    }),
  })
  agentEvent(
    @Root() event: EventPayload | Overflow,
    @Arg('agentNumber', { nullable: true }) _agentNumber?: string,
    @Arg('events', () => [String], { nullable: true, description: 'Event names, e.g. ["Login", "Idle"]' }) _events?: string[],
    @Arg('after', () => ID, afterArg) _after?: string,
  ): AgentToolbarEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => BidirectionalCallEndedEvent, { subscribe: stream(['BidirectionalCallEnd'], { callId: field('callId') }) })
  bidirectionalCallEnded(
    @Root() event: EventPayload | Overflow,
    @Arg('callId', () => ID, { nullable: true }) _callId?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): BidirectionalCallEndedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => PrivacyCallEndedEvent, { subscribe: stream(['PnsCallEnd'], { bindId: field('bindId') }) })
  privacyCallEnded(
    @Root() event: EventPayload | Overflow,
    @Arg('bindId', () => ID, { nullable: true }) _bindId?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): PrivacyCallEndedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => DirectCallEndedEvent, { subscribe: stream(['DirectCallEnd'], { callingNumber: field('callingNumber') }) })
  directCallEnded(
    @Root() event: EventPayload | Overflow,
    @Arg('callingNumber', { nullable: true }) _callingNumber?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): DirectCallEndedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => SipCallEndedEvent, { subscribe: stream(['SipDockingCallEnd'], { caller: field('caller') }) })
  sipCallEnded(
    @Root() event: EventPayload | Overflow,
    @Arg('caller', { nullable: true }) _caller?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): SipCallEndedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => HangupCauseDetectedEvent, { subscribe: stream(['HangupCauseEvent'], { called: field('called') }) })
  hangupCauseDetected(
    @Root() event: EventPayload | Overflow,
    @Arg('called', { nullable: true }) _called?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): HangupCauseDetectedEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => RecordPackageReadyEvent, { subscribe: stream(['recordpackage']) })
  recordPackageReady(@Root() event: EventPayload | Overflow, @Arg('after', () => ID, afterArg) _after?: string): RecordPackageReadyEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => LegacyTaskLogEvent, {
    description: 'Calls of legacy voice notices that ended (tasklog)',
    subscribe: stream(['tasklog'], { taskSn: field('taskSn'), orderId: field('orderId') }),
  })
  legacyTaskLog(
    @Root() event: EventPayload | Overflow,
    @Arg('taskSn', () => ID, { nullable: true }) _taskSn?: string,
    @Arg('orderId', { nullable: true }) _orderId?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): LegacyTaskLogEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => SmsReportEvent, {
    description: 'SMS delivery reports and replies',
    subscribe: stream(['sms', 'smsUplink'], { taskId: field('taskId'), phone: field('phone') }),
  })
  smsReport(
    @Root() event: EventPayload | Overflow,
    @Arg('taskId', () => ID, { nullable: true }) _taskId?: string,
    @Arg('phone', { nullable: true }) _phone?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): SmsReportEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => FlashReportEvent, { subscribe: stream(['flash'], { taskId: field('taskId'), phone: field('phone') }) })
  flashReport(
    @Root() event: EventPayload | Overflow,
    @Arg('taskId', () => ID, { nullable: true }) _taskId?: string,
    @Arg('phone', { nullable: true }) _phone?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): FlashReportEvent {
    return payloadOrEnd(event);
  }

  @Subscription(() => IvrDecisionEvent, {
    description: "The gateway's answers to the platform's IVR transfer requests",
    subscribe: stream(['ivrDecision'], { called: field('called'), outcome: field('outcome') }),
  })
  ivrDecisions(
    @Root() event: EventPayload | Overflow,
    @Arg('called', { nullable: true }) _called?: string,
    @Arg('outcome', () => IvrOutcome, { nullable: true }) _outcome?: IvrOutcome,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): IvrDecisionEvent {
    return payloadOrEnd(event);
  }

  @Authorized('admin')
  @Query(() => [DeadLetter], { description: 'Callbacks the gateway could not use, oldest first' })
  async deadLetters(
    @Ctx() ctx: GatewayContext,
    @Arg('after', () => ID, { nullable: true }) after?: string,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit = 100,
  ): Promise<DeadLetter[]> {
    if (limit < 1 || limit > 1000) throw new BadInputError('limit', 'must be between 1 and 1000');
    checkCursor('after', after);
    const entries = await ctx.services.store.readEvents([DEAD_LETTER_STREAM], after ?? '0', limit);
    return entries.map((e) => ({
      cursor: e.id,
      receivedAt: new Date(Number(e.fields.at)),
      reason: e.fields.reason,
      contentType: e.fields.contentType,
      rawBody: e.fields.raw,
    }));
  }
}
