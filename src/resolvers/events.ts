import { Arg, Authorized, Ctx, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { hasAnyRole } from '../auth/principal';
import type { GatewayContext } from '../context';
import { BadInputError, ForbiddenError } from '../errors';
import { EVENT_KIND_VALUES, EventKind, type EventData, type KindEvent, type KindPayload } from '../events/kinds';
import { canonicalNumber } from '../ivr/rules';
import { AgentEventName } from '../schema/agentcontrol';
import {
  AgentCallEndedEvent,
  AgentToolbarEvent,
  BidirectionalCallEndedEvent,
  CallEndedEvent,
  DeadLetter,
  DirectCallEndedEvent,
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
import { PhoneScalar } from '../schema/phone';
import { DEAD_LETTER_STREAM, formatCursor, parseLogCursor } from '../subscriptions/bus';
import { eventStream, payloadOrEnd, type Overflow } from '../subscriptions/event-stream';
import { readAfterCursor } from '../subscriptions/stream-bus';

type Args = Record<string, unknown>;

/** What a subscription resolver of kinds K receives. */
type EventRoot<K extends EventKind> = KindPayload<K> | Overflow;

/**
 * The payload of kinds K, as the resolver of GraphQL type C returns it. A field of C that the
 * payload (the normaliser's data) lacks turns the return type into an object naming the field, so
 * the resolver does not compile: a renamed field must be renamed in its normaliser too.
 */
type Delivers<K extends EventKind, C> = [Exclude<keyof C, keyof KindPayload<K>>] extends [never]
  ? KindPayload<K>
  : { 'fields of the GraphQL type missing from the payload': Exclude<keyof C, keyof KindPayload<K>> };

/** How an argument is compared with the event: the field it must equal, read from the kind's data. */
interface ArgFilter<D> {
  read: (data: D) => unknown;
  /** Compare as phone numbers: the argument (a Phone) with the event's number in the same national form. */
  phone?: boolean;
}
type Filters<K extends EventKind> = Record<string, ArgFilter<EventData<K>>>;

const field = <D>(read: (data: D) => unknown): ArgFilter<D> => ({ read });
const phone = <D>(read: (data: D) => unknown): ArgFilter<D> => ({ read, phone: true });

/** Who may subscribe: viewers and above; agents too (they then see only their own events). */
function subscriber(ctx: GatewayContext): GatewayContext {
  if (!ctx.principal || !hasAnyRole(ctx.principal, ['viewer', 'agent']))
    throw new ForbiddenError('Subscribing needs the viewer or agent role');
  return ctx;
}

/** A filter from optional arguments: every given argument must equal the event's field. */
function matching<K extends EventKind>(args: Args, filters: Filters<K>) {
  // Only the arguments given take part; each is read as a string once, at subscribe time.
  const checks = Object.entries(filters)
    .filter(([arg]) => args[arg] !== undefined && args[arg] !== null)
    .map(([arg, { read, phone }]) => ({ read, phone, expected: String(args[arg]) }));
  return (event: KindEvent<K>) =>
    checks.every(({ read, phone, expected }) => {
      const value = read(event.data as EventData<K>);
      if (value === undefined || value === null) return false;
      return (phone ? canonicalNumber(String(value)) : String(value)) === expected;
    });
}

/**
 * A cursor as the event log gives them ("<generation>:<sequence>", "0" for the start of the log, or
 * digits alone from before generations; sequences below 2^53): anything else is no cursor of ours.
 * Whether the log can still continue from it is the replay's question (CURSOR_EXPIRED).
 */
function checkCursor(field: string, value: unknown): void {
  if (value !== undefined && value !== null && parseLogCursor(String(value)) === undefined) {
    throw new BadInputError(field, 'must be a cursor received with an event');
  }
}

/** Subscribe options for events of some kinds, with argument filters and `after`: typed by the kinds' payloads. */
function stream<K extends EventKind>(kinds: readonly K[], filters: Filters<K> = {}, extra?: (args: Args, event: KindEvent<K>) => boolean) {
  return ({ args, context }: { args: Args; context: GatewayContext }) => {
    checkCursor('after', args.after);
    const byArgs = matching(args, filters);
    return eventStream<KindEvent<K>>(subscriber(context), {
      kinds,
      after: args.after as string | undefined,
      filter: (e) => byArgs(e) && (!extra || extra(args, e)),
    });
  };
}

/** Agent-toolbar event names: those asked for; OTHER stands for every name the spec does not list. */
function eventNamed(args: Args, e: KindEvent<'agentEvent'>): boolean {
  const names = args.events as AgentEventName[] | undefined;
  if (!names || names.length === 0) return true;
  const name = e.data.event;
  if (names.includes(name as AgentEventName)) return true;
  return names.includes(AgentEventName.OTHER) && !(Object.values(AgentEventName) as string[]).includes(name);
}

const afterArg = { nullable: true, description: 'Resume after this cursor: missed events first, then live ones' } as const;

@Resolver()
export class EventsResolver {
  @Subscription(() => PlatformEvent, {
    description: 'Every platform event of the given kinds (all kinds when none are given)',
    subscribe: ({ args, context }) => {
      const kinds = (args.kinds as EventKind[] | undefined)?.length ? (args.kinds as EventKind[]) : EVENT_KIND_VALUES;
      return stream(kinds)({ args, context });
    },
  })
  platformEvents(
    @Root() event: EventRoot<EventKind>,
    @Arg('kinds', () => [EventKind], { nullable: true }) _kinds?: EventKind[],
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<EventKind, PlatformEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => CallEndedEvent, {
    description: 'Calls of outbound tasks that ended (CallEnd)',
    subscribe: stream(['CallEnd'], { taskSn: field((d) => d.taskSn), called: phone((d) => d.called) }),
  })
  callEnded(
    @Root() event: EventRoot<'CallEnd'>,
    @Arg('taskSn', () => ID, { nullable: true }) _taskSn?: string,
    @Arg('called', () => PhoneScalar, { nullable: true }) _called?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'CallEnd', CallEndedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => TaskStatusChangedEvent, { subscribe: stream(['taskStatus'], { taskSn: field((d) => d.taskSn) }) })
  taskStatusChanged(
    @Root() event: EventRoot<'taskStatus'>,
    @Arg('taskSn', () => ID, { nullable: true }) _taskSn?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'taskStatus', TaskStatusChangedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => TemplateReviewedEvent, {
    description: 'Template reviews, v2 and legacy',
    subscribe: stream(['TemplateReviewEvent', 'template'], { templateSn: field((d) => d.templateSn) }),
  })
  templateReviewed(
    @Root() event: EventRoot<'TemplateReviewEvent' | 'template'>,
    @Arg('templateSn', () => ID, { nullable: true }) _templateSn?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'TemplateReviewEvent' | 'template', TemplateReviewedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => AgentCallEndedEvent, { subscribe: stream(['AgentCallEnd'], { agentNumber: field((d) => d.agentNumber) }) })
  agentCallEnded(
    @Root() event: EventRoot<'AgentCallEnd'>,
    @Arg('agentNumber', () => ID, { nullable: true }) _agentNumber?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'AgentCallEnd', AgentCallEndedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => AgentToolbarEvent, {
    description: 'Agent-toolbar events, optionally of one agent and of some event names',
    subscribe: stream(['agentEvent'], { agentNumber: field((d) => d.agentNumber) }, eventNamed),
  })
  agentEvent(
    @Root() event: EventRoot<'agentEvent'>,
    @Arg('agentNumber', () => ID, { nullable: true }) _agentNumber?: string,
    @Arg('events', () => [AgentEventName], {
      nullable: true,
      description: 'Event names, e.g. [LOGIN, IDLE]; OTHER for names the spec does not list',
    })
    _events?: AgentEventName[],
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'agentEvent', AgentToolbarEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => BidirectionalCallEndedEvent, { subscribe: stream(['BidirectionalCallEnd'], { callId: field((d) => d.callId) }) })
  bidirectionalCallEnded(
    @Root() event: EventRoot<'BidirectionalCallEnd'>,
    @Arg('callId', () => ID, { nullable: true }) _callId?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'BidirectionalCallEnd', BidirectionalCallEndedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => PrivacyCallEndedEvent, { subscribe: stream(['PnsCallEnd'], { bindId: field((d) => d.bindId) }) })
  privacyCallEnded(
    @Root() event: EventRoot<'PnsCallEnd'>,
    @Arg('bindId', () => ID, { nullable: true }) _bindId?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'PnsCallEnd', PrivacyCallEndedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => DirectCallEndedEvent, { subscribe: stream(['DirectCallEnd'], { callingNumber: phone((d) => d.callingNumber) }) })
  directCallEnded(
    @Root() event: EventRoot<'DirectCallEnd'>,
    @Arg('callingNumber', () => PhoneScalar, { nullable: true }) _callingNumber?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'DirectCallEnd', DirectCallEndedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => SipCallEndedEvent, { subscribe: stream(['SipDockingCallEnd'], { caller: phone((d) => d.caller) }) })
  sipCallEnded(
    @Root() event: EventRoot<'SipDockingCallEnd'>,
    @Arg('caller', () => PhoneScalar, { nullable: true }) _caller?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'SipDockingCallEnd', SipCallEndedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => HangupCauseDetectedEvent, { subscribe: stream(['HangupCauseEvent'], { called: phone((d) => d.called) }) })
  hangupCauseDetected(
    @Root() event: EventRoot<'HangupCauseEvent'>,
    @Arg('called', () => PhoneScalar, { nullable: true }) _called?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'HangupCauseEvent', HangupCauseDetectedEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => RecordPackageReadyEvent, { subscribe: stream(['recordpackage']) })
  recordPackageReady(
    @Root() event: EventRoot<'recordpackage'>,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'recordpackage', RecordPackageReadyEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => LegacyTaskLogEvent, {
    description: 'Calls of legacy voice notices that ended (tasklog)',
    subscribe: stream(['tasklog'], { taskSn: field((d) => d.taskSn), orderId: field((d) => d.orderId) }),
  })
  legacyTaskLog(
    @Root() event: EventRoot<'tasklog'>,
    @Arg('taskSn', () => ID, { nullable: true }) _taskSn?: string,
    @Arg('orderId', { nullable: true }) _orderId?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'tasklog', LegacyTaskLogEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => SmsReportEvent, {
    description: 'SMS delivery reports and replies',
    subscribe: stream(['sms', 'smsUplink'], { taskId: field((d) => d.taskId), phone: phone((d) => d.phone) }),
  })
  smsReport(
    @Root() event: EventRoot<'sms' | 'smsUplink'>,
    @Arg('taskId', () => ID, { nullable: true }) _taskId?: string,
    @Arg('phone', () => PhoneScalar, { nullable: true }) _phone?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'sms' | 'smsUplink', SmsReportEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => FlashReportEvent, { subscribe: stream(['flash'], { taskId: field((d) => d.taskId), phone: phone((d) => d.phone) }) })
  flashReport(
    @Root() event: EventRoot<'flash'>,
    @Arg('taskId', () => ID, { nullable: true }) _taskId?: string,
    @Arg('phone', () => PhoneScalar, { nullable: true }) _phone?: string,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'flash', FlashReportEvent> {
    return payloadOrEnd(event);
  }

  @Subscription(() => IvrDecisionEvent, {
    description: "The gateway's answers to the platform's IVR transfer requests",
    subscribe: stream(['ivrDecision'], { called: phone((d) => d.called), outcome: field((d) => d.outcome) }),
  })
  ivrDecisions(
    @Root() event: EventRoot<'ivrDecision'>,
    @Arg('called', () => PhoneScalar, { nullable: true }) _called?: string,
    @Arg('outcome', () => IvrOutcome, { nullable: true }) _outcome?: IvrOutcome,
    @Arg('after', () => ID, afterArg) _after?: string,
  ): Delivers<'ivrDecision', IvrDecisionEvent> {
    return payloadOrEnd(event);
  }

  @Authorized('admin')
  @Query(() => [DeadLetter], { nullable: true, description: 'Callbacks the gateway could not use, oldest first' })
  async deadLetters(
    @Ctx() ctx: GatewayContext,
    @Arg('after', () => ID, { nullable: true }) after?: string,
    @Arg('limit', () => Int, { defaultValue: 100, description: 'At most 1000 (a page of the gateway’s own log, not a platform limit)' })
    limit = 100,
  ): Promise<DeadLetter[]> {
    if (limit < 1 || limit > 1000) throw new BadInputError('limit', 'must be between 1 and 1000');
    checkCursor('after', after);
    // Without after: the oldest kept; with it, exactly what follows it (CURSOR_EXPIRED when it cannot).
    const entries =
      after === undefined || after === null
        ? await ctx.services.store.readEvents([DEAD_LETTER_STREAM], '0', limit)
        : (await readAfterCursor(ctx.services.store, [DEAD_LETTER_STREAM], after, limit)).entries;
    return entries.map((e) => ({
      cursor: formatCursor(e.epoch, e.id),
      receivedAt: new Date(Number(e.fields.at)),
      reason: e.fields.reason,
      contentType: e.fields.contentType,
      rawBody: e.fields.raw,
    }));
  }
}
