import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

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

/** Which phone of the agent makeCall rings first; the values are the platform's `callAgentType`. */
export enum CallAgentType {
  DEFAULT = 'default',
  PHONE = 'phone',
  SIP = 'sip',
}
registerEnumType(CallAgentType, {
  name: 'CallAgentType',
  description: 'Which phone of the agent an outbound call rings',
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
    PHONE: { description: 'An external phone number' },
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

/** Call direction filter of surveillance; the values are the platform's callDirection. */
export enum CallDirection {
  INBOUND = '0',
  OUTBOUND = '1',
}
registerEnumType(CallDirection, { name: 'CallDirection', description: 'Direction of a call seen from the agent' });

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

  @Field(() => Int, { defaultValue: 5000, description: 'How long to wait for the event, in ms (100–30000)' })
  timeoutMs!: number;

  @Field({ nullable: true, description: 'Call-scoped user data, echoed back in the events' })
  userData?: string;
}

@ObjectType({ description: 'SIP and WebRTC registration data of a logged-in agent (Login / Reconnect event)' })
export class AgentRegistration {
  @Field({ description: 'SIP registration domain' }) domain!: string;
  @Field({ description: 'SIP account' }) sipId!: string;
  @Field({ description: 'SIP password' }) sipPassword!: string;
  @Field({ description: 'WebRTC registration domain' }) webrtcDomain!: string;
  @Field({ description: 'WebRTC account' }) webrtcSipId!: string;
  @Field({ description: 'WebRTC password' }) webrtcSipPassword!: string;
  @Field({ description: 'Whether the phone is registered' }) registered!: boolean;
  @Field({ description: 'Whether the agent may make outbound calls' }) canMakeCalls!: boolean;
  @Field(() => Int, { description: 'Agent type: 0 agent, 1 supervisor, 2 extension' }) agentType!: number;
  @Field(() => [ID], { description: 'Skill groups of the agent' }) groupIds!: string[];
  @Field({ description: 'CCS session token' }) token!: string;
}

@ObjectType({ description: 'One event pushed by the platform for an agent' })
export class AgentEvent {
  @Field({ description: 'Event name as the platform writes it (Login, Idle, AgentRinging, After, …)' }) event!: string;
  @Field(() => ID) agentNumber!: string;
  @Field(() => ID, { nullable: true }) agentId?: string;
  @Field({ nullable: true, description: "The agent's state in the platform after the event" }) nowState?: string;
  @Field(() => Date) eventTime!: Date;
  @Field({ description: 'The request sequence the event answers ("0" when none)' }) sequence!: string;
  @Field({ nullable: true }) userData?: string;
  @Field({ nullable: true }) ivrParam?: string;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The event data as pushed' }) data?: Record<string, unknown>;
  @Field(() => AgentRegistration, { nullable: true, description: 'Registration data (Login and Reconnect only)' })
  registration?: AgentRegistration;
  @Field(() => Int, { nullable: true, description: 'After-call / failure cause code (After, MakeCallFail)' }) cause?: number;
  @Field({ nullable: true, description: 'Name of the cause (e.g. NORMAL_CLEARING, USER_BUSY)' }) causeName?: string;
  @Field({ nullable: true, description: 'Meaning of the cause' }) causeMeaning?: string;
}

@ObjectType({ description: 'The platform accepted a toolbar request; its outcome comes as pushed events' })
export class ToolbarAck {
  @Field({ description: 'Platform request type (login, makeCall, …)' }) request!: string;
  @Field({ description: 'The unique sequence the gateway sent (epoch-ms based)' }) sequence!: string;
  @Field(() => ID, { description: 'The agent the request was sent for' }) agentNumber!: string;
  @Field(() => AgentEvent, { nullable: true, description: 'The answering event, when waitForEvent was set' }) event?: AgentEvent;
}
