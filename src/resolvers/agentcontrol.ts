import { Arg, Args, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { AgentControlDataSource } from '../datasources/agentcontrol';
import { BadInputError } from '../errors';
import { CallAgentType, CallDirection, CallTargetType, LoginType, ToolbarAck, ToolbarArgs, TransferMode } from '../schema/agentcontrol';

const DIALABLE = /^\+?[0-9*#]{1,32}$/;

function nonBlank(field: string, value: string): string {
  if (value.trim() === '') throw new BadInputError(field, 'must not be empty');
  return value.trim();
}

function dialable(field: string, value: string): string {
  if (!DIALABLE.test(value.trim())) throw new BadInputError(field, `must be a phone or agent number, got "${value}"`);
  return value.trim();
}

/**
 * The agent toolbar: one mutation per platform request type. Each returns the acknowledgement and,
 * with waitForEvent, the pushed event that answers it.
 */
@Resolver()
export class AgentControlResolver {
  private send(ctx: GatewayContext, request: string, args: ToolbarArgs, params?: Record<string, unknown>, beAgentNumber?: string) {
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
    return this.send(ctx, 'login', args, { password: nonBlank('password', password), loginType });
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Log the agent out (Logout event)' })
  agentLogout(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'logout', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Restore the agent's session (Reconnect event)" })
  agentReconnect(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'reconnect', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Set the agent idle (Idle event)' })
  agentIdle(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'idle', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Set the agent busy, optionally with a busy type configured for the enterprise (Busy event)' })
  agentBusy(
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('busyType', { nullable: true }) busyType?: string,
  ) {
    return this.send(ctx, 'busy', args, busyType === undefined ? {} : { busyType });
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Place an outbound call (answered by MakeCall or MakeCallFail; then ringing, answer, conversation)' })
  agentMakeCall(
    @Arg('called') called: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('caller', { nullable: true, description: 'Display caller number' }) caller?: string,
    @Arg('callId', { nullable: true, description: 'Your own unique call id (passed through)' }) callId?: string,
    @Arg('callAgentType', () => CallAgentType, { nullable: true }) callAgentType?: CallAgentType,
  ) {
    const params: Record<string, unknown> = { called: dialable('called', called) };
    if (caller !== undefined) params.caller = dialable('caller', caller);
    if (callId !== undefined) params.callId = nonBlank('callId', callId);
    if (callAgentType !== undefined) params.callAgentType = callAgentType;
    return this.send(ctx, 'makeCall', args, params);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Hang up the current call (CancelCall, then After)' })
  agentHangUp(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'cancelCall', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Put the current call on hold (no event answers it)' })
  agentHold(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'hold', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Take the current call off hold (no event answers it)' })
  agentUnhold(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'unHold', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Consult a third party while the customer waits (ConsultCall, then ConsultCalling or ConsultCallFail)' })
  agentConsult(
    @Arg('targetType', () => CallTargetType) targetType: CallTargetType,
    @Arg('targetId') targetId: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return this.send(ctx, 'consultCall', args, { consultType: targetType, consultId: nonBlank('targetId', targetId) });
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Cancel the consultation (ConsultCancel)' })
  agentCancelConsult(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'consultCancel', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Join the customer and the consulted party in a three-way call (TripartiteTalk)' })
  agentThreeWay(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'tripartiteTalk', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Transfer the call, blind or after consulting (TransferCall, then TransferCalling / ConsultTransfer / TransferCallFail)' })
  agentTransfer(
    @Arg('targetType', () => CallTargetType) targetType: CallTargetType,
    @Arg('targetId') targetId: string,
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('mode', () => TransferMode, { nullable: true }) mode?: TransferMode,
  ) {
    const params: Record<string, unknown> = { transferType: targetType, transferId: nonBlank('targetId', targetId) };
    if (mode !== undefined) params.transferMode = mode;
    return this.send(ctx, 'transferCall', args, params);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: 'Cancel the transfer (TransferCancel)' })
  agentCancelTransfer(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'transferCancel', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Mute the agent's microphone (Mute)" })
  agentMute(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'mute', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Unmute the agent's microphone (Unmute)" })
  agentUnmute(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'unmute', args);
  }

  @Authorized('agent')
  @Mutation(() => ToolbarAck, { description: "Keep the agent's session alive (no event answers it)" })
  agentHeartbeat(@Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'heartbeat', args);
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Ask for the idle agents of a skill group (IdleAgent event)' })
  supervisorIdleAgents(@Arg('groupId', () => ID) groupId: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'idleAgent', args, { groupId: nonBlank('groupId', groupId) });
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Ask for a snapshot of agents and their states, optionally filtered (Surveillance event)' })
  supervisorSurveillance(
    @Args(() => ToolbarArgs) args: ToolbarArgs,
    @Ctx() ctx: GatewayContext,
    @Arg('groupId', () => ID, { nullable: true }) groupId?: string,
    @Arg('agentName', { nullable: true }) agentName?: string,
    @Arg('agentState', { nullable: true }) agentState?: string,
    @Arg('callDirection', () => CallDirection, { nullable: true }) callDirection?: CallDirection,
  ) {
    const params: Record<string, unknown> = {};
    if (groupId !== undefined) params.groupId = groupId;
    if (agentName !== undefined) params.agentName = agentName;
    if (agentState !== undefined) params.agentState = agentState;
    if (callDirection !== undefined) params.callDirection = callDirection;
    return this.send(ctx, 'surveillance', args, params);
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Force an agent idle (Idle event of that agent)' })
  supervisorForceIdle(@Arg('targetAgentNumber', () => ID) target: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'forceIdle', args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: 'Force an agent to log out (Kick and Logout events of that agent)' })
  supervisorForceLogout(@Arg('targetAgentNumber', () => ID) target: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'forceLogout', args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Listen to an agent's call (Listen, then Listening or ListenFail)" })
  supervisorListen(@Arg('targetAgentNumber', () => ID) target: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'listen', args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Force-break an agent's call (ForceBreak)" })
  supervisorForceBreak(@Arg('targetAgentNumber', () => ID) target: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'forceBreak', args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Barge in on an agent's call (ForceInsert, then ForceInserting or ForceInsertFail)" })
  supervisorBargeIn(@Arg('targetAgentNumber', () => ID) target: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'forceInsert', args, {}, nonBlank('targetAgentNumber', target));
  }

  @Authorized('supervisor')
  @Mutation(() => ToolbarAck, { description: "Take over an agent's call (Intercept, then Intercepting or InterceptFail)" })
  supervisorIntercept(@Arg('targetAgentNumber', () => ID) target: string, @Args(() => ToolbarArgs) args: ToolbarArgs, @Ctx() ctx: GatewayContext) {
    return this.send(ctx, 'intercept', args, {}, nonBlank('targetAgentNumber', target));
  }
}
