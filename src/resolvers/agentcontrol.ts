import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../context';
import { AgentControlDataSource, agentEventFieldsOf } from '../datasources/agentcontrol';
import { BadInputError } from '../errors';
import {
  AgentCallData,
  AgentEventName,
  AgentRegistration,
  AnswerMode,
  CallDirection,
  CallTargetType,
  LoginType,
  ToolbarAck,
  ToolbarArgs,
  ToolbarRequest,
  TransferMode,
} from '../schema/agentcontrol';
import { AgentToolbarEvent } from '../schema/events';
import { PhoneScalar, requirePhone } from '../schema/phone';
import type { AgentEventData } from '../subscriptions/agent-event';
import { AgentActivity } from '../subscriptions/live-state';

function nonBlank(field: string, value: string): string {
  if (value.trim() === '') throw new BadInputError(field, 'must not be empty');
  return value.trim();
}

/** A consult / transfer target id: a phone target is normalised like a Phone (and refused when it is none). */
function targetIdOf(targetType: CallTargetType, value: string): string {
  return targetType === CallTargetType.PHONE ? requirePhone(value.trim(), 'targetId').number : nonBlank('targetId', value);
}

/**
 * The agent toolbar: one mutation per platform request type. Each returns the acknowledgement and,
 * with waitForEvent, the pushed event that answers it.
 */
