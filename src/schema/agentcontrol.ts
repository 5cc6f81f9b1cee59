import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AgentActivity } from '../subscriptions/live-state';
import { CallParty } from './call';
import { Sensitive, Sensitivity } from './sensitivity';

registerEnumType(AgentActivity, {
  name: 'AgentActivity',
  description: 'What an agent is doing, from the pushed toolbar events',
  valuesConfig: {
    LOGGED_OUT: { description: 'Not logged in' },
    LOGGED_IN: { description: 'Logged in, neither idle nor busy yet' },
    IDLE: { description: 'Available for calls' },
    BUSY: { description: 'Not available (see platformBusyType)' },
    DIALING: { description: 'Placing an outbound call' },
    RINGING: { description: 'An inbound call is ringing' },
    TALKING: { description: 'In conversation' },
    AFTER_CALL: { description: 'Wrap-up after a call' },
    OTHER: {
      description: "A platform state the gateway does not map to an activity: platformState has it (never a live agent's activity)",
    },
  },
});

/** How the agent's phone is reached after login; the values are the platform's `loginType`. */
export enum LoginType {
  SIP_PHONE = '1',
  MOBILE = '2',
  WEBRTC = '3',
}
registerEnumType(LoginType, {
  name: 'LoginType',
  description: 'Phone the agent works with after login',
  valuesConfig: {
    SIP_PHONE: { description: 'A SIP phone (platform 1)' },
    MOBILE: { description: "The agent's mobile phone: calls are forwarded to it (platform 2)" },
    WEBRTC: { description: 'WebRTC in the browser, no softphone needed (platform 3)' },
  },
});

/** Which phone of the agent a call rings first; the values are the platform's makeCall `callAgentType` and agent.call `type`. */
export enum AnswerMode {
  DEFAULT = 'default',
  PHONE = 'phone',
  SIP = 'sip',
}
registerEnumType(AnswerMode, {
  name: 'AnswerMode',
  description: 'Which phone of the agent a call rings (the answer mode)',
  valuesConfig: {
    DEFAULT: { description: 'The SIP phone when it is online, otherwise the mobile' },
    PHONE: { description: 'Only the mobile phone' },
    SIP: { description: 'Only the SIP phone' },
  },
});

/** Kind of consult / transfer target; the values are the platform's consultType / transferType. */
export enum CallTargetType {
  AGENT = '1',
  PHONE = '2',
  SKILL_GROUP = '3',
  IVR = '4',
}
registerEnumType(CallTargetType, {
  name: 'CallTargetType',
  description: 'What a consult or transfer goes to',
  valuesConfig: {
    AGENT: { description: 'An agent (target id: agent number)' },
    PHONE: { description: 'An external phone number (target id: the number, normalised like a Phone)' },
    SKILL_GROUP: { description: 'A skill group (target id: group id)' },
    IVR: { description: 'An IVR flow (target id: IVR id)' },
  },
});

/** Blind or consult transfer; the values are the platform's transferMode. */
export enum TransferMode {
  BLIND = 0,
  CONSULT = 1,
}
registerEnumType(TransferMode, { name: 'TransferMode', description: 'Blind transfer, or transfer after consulting the target' });

/** Direction of a call seen from the agent; the values are the platform's callDirection (HTTP tables: 0 inbound, 1 outbound). */
export enum CallDirection {
  INBOUND = '0',
  OUTBOUND = '1',
  /** Not a platform value: a direction the HTTP tables do not list. */
  OTHER = '#other',
}
registerEnumType(CallDirection, {
  name: 'CallDirection',
  description: 'Direction of a call seen from the agent',
  valuesConfig: {
    INBOUND: { description: 'Inbound (platform 0)' },
    OUTBOUND: { description: 'Outbound (platform 1)' },
    OTHER: {
      description:
        'A value the HTTP tables do not list (the SDK documents 1 inbound / 2 outbound): platformDirection has it. Not a filter value',
    },
  },
});

