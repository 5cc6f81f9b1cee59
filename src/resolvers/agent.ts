import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { AgentDataSource } from '../datasources/agent';
import { AgentCallStarted, AgentCreateInput, AgentFilter, AgentPage, AgentUpdateInput } from '../schema/agent';
import { AnswerMode } from '../schema/agentcontrol';
import { PhoneScalar } from '../schema/phone';

@Resolver()
export class AgentResolver {
  @Authorized('admin')
  @Query(() => AgentPage, { nullable: true, description: 'One page of agent accounts' })
  agents(
    @Ctx() ctx: GatewayContext,
    @Arg('filter', () => AgentFilter, { nullable: true }) filter?: AgentFilter,
    @Arg('page', () => Int, { defaultValue: 1 }) page = 1,
    @Arg('pageSize', () => Int, { defaultValue: 10 }) pageSize = 10,
  ): Promise<AgentPage> {
    return ctx.dataSource(AgentDataSource).page(filter, page, pageSize);
  }

  @Authorized('admin')
  @Mutation(() => ID, { description: 'Create an agent account; returns its sn' })
  createAgent(@Arg('input', () => AgentCreateInput) input: AgentCreateInput, @Ctx() ctx: GatewayContext): Promise<string> {
    return ctx.dataSource(AgentDataSource).create(input);
  }

  @Authorized('admin')
  @Mutation(() => ID, { description: 'Edit an agent account (name, password and SIP cannot change here); returns its sn' })
  updateAgent(
    @Arg('sn', () => ID) sn: string,
    @Arg('input', () => AgentUpdateInput) input: AgentUpdateInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<string> {
    return ctx.dataSource(AgentDataSource).update(sn, input);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Enable or disable an agent account; returns the new state' })
  setAgentEnabled(@Arg('sn', () => ID) sn: string, @Arg('enabled') enabled: boolean, @Ctx() ctx: GatewayContext): Promise<boolean> {
    return ctx.dataSource(AgentDataSource).setEnabled(sn, enabled);
  }

  @Authorized('admin')
  @Mutation(() => String, { description: "Reset an agent's password; the new password is returned once" })
  resetAgentPassword(@Arg('sn', () => ID) sn: string, @Ctx() ctx: GatewayContext): Promise<string> {
    return ctx.dataSource(AgentDataSource).resetPassword(sn);
  }

  @Authorized('admin')
  @Mutation(() => AgentCallStarted, { description: 'Click-to-call: ring the agent, then call the customer' })
  startAgentCall(
    @Arg('agentNumber', () => ID) agentNumber: string,
    @Arg('called', () => PhoneScalar, { description: "The customer's number" }) called: string,
    @Ctx() ctx: GatewayContext,
    @Arg('userData', { nullable: true, description: 'Returned in the AgentCallEnd callback' }) userData?: string,
    @Arg('displayNumber', () => PhoneScalar, {
      nullable: true,
      description: "Number shown to the customer (one allocated to the enterprise; the platform's callnum)",
    })
    displayNumber?: string,
    @Arg('answerMode', () => AnswerMode, { nullable: true, description: 'Which phone of the agent rings' }) answerMode?: AnswerMode,
  ): Promise<AgentCallStarted> {
    return ctx.dataSource(AgentDataSource).call(agentNumber, called, { userData, displayNumber, answerMode });
  }
}
