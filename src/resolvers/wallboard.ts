import { Arg, Authorized, Ctx, ID, Query, Resolver, Root, Subscription } from 'type-graphql';
import { hasAnyRole } from '../auth/principal';
import type { GatewayContext } from '../context';
import { ForbiddenError } from '../errors';
import { LiveAgent, Wallboard, WallboardUpdate } from '../schema/wallboard';
import { agentMember, LIVE_COLLECTION, liveStateOf } from '../subscriptions/live-state';
import { buildWallboard, toLiveAgent } from '../subscriptions/wallboard';
import { parseCursor, wallboardUpdates } from '../subscriptions/wallboard-stream';

/** Live agent and queue state from the pushed toolbar events: snapshot, stream of changes, one agent. */
@Resolver()
export class WallboardResolver {
  @Authorized('viewer')
  @Query(() => Wallboard, {
    nullable: true,
    description: 'A consistent snapshot of agents and skill groups (all when no group is given), with a cursor for wallboardUpdates',
  })
  async wallboard(@Ctx() ctx: GatewayContext, @Arg('groupIds', () => [ID], { nullable: true }) groupIds?: string[]): Promise<Wallboard> {
    return buildWallboard(await ctx.services.store.liveSnapshot(LIVE_COLLECTION), groupIds);
  }

  @Authorized('viewer', 'agent')
  @Query(() => LiveAgent, { nullable: true, description: "One agent's live state (an agent may read only its own)" })
  async agentState(@Arg('agentNumber', () => ID) agentNumber: string, @Ctx() ctx: GatewayContext): Promise<LiveAgent> {
    const p = ctx.principal;
    if (!hasAnyRole(p, ['viewer']) && p.agentNumber !== agentNumber) throw new ForbiddenError('An agent may read only its own state');
    const snapshot = await ctx.services.store.liveSnapshot(LIVE_COLLECTION);
    return toLiveAgent(agentNumber, snapshot.members[agentMember(agentNumber)] ?? {});
  }

  @Subscription(() => WallboardUpdate, {
    description: 'Every change of the live state after a wallboard cursor, in order, without gap or duplicate',
    subscribe: ({ args, context }) => {
      const ctx = context as GatewayContext;
      if (!hasAnyRole(ctx.principal, ['viewer'])) throw new ForbiddenError('The viewer role is required');
      const after = parseCursor(String(args.after));
      return wallboardUpdates(ctx.services.store, liveStateOf(ctx.services), after, args.groupIds as string[] | undefined);
    },
  })
  wallboardUpdates(
    @Root() update: WallboardUpdate,
    @Arg('after', () => ID, { description: 'The cursor of a wallboard snapshot or of the last update received' }) _after: string,
    @Arg('groupIds', () => [ID], { nullable: true }) _groupIds?: string[],
  ): WallboardUpdate {
    return update;
  }
}