/** Kind of call in the call events; the values are the platform's callType. */
export enum AgentCallType {
  NORMAL = 'normal',
  CONSULT = 'consult',
  TRANSFER = 'transfer',
  LISTEN = 'listen',
  BARGE_IN = 'forceInsert',
  INTERCEPT = 'intercept',
  /** Not a platform value. */
  OTHER = '#other',
}
registerEnumType(AgentCallType, {
  name: 'AgentCallType',
  description: 'Kind of call an agent is in (platform callType)',
  valuesConfig: {
    NORMAL: { description: 'An ordinary call (normal)' },
    CONSULT: { description: 'A consultation (consult)' },
    TRANSFER: { description: 'A transferred call (transfer)' },
    LISTEN: { description: 'A supervisor listening (listen)' },
    BARGE_IN: { description: 'A supervisor barging in (forceInsert)' },
    INTERCEPT: { description: 'A supervisor taking over (intercept)' },
    OTHER: { description: 'A value the spec does not list: platformCallType has it' },
  },
});

/** The agent type a Login / Reconnect event reports (data.agentType 0/1/2). */
export enum ToolbarAgentType {
  AGENT = 0,
  SUPERVISOR = 1,
  EXTENSION = 2,
  /** Not a platform value. */
  OTHER = -1,
}
registerEnumType(ToolbarAgentType, {
  name: 'ToolbarAgentType',
  description: 'Agent type of a logged-in agent (Login / Reconnect data.agentType)',
  valuesConfig: {
    AGENT: { description: 'Ordinary agent (0)' },
    SUPERVISOR: { description: 'Team leader / supervisor (1)' },
    EXTENSION: { description: 'Extension (2)' },
    OTHER: { description: 'A value the spec does not list: platformAgentType has it' },
  },
});

/**
 * The documented agent-toolbar event names (spec/agent-control.json `events`); the internal values
 * are the platform's names, so an event name maps to its value by identity. A name the spec does not
 * list is OTHER (the raw name is in `platformEvent`).
 */