@Resolver()
export class AgentControlResolver {
  private send(ctx: GatewayContext, request: ToolbarRequest, args: ToolbarArgs, params?: Record<string, unknown>, beAgentNumber?: string) {
    return ctx.dataSource(AgentControlDataSource).send(request, args, params, beAgentNumber);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Log the agent in (answered by the Login event with the SIP/WebRTC registration data)' })
  agentLogin(
    @Arg('password') password: string,
    @Arg('loginType', () => LoginType) loginType: LoginType,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.LOGIN, args, { password: nonBlank('password', password), loginType });
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Log the agent out (Logout event)' })
  agentLogout(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.LOGOUT, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Restore the agent's session (Reconnect event)" })
  agentReconnect(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.RECONNECT, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Set the agent idle (Idle event)' })
  agentIdle(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.IDLE, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Set the agent busy, optionally with a busy type configured for the enterprise (Busy event)' })
  agentBusy(
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('platformBusyType', {
      nullable: true,
      description: "One of the busy types the enterprise configures on the platform (the platform's busyType)",
    })
    platformBusyType?: string,
  ) {
    return this.send(ctx, ToolbarRequest.BUSY, args, platformBusyType === undefined ? {} : { busyType: platformBusyType });
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, {
    description:
      'Place an outbound call to a phone (called) or to another agent (calledAgentNumber): exactly one (answered by MakeCall or MakeCallFail; then ringing, answer, conversation)',
  })
  agentMakeCall(
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('called', () => PhoneScalar, { nullable: true, description: 'The phone number to call (the platform\'s called, "called type 2")' })
    called?: string,
    @Arg('calledAgentNumber', () => ID, {
      nullable: true,
      description: 'The agent to call instead of a phone (the platform\'s called, "called type 1")',
    })
    calledAgentNumber?: string,
    @Arg('displayNumber', () => PhoneScalar, { nullable: true, description: "Number shown to the called party (the platform's caller)" })
    displayNumber?: string,
    @Arg('callId', { nullable: true, description: 'Your own unique call id (passed through)' }) callId?: string,
    @Arg('answerMode', () => AnswerMode, { nullable: true, description: 'Which phone of the agent rings' }) answerMode?: AnswerMode,
  ) {
    if ((called === undefined || called === null) === (calledAgentNumber === undefined || calledAgentNumber === null)) {
      throw new BadInputError('called', 'give exactly one of called (a phone) and calledAgentNumber');
    }
    const params: Record<string, unknown> = { called: called ?? nonBlank('calledAgentNumber', calledAgentNumber!) };
    if (displayNumber !== undefined && displayNumber !== null) params.caller = displayNumber;
    if (callId !== undefined) params.callId = nonBlank('callId', callId);
    if (answerMode !== undefined) params.callAgentType = answerMode;
    return this.send(ctx, ToolbarRequest.MAKE_CALL, args, params);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Hang up the current call (CancelCall, then After)' })
  agentHangUp(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.CANCEL_CALL, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Put the current call on hold (no event answers it)' })
  agentHold(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.HOLD, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Take the current call off hold (no event answers it)' })
  agentUnhold(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.UNHOLD, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, {
    description: 'Consult a third party while the customer waits (ConsultCall, then ConsultCalling or ConsultCallFail)',
  })
  agentConsult(
    @Arg('targetType', () => CallTargetType) targetType: CallTargetType,
    @Arg('targetId') targetId: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.CONSULT_CALL, args, { consultType: targetType, consultId: targetIdOf(targetType, targetId) });
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Cancel the consultation (ConsultCancel)' })
  agentCancelConsult(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.CONSULT_CANCEL, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Join the customer and the consulted party in a three-way call (TripartiteTalk)' })
  agentThreeWay(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.TRIPARTITE_TALK, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, {
    description: 'Transfer the call, blind or after consulting (TransferCall, then TransferCalling / ConsultTransfer / TransferCallFail)',
  })
  agentTransfer(
    @Arg('targetType', () => CallTargetType) targetType: CallTargetType,
    @Arg('targetId') targetId: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('mode', () => TransferMode, { nullable: true }) mode?: TransferMode,
  ) {
    const params: Record<string, unknown> = { transferType: targetType, transferId: targetIdOf(targetType, targetId) };
    if (mode !== undefined) params.transferMode = mode;
    return this.send(ctx, ToolbarRequest.TRANSFER_CALL, args, params);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Cancel the transfer (TransferCancel)' })
  agentCancelTransfer(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.TRANSFER_CANCEL, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Mute the agent's microphone (Mute)" })
  agentMute(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.MUTE, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Unmute the agent's microphone (Unmute)" })
  agentUnmute(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.UNMUTE, args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Keep the agent's session alive (no event answers it)" })
  agentHeartbeat(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.HEARTBEAT, args);
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Ask for the idle agents of a skill group (IdleAgent event)' })
  supervisorIdleAgents(@Arg('groupId', () => ID) groupId: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, ToolbarRequest.IDLE_AGENT, args, { groupId: nonBlank('groupId', groupId) });
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Ask for a snapshot of agents and their states, optionally filtered (Surveillance event)' })
  supervisorSurveillance(
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('groupId', () => ID, { nullable: true }) groupId?: string,
    @Arg('agentName', { nullable: true }) agentName?: string,
    @Arg('platformState', {
      nullable: true,
      description: "Only agents in this platform state (its own state names, e.g. Idle; the spec lists none): the platform's agentState",
    })
    platformState?: string,
    @Arg('callDirection', () => CallDirection, { nullable: true }) callDirection?: CallDirection,
  ) {
    if (callDirection === CallDirection.OTHER)
      throw new BadInputError('callDirection', 'OTHER is not a filter value: use INBOUND or OUTBOUND');
    const params: Record<string, unknown> = {};
    if (groupId !== undefined) params.groupId = groupId;
    if (agentName !== undefined) params.agentName = agentName;
    if (platformState !== undefined) params.agentState = platformState;
    if (callDirection !== undefined) params.callDirection = callDirection;
    return this.send(ctx, ToolbarRequest.SURVEILLANCE, args, params);
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Force an agent idle (Idle event of that agent)' })
  supervisorForceIdle(
    @Arg('targetAgentNumber', () => ID) target: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.FORCE_IDLE, args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Force an agent to log out (Kick and Logout events of that agent)' })
  supervisorForceLogout(
    @Arg('targetAgentNumber', () => ID) target: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.FORCE_LOGOUT, args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Listen to an agent's call (Listen, then Listening or ListenFail)" })
  supervisorListen(
    @Arg('targetAgentNumber', () => ID) target: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.LISTEN, args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Force-break an agent's call (ForceBreak)" })
  supervisorForceBreak(
    @Arg('targetAgentNumber', () => ID) target: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.FORCE_BREAK, args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Barge in on an agent's call (ForceInsert, then ForceInserting or ForceInsertFail)" })
  supervisorBargeIn(
    @Arg('targetAgentNumber', () => ID) target: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.FORCE_INSERT, args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Take over an agent's call (Intercept, then Intercepting or InterceptFail)" })
  supervisorIntercept(
    @Arg('targetAgentNumber', () => ID) target: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, ToolbarRequest.INTERCEPT, args, {}, nonBlank('targetAgentNumber', target));
  }
}

/**
 * The typed fields of AgentToolbarEvent (subscription agentEvent, platformEvents): each reads the one
 * mapping of the event (agentEventFields), computed once per delivered payload.
 */
@Resolver(() => AgentToolbarEvent)
export class AgentToolbarEventFieldsResolver {
  @FieldResolver(() => AgentEventName)
  event(@Root() e: AgentEventData): AgentEventName {
    return agentEventFieldsOf(e).event;
  }

  @FieldResolver(() => String)
  platformEvent(@Root() e: AgentEventData): string {
    return agentEventFieldsOf(e).platformEvent;
  }

  @FieldResolver(() => AgentActivity, { nullable: true })
  nowState(@Root() e: AgentEventData): AgentActivity | undefined {
    return agentEventFieldsOf(e).nowState;
  }

  @FieldResolver(() => String, { nullable: true })
  platformState(@Root() e: AgentEventData): string | undefined {
    return agentEventFieldsOf(e).platformState;
  }

  @FieldResolver(() => Date)
  occurredAt(@Root() e: AgentEventData): Date {
    return agentEventFieldsOf(e).occurredAt;
  }

  @FieldResolver(() => ID)
  sequence(@Root() e: AgentEventData): string {
    return agentEventFieldsOf(e).sequence;
  }

  @FieldResolver(() => AgentCallData, { nullable: true })
  call(@Root() e: AgentEventData): AgentCallData | undefined {
    return agentEventFieldsOf(e).call;
  }

  @FieldResolver(() => AgentRegistration, { nullable: true })
  registration(@Root() e: AgentEventData): AgentRegistration | undefined {
    return agentEventFieldsOf(e).registration;
  }

  @FieldResolver(() => Int, { nullable: true })
  cause(@Root() e: AgentEventData): number | undefined {
    return agentEventFieldsOf(e).cause;
  }

  @FieldResolver(() => String, { nullable: true })
  causeName(@Root() e: AgentEventData): string | undefined {
    return agentEventFieldsOf(e).causeName;
  }

  @FieldResolver(() => String, { nullable: true })
  causeMeaning(@Root() e: AgentEventData): string | undefined {
    return agentEventFieldsOf(e).causeMeaning;
  }

  @FieldResolver(() => String, { nullable: true })
  platformBusyType(@Root() e: AgentEventData): string | undefined {
    return agentEventFieldsOf(e).platformBusyType;
  }

  @FieldResolver(() => GraphQLJSONObject, { nullable: true })
  rawData(@Root() e: AgentEventData): Record<string, unknown> | undefined {
    return agentEventFieldsOf(e).rawData;
  }
}
