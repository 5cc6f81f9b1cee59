import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { routesByPrecedence, type IvrBlock, type IvrRoute as StoredRoute } from '../ivr/rules';
import { IvrBlacklistEntry, IvrBlacklistInput, IvrDecisionResult, IvrRoute, IvrRouteInput, IvrRoutePatch } from '../schema/ivr';
import { PhoneScalar } from '../schema/phone';

const route = (r: StoredRoute): IvrRoute => ({ ...r, createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) });
/** A stored block (caller + prefix flag) as the schema shows it: the number or the prefix, each under its own name. */
const entry = (b: IvrBlock): IvrBlacklistEntry => ({
  id: b.id,
  caller: b.prefix ? undefined : b.caller,
  callerPrefix: b.prefix ? b.caller : undefined,
  called: b.called,
  reason: b.reason,
  createdAt: new Date(b.createdAt),
});

/** IVR transfer routing rules (family `ivr`: the platform asks, the gateway answers from these). */
@Resolver()
export class IvrResolver {
  @Authorized('supervisor')
  @Query(() => [IvrRoute], { nullable: true, description: 'IVR transfer routes, most specific first (the order they are tried in)' })
  async ivrRoutes(@Ctx() ctx: GatewayContext): Promise<IvrRoute[]> {
    return routesByPrecedence(await ctx.services.ivr.latest()).map(route);
  }

  @Authorized('supervisor')
  @Query(() => [IvrBlacklistEntry], { nullable: true, description: 'Blacklisted callers, newest first' })
  async ivrBlacklist(@Ctx() ctx: GatewayContext): Promise<IvrBlacklistEntry[]> {
    const rules = await ctx.services.ivr.latest();
    return rules
      .filter((r): r is IvrBlock => r.type === 'block')
      .sort((a, b) => b.createdAt - a.createdAt)
      .map(entry);
  }

  @Authorized('supervisor')
  @Query(() => IvrDecisionResult, {
    nullable: true,
    description: 'What the IVR endpoint answers for this call right now (no event is published)',
  })
  async ivrRoutingPreview(
    @Arg('caller', () => PhoneScalar) caller: string,
    @Arg('called', () => PhoneScalar) called: string,
    @Arg('dtmf', { defaultValue: '' }) dtmf: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<IvrDecisionResult> {
    await ctx.services.ivr.latest();
    return ctx.services.ivr.decide({ occCallId: '', caller, called, dtmf });
  }

  @Authorized('admin')
  @Mutation(() => IvrRoute, { description: 'Adds an IVR transfer route; every instance applies it within IVR_RULES_REFRESH_MS' })
  async createIvrRoute(@Arg('input', () => IvrRouteInput) input: IvrRouteInput, @Ctx() ctx: GatewayContext): Promise<IvrRoute> {
    return route(await ctx.services.ivr.createRoute(input));
  }

  @Authorized('admin')
  @Mutation(() => IvrRoute, { description: 'Changes an IVR route: omitted fields stay, null clears a condition' })
  async updateIvrRoute(
    @Arg('id', () => ID) id: string,
    @Arg('patch', () => IvrRoutePatch) patch: IvrRoutePatch,
    @Ctx() ctx: GatewayContext,
  ): Promise<IvrRoute> {
    return route(await ctx.services.ivr.updateRoute(id, patch));
  }

  @Authorized('admin')
  @Mutation(() => ID, { description: 'Deletes an IVR route; returns its id' })
  async deleteIvrRoute(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<string> {
    await ctx.services.ivr.remove(id, 'route');
    return id;
  }

  @Authorized('admin')
  @Mutation(() => IvrBlacklistEntry, { description: 'Blacklists a caller (or a caller prefix) for the IVR transfer' })
  async addIvrBlacklistEntry(
    @Arg('input', () => IvrBlacklistInput) input: IvrBlacklistInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<IvrBlacklistEntry> {
    return entry(await ctx.services.ivr.createBlock(input));
  }

  @Authorized('admin')
  @Mutation(() => ID, { description: 'Removes a blacklist entry; returns its id' })
  async removeIvrBlacklistEntry(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<string> {
    await ctx.services.ivr.remove(id, 'block');
    return id;
  }
}