export enum AgentEventName {
  LOGIN = 'Login',
  LOGOUT = 'Logout',
  RECONNECT = 'Reconnect',
  IDLE = 'Idle',
  BUSY = 'Busy',
  MAKE_CALL = 'MakeCall',
  CANCEL_CALL = 'CancelCall',
  MAKE_CALL_FAIL = 'MakeCallFail',
  SIP_ERROR = 'SipError',
  AGENT_ORIGINATE = 'AgentOriginate',
  AGENT_RINGING = 'AgentRinging',
  AGENT_ANSWER = 'AgentAnswer',
  CALLED_RINGING = 'CalledRinging',
  CALLED_ANSWER = 'CalledAnswer',
  CONVERSATION = 'Conversation',
  AFTER = 'After',
  SURVEILLANCE = 'Surveillance',
  LOCK = 'Lock',
  TRANSFER_CALL = 'TransferCall',
  TRANSFER_CALLING = 'TransferCalling',
  TRANSFER_CALL_FAIL = 'TransferCallFail',
  TRANSFER_CANCEL = 'TransferCancel',
  GROUP_INFO = 'GroupInfo',
  IDLE_AGENT = 'IdleAgent',
  LISTEN = 'Listen',
  LISTENING = 'Listening',
  LISTEN_FAIL = 'ListenFail',
  FORCE_BREAK = 'ForceBreak',
  FORCE_INSERT = 'ForceInsert',
  FORCE_INSERTING = 'ForceInserting',
  FORCE_INSERT_FAIL = 'ForceInsertFail',
  INTERCEPT = 'Intercept',
  INTERCEPTING = 'Intercepting',
  INTERCEPT_FAIL = 'InterceptFail',
  CONSULT_CALL = 'ConsultCall',
  CONSULT_CALLING = 'ConsultCalling',
  CONSULT_CALL_FAIL = 'ConsultCallFail',
  CONSULT_CANCEL = 'ConsultCancel',
  CONSULT_TRANSFER = 'ConsultTransfer',
  CONSULTED_CANCEL = 'ConsultedCancel',
  MUTE = 'Mute',
  UNMUTE = 'Unmute',
  TRIPARTITE_TALK = 'TripartiteTalk',
  TRIPARTITE_TALKING = 'TripartiteTalking',
  TRIPARTITE_TALK_FAIL = 'TripartiteTalkFail',
  QUEUE_INFO = 'QueueInfo',
  KICK = 'Kick',
  /** Not a platform name: an event name the spec does not list. */
  OTHER = '#other',
}
registerEnumType(AgentEventName, {
  name: 'AgentEventName',
  description: 'An agent-toolbar event pushed by the platform (the platform name in brackets)',
  valuesConfig: {
    LOGIN: { description: 'Login succeeded (Login); carries the registration data' },
    LOGOUT: { description: 'Logout succeeded (Logout)' },
    RECONNECT: { description: 'The session was restored while the login token was valid (Reconnect); carries the registration data' },
    IDLE: { description: 'The agent became idle (Idle)' },
    BUSY: { description: 'The agent became busy (Busy)' },
    MAKE_CALL: { description: 'An outbound call was started (MakeCall)' },
    CANCEL_CALL: { description: 'The call was hung up (CancelCall)' },
    MAKE_CALL_FAIL: { description: 'The outbound call failed (MakeCallFail); carries a cause' },
    SIP_ERROR: { description: 'The phone unregistered; the agent is logged out (SipError)' },
    AGENT_ORIGINATE: { description: "The agent's leg of a call was set up (AgentOriginate); carries call data" },
    AGENT_RINGING: { description: "The agent's phone rings (AgentRinging); carries call data" },
    AGENT_ANSWER: { description: 'The agent answered (AgentAnswer); carries call data' },
    CALLED_RINGING: { description: 'The called party rings (CalledRinging); carries call data' },
    CALLED_ANSWER: { description: 'The called party answered (CalledAnswer); carries call data' },
    CONVERSATION: { description: 'Both sides are connected (Conversation); carries call data' },
    AFTER: { description: 'The call ended, wrap-up begins (After); carries call data and the cause' },
    SURVEILLANCE: { description: 'Snapshot of agents and their states, answering surveillance (Surveillance)' },
    LOCK: { description: 'The agent is locked (Lock; the spec says no more)' },
    TRANSFER_CALL: { description: 'A transfer was started (TransferCall)' },
    TRANSFER_CALLING: { description: 'The transfer is in progress (TransferCalling)' },
    TRANSFER_CALL_FAIL: { description: 'The transfer failed (TransferCallFail)' },
    TRANSFER_CANCEL: { description: 'The transfer was cancelled (TransferCancel)' },
    GROUP_INFO: { description: 'All skill groups (GroupInfo)' },
    IDLE_AGENT: { description: 'The idle agents of a skill group, answering idleAgent (IdleAgent)' },
    LISTEN: { description: 'Listening was started (Listen)' },
    LISTENING: { description: 'Listening is in progress (Listening)' },
    LISTEN_FAIL: { description: 'Listening failed (ListenFail)' },
    FORCE_BREAK: { description: 'The call was forcibly torn down (ForceBreak)' },
    FORCE_INSERT: { description: 'A barge-in was started (ForceInsert)' },
    FORCE_INSERTING: { description: 'The barge-in is in progress (ForceInserting; SDK only)' },
    FORCE_INSERT_FAIL: { description: 'The barge-in failed (ForceInsertFail)' },
    INTERCEPT: { description: 'An interception was started (Intercept)' },
    INTERCEPTING: { description: 'The interception is in progress (Intercepting)' },
    INTERCEPT_FAIL: { description: 'The interception failed (InterceptFail)' },
    CONSULT_CALL: { description: 'A consultation was started (ConsultCall)' },
    CONSULT_CALLING: { description: 'The consultation is in progress (ConsultCalling)' },
    CONSULT_CALL_FAIL: { description: 'The consultation failed (ConsultCallFail)' },
    CONSULT_CANCEL: { description: 'The consultation was cancelled (ConsultCancel)' },
    CONSULT_TRANSFER: { description: 'Transfer after consulting the target (ConsultTransfer)' },
    CONSULTED_CANCEL: { description: 'The consulted party hung up (ConsultedCancel)' },
    MUTE: { description: 'Muted (Mute)' },
    UNMUTE: { description: 'Unmuted (Unmute)' },
    TRIPARTITE_TALK: { description: 'A three-way call was started (TripartiteTalk)' },
    TRIPARTITE_TALKING: { description: 'The three-way call is in progress (TripartiteTalking)' },
    TRIPARTITE_TALK_FAIL: { description: 'The three-way call failed (TripartiteTalkFail)' },
    QUEUE_INFO: { description: 'A call joined or left a skill-group queue (QueueInfo; SDK only)' },
    KICK: { description: 'The agent was kicked out (Kick; SDK only)' },
    OTHER: { description: 'An event name the spec does not list: platformEvent has it' },
  },
});

