import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PhoneScalar } from './phone';
import { NotPersonal, Sensitive, Sensitivity } from './sensitivity';

export enum AgentType {
  AGENT = 0,
  SUPERVISOR = 1,
}
registerEnumType(AgentType, { name: 'AgentType', description: 'Ordinary agent (0) or team leader / supervisor (1)' });

export enum OfflineCallType {
  DESK_PHONE = 0,
  MOBILE = 1,
}
registerEnumType(OfflineCallType, { name: 'OfflineCallType', description: 'Which phone an offline agent answers on first' });

export enum CallMode {
  SOFTSWITCH = 0,
  SIP_TO_PRIVACY_NUMBER = 1,
  CLICK_TO_DIAL = 2,
  MOBILE_DUAL_CALL = 3,
}
registerEnumType(CallMode, { name: 'CallMode', description: "The agent's call mode (platform callMode 0–3)" });

export enum AgentAccountStatus {
  DISABLED = 0,
  ENABLED = 1,
}
registerEnumType(AgentAccountStatus, { name: 'AgentAccountStatus', description: 'Whether the agent account is enabled' });

@InputType({ description: 'Fields an agent can be edited with (create adds name, password and SIP options)' })
export class AgentUpdateInput {
  @Field(() => ID, { description: 'Work number (工号)' }) agentNumber!: string;
  @Field(() => ID, { description: 'Main skill group sn' }) groupSn!: string;
  @Field(() => PhoneScalar, { nullable: true, description: "The agent's phone number" }) phone?: string;
  @Field(() => AgentType, { nullable: true }) type?: AgentType;
  @Field(() => Int, { nullable: true, description: 'Priority' }) level?: number;
  @Field({ nullable: true, description: 'May work offline' }) workingOffline?: boolean;
  @Field(() => Int, { nullable: true, description: 'Seconds before the automatic idle after a call; -1 disables it' })
  autoIdleSeconds?: number;
  @Field(() => PhoneScalar, { nullable: true, description: "Number shown to the agent's called parties (the platform's displayCaller)" })
  displayNumber?: string;
  @Field(() => OfflineCallType, { nullable: true }) offlineCallType?: OfflineCallType;
  @Field(() => CallMode, { nullable: true }) callMode?: CallMode;
}

@InputType({ description: 'A new agent' })
export class AgentCreateInput extends AgentUpdateInput {
  @Field() agentName!: string;
  @Field({ description: 'Initial password (never logged)' }) password!: string;
  @Field({ description: 'Generate a SIP account automatically' }) generateSip!: boolean;
  @Field({ nullable: true, description: 'SIP id to use' }) sipId?: string;
}

@InputType({ description: 'Filters of the agent list' })
export class AgentFilter {
  @Field({ nullable: true }) agentName?: string;
  @Field(() => ID, { nullable: true }) agentNumber?: string;
  @Field(() => ID, { nullable: true }) groupSn?: string;
  @Field(() => PhoneScalar, { nullable: true }) phone?: string;
  @Field(() => AgentAccountStatus, { nullable: true }) status?: AgentAccountStatus;
  @Field(() => AgentType, { nullable: true }) type?: AgentType;
}

@ObjectType({ description: 'An agent account' })
export class AgentAccount {
  @Field(() => ID, { description: 'Stable identity for client caches: the sn' }) id!: string;
  @Field(() => ID, { description: 'Agent sn (32 hex characters)' }) sn!: string;
  @Field(() => ID, { description: 'Work number (工号) used by the toolbar' }) agentNumber!: string;
  @Field({ description: 'Name' }) agentName!: string;
  @Field(() => AgentType, { description: 'Agent or supervisor' }) type!: AgentType;
  @Field(() => ID, { nullable: true, description: 'Main skill group sn' }) groupSn?: string;
  @Field({ nullable: true, description: 'Main skill group name' }) groupName?: string;
  @Field({ nullable: true, description: 'SIP account' }) sipId?: string;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true, description: 'Phone number' })
  phone?: string;
  @Field(() => AgentAccountStatus, { nullable: true, description: 'Enabled or disabled' }) status?: AgentAccountStatus;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Custom fields (paramsData)' }) customFields?: Record<string, unknown>;
  @Field(() => Int, { nullable: true, description: 'Priority' }) level?: number;
  @Field({ nullable: true, description: 'May work offline' }) workingOffline?: boolean;
  @Field(() => Int, { nullable: true, description: 'Seconds before the automatic idle after a call; -1 when disabled' })
  autoIdleSeconds?: number;
  @NotPersonal('the enterprise number shown for the agent')
  @Field({ nullable: true, description: "Number shown to the agent's called parties (the platform's displayCaller)" })
  displayNumber?: string;
  @Field(() => OfflineCallType, { nullable: true, description: 'Which phone an offline agent answers on first' })
  offlineCallType?: OfflineCallType;
}

@ObjectType({ description: 'One page of agents' })
export class AgentPage {
  @Field(() => Int, { description: 'Total matching rows' }) total!: number;
  @Field(() => [AgentAccount]) records!: AgentAccount[];
}

@ObjectType({ description: 'A click-to-call the platform started' })
export class AgentCallStarted {
  @Field(() => ID, { description: 'Matches callId of the AgentCallEnd callback' }) callId!: string;
}