/** The documented toolbar request types (spec/agent-control.json `requests`); the internal values are the platform's `request` values. */
export enum ToolbarRequest {
  LOGIN = 'login',
  LOGOUT = 'logout',
  RECONNECT = 'reconnect',
  IDLE = 'idle',
  BUSY = 'busy',
  MAKE_CALL = 'makeCall',
  CANCEL_CALL = 'cancelCall',
  HOLD = 'hold',
  UNHOLD = 'unHold',
  CONSULT_CALL = 'consultCall',
  CONSULT_CANCEL = 'consultCancel',
  TRIPARTITE_TALK = 'tripartiteTalk',
  TRANSFER_CALL = 'transferCall',
  TRANSFER_CANCEL = 'transferCancel',
  SURVEILLANCE = 'surveillance',
  FORCE_IDLE = 'forceIdle',
  FORCE_LOGOUT = 'forceLogout',
  LISTEN = 'listen',
  FORCE_BREAK = 'forceBreak',
  FORCE_INSERT = 'forceInsert',
  INTERCEPT = 'intercept',
  IDLE_AGENT = 'idleAgent',
  HEARTBEAT = 'heartbeat',
  MUTE = 'mute',
  UNMUTE = 'unmute',
}
registerEnumType(ToolbarRequest, {
  name: 'ToolbarRequest',
  description: 'A toolbar request type (the platform `request` value in brackets)',
  valuesConfig: {
    LOGIN: { description: 'Log in (login)' },
    LOGOUT: { description: 'Log out (logout)' },
    RECONNECT: { description: 'Restore the session (reconnect)' },
    IDLE: { description: 'Set idle (idle)' },
    BUSY: { description: 'Set busy (busy)' },
    MAKE_CALL: { description: 'Outbound call (makeCall)' },
    CANCEL_CALL: { description: 'Hang up (cancelCall)' },
    HOLD: { description: 'Hold (hold)' },
    UNHOLD: { description: 'Take off hold (unHold)' },
    CONSULT_CALL: { description: 'Consult a third party (consultCall)' },
    CONSULT_CANCEL: { description: 'Cancel the consultation (consultCancel)' },
    TRIPARTITE_TALK: { description: 'Three-way call (tripartiteTalk)' },
    TRANSFER_CALL: { description: 'Transfer (transferCall)' },
    TRANSFER_CANCEL: { description: 'Cancel the transfer (transferCancel)' },
    SURVEILLANCE: { description: 'Supervisor: agents and states snapshot (surveillance)' },
    FORCE_IDLE: { description: 'Supervisor: force an agent idle (forceIdle)' },
    FORCE_LOGOUT: { description: 'Supervisor: force an agent out (forceLogout)' },
    LISTEN: { description: "Supervisor: listen to an agent's call (listen)" },
    FORCE_BREAK: { description: "Supervisor: tear down an agent's call (forceBreak)" },
    FORCE_INSERT: { description: "Supervisor: barge in on an agent's call (forceInsert)" },
    INTERCEPT: { description: "Supervisor: take over an agent's call (intercept)" },
    IDLE_AGENT: { description: 'Supervisor: idle agents of a skill group (idleAgent)' },
    HEARTBEAT: { description: 'Keep the session alive (heartbeat)' },
    MUTE: { description: 'Mute (mute)' },
    UNMUTE: { description: 'Unmute (unmute)' },
  },
});

/** Options every toolbar mutation takes. */
@ArgsType()
export class ToolbarArgs {
  @Field(() => ID, {
    nullable: true,
    description: "The agent performing the operation (the supervisor for supervisor operations); defaults to the caller's own agent number",
  })
  agentNumber?: string;

  @Field({ defaultValue: false, description: 'Wait for the pushed event that answers the request and return it' })
  waitForEvent!: boolean;

  @Field(() => Int, {
    defaultValue: 5000,
    description: 'How long to wait for the event, in ms (100–30000: a bound of the gateway, not of the platform)',
  })
  timeoutMs!: number;

  @Field({ nullable: true, description: 'Call-scoped user data, echoed back in the events' })
  userData?: string;
}

@ObjectType({ description: 'SIP and WebRTC registration data of a logged-in agent (Login / Reconnect event)' })
export class AgentRegistration {
  @Field({ description: 'SIP registration domain' }) domain!: string;
  @Field({ description: 'SIP account' }) sipId!: string;
  @Sensitive(Sensitivity.CREDENTIAL)
  @Field({ nullable: true, description: 'SIP password (null for anyone but the agent itself)' })
  sipPassword?: string;
  @Field({ description: 'WebRTC registration domain' }) webrtcDomain!: string;
  @Field({ description: 'WebRTC account' }) webrtcSipId!: string;
  @Sensitive(Sensitivity.CREDENTIAL)
  @Field({ nullable: true, description: 'WebRTC password (null for anyone but the agent itself)' })
  webrtcSipPassword?: string;
  @Field({ description: 'Whether the phone is registered' }) registered!: boolean;
  @Field({ description: 'Whether the agent may make outbound calls' }) canMakeCalls!: boolean;
  @Field(() => ToolbarAgentType, { nullable: true, description: 'Agent, supervisor or extension' }) agentType?: ToolbarAgentType;
  @Field(() => Int, { nullable: true, description: "The platform's agentType when agentType is OTHER" }) platformAgentType?: number;
  @Field(() => LoginType, { nullable: true, description: 'How the agent logged in (in the Login example, not in its table)' })
  loginType?: LoginType;
  @Field(() => [ID], { description: 'Skill groups of the agent' }) groupIds!: string[];
  @Sensitive(Sensitivity.CREDENTIAL)
  @Field({ nullable: true, description: 'CCS session token (null for anyone but the agent itself)' })
  token?: string;
}

@ObjectType({ description: 'The call an agent event is about (AgentOriginate … Conversation, After)' })
export class AgentCallData {
  @Field(() => ID, { nullable: true, description: 'Platform call id (occCallId)' }) callId?: string;
  @Field(() => CallDirection, { nullable: true, description: 'Inbound or outbound, seen from the agent' }) direction?: CallDirection;
  @Field({ nullable: true, description: "The platform's callDirection as sent" }) platformDirection?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true, description: 'Calling number' })
  caller?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true, description: 'Called number' })
  called?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true, description: 'Original calling number (origCaller)' })
  originalCaller?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true, description: 'Original called number (origCalled)' })
  originalCalled?: string;
  @Field(() => Date, { nullable: true, description: 'When the call entered the skill-group queue (inQueueTime)' }) queuedAt?: Date;
  @Field(() => AgentCallType, { nullable: true, description: 'Kind of call' }) callType?: AgentCallType;
  @Field({ nullable: true, description: "The platform's callType as sent" }) platformCallType?: string;
  @Field({ nullable: true, description: 'A predictive outbound call (isPredictive)' }) predictive?: boolean;
  @Field(() => Date, { nullable: true, description: 'When the call began (After beginTime)' }) startedAt?: Date;
  @Field(() => Date, { nullable: true, description: 'When it rang (After ringTime)' }) ringingAt?: Date;
  @Field(() => Date, { nullable: true, description: 'When it was answered (After answerTime)' }) answeredAt?: Date;
  @Field(() => Date, { nullable: true, description: 'When it ended (After endTime)' }) endedAt?: Date;
  @Field(() => CallParty, {
    nullable: true,
    description: 'Who hung up (After hangupDirection: 0 this side → AGENT, 1 the other side → CUSTOMER; other values OTHER)',
  })
  hungUpBy?: CallParty;
  @Field({ nullable: true, description: "The platform's hangupDirection as sent" }) platformHungUpBy?: string;
  @Sensitive(Sensitivity.RECORDING)
  @Field({ nullable: true, description: 'Recording file (After recordPath)' })
  recordingUrl?: string;
  @Field(() => Int, { nullable: true, description: 'Seconds before the automatic idle (After agentAutoIdleTime)' })
  autoIdleSeconds?: number;
}

/**
 * The typed fields of one agent-toolbar event: the same for the event a toolbar mutation waited for
 * (AgentEvent) and the subscription's (AgentToolbarEvent); one mapping fills both
 * (src/datasources/agentcontrol.ts agentEventFields).
 */
@ObjectType({ description: 'One event pushed by the platform for an agent' })
export class AgentEvent {
  @Field(() => AgentEventName, { description: 'The event (OTHER for a name the spec does not list)' }) event!: AgentEventName;
  @Field({ description: 'The event name as the platform wrote it (Login, AgentRinging, …)' }) platformEvent!: string;
  @Field(() => ID) agentNumber!: string;
  @Field(() => ID, { nullable: true }) agentId?: string;
  @Field({ nullable: true }) companyId?: string;
  @Field(() => AgentActivity, {
    nullable: true,
    description: "The agent's state in the platform after the event, as an activity (OTHER when it maps to none)",
  })
  nowState?: AgentActivity;
  @Field({ nullable: true, description: "The platform's own state name (nowState) as sent" }) platformState?: string;
  @Field(() => Date, { description: 'When the platform pushed the event (eventTime)' }) occurredAt!: Date;
  @Field(() => ID, { description: 'The request sequence the event answers ("0" when none)' }) sequence!: string;
  @Field({ nullable: true }) userData?: string;
  @Field({ nullable: true, description: 'IVR parameters (a JSON string; AgentRinging, AgentAnswer, Conversation, After)' })
  ivrParam?: string;
  @Field(() => AgentCallData, { nullable: true, description: 'The call (call events and After)' }) call?: AgentCallData;
  @Field(() => AgentRegistration, { nullable: true, description: 'Registration data (Login and Reconnect only)' })
  registration?: AgentRegistration;
  @Field(() => Int, { nullable: true, description: 'After-call / failure cause code (After, MakeCallFail)' }) cause?: number;
  @Field({ nullable: true, description: 'Name of the cause (e.g. NORMAL_CLEARING, USER_BUSY)' }) causeName?: string;
  @Field({ nullable: true, description: 'Meaning of the cause (the after-call cause code table)' }) causeMeaning?: string;
  @Field({
    nullable: true,
    description:
      "The busy type the agent is in (Busy, Login, Reconnect: currentBusyType): one its enterprise configures on the platform, so the platform's free text",
  })
  platformBusyType?: string;
  @Sensitive(Sensitivity.RAW)
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The event data as pushed (credentials only for the agent itself)' })
  rawData?: Record<string, unknown>;
}

@ObjectType({ description: 'The platform accepted a toolbar request; its outcome comes as pushed events' })
export class ToolbarAck {
  @Field(() => ToolbarRequest, { description: 'The request type sent' }) request!: ToolbarRequest;
  @Field(() => ID, { description: 'The unique sequence the gateway sent (epoch-ms based)' }) sequence!: string;
  @Field(() => ID, { description: 'The agent the request was sent for' }) agentNumber!: string;
  @Field(() => AgentEvent, { nullable: true, description: 'The answering event, when waitForEvent was set' }) event?: AgentEvent;
}
