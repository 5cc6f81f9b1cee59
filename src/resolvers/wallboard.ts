import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root, Subscription } from 'type-graphql';
import { hasAnyRole } from '../auth/principal';
import type { GatewayContext } from '../context';
import { ForbiddenError } from '../errors';
import { AgentDay, LiveAgent, Wallboard, WallboardUpdate } from '../schema/wallboard';
import { agentMember, LIVE_COLLECTION, liveStateOf, queueStatsOf } from '../subscriptions/live-state';
import { AgentDayLoader } from '../subscriptions/queue-stats';
import { buildWallboard, toAgentDay, toLiveAgent, wallboardGroups } from '../subscriptions/wallboard';
import { groupFeedOf, parseCursor, wallboardUpdates } from '../subscriptions/wallboard-stream';

/** Whether the field being resolved selects `name` directly below it (through fragments too). */
function selects(info: GraphQLResolveInfo, name: string): boolean {
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === name;
      if (s.kind === Kind.INLINE_FRAGMENT) return walk(s.selectionSet);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      return walk(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => walk(node.selectionSet));
}

/**
 * Live agent and queue state from the pushed toolbar events: snapshot (with the queue statistics),
 * stream of changes and of group figures, one agent, and an agent's day.
 */
@Resolver(() => LiveAgent)
export class WallboardResolver {
  @Authorized('viewer')
  @Query(() => Wallboard, {
    nullable: true,
    description:
      'A consistent snapshot of agents and skill groups (all when no group is given), with queue statistics and a cursor for wallboardUpdates',
  })
  async wallboard(@Ctx() ctx: GatewayContext, @Arg('groupIds', () => [ID], { nullable: true }) groupIds?: string[]): Promise<Wallboard> {
    const snapshot = await ctx.services.store.liveSnapshot(LIVE_COLLECTION);
    const stats = queueStatsOf(ctx.services);
    if (!stats) return buildWallboard(snapshot, groupIds);
    const now = stats.now();
    const raw = await stats.readGroups(wallboardGroups(snapshot, groupIds), now);
    return buildWallboard(snapshot, groupIds, { raw, now, thresholdSeconds: ctx.services.config.serviceLevelSeconds });
  }

  @Authorized('viewer', 'agent')
  @Query(() => LiveAgent, { nullable: true, description: "One agent's live state (an agent may read only its own)" })
  async agentState(@Arg('agentNumber', () => ID) agentNumber: string, @Ctx() ctx: GatewayContext): Promise<LiveAgent> {
    const p = ctx.principal;
    if (!hasAnyRole(p, ['viewer']) && p.agentNumber !== agentNumber) throw new ForbiddenError('An agent may read only its own state');
    const snapshot = await ctx.services.store.liveSnapshot(LIVE_COLLECTION);
    return toLiveAgent(agentNumber, snapshot.members[agentMember(agentNumber)] ?? {});
  }

  @FieldResolver(() => AgentDay, {
    nullable: true,
    description: 'What the agent did today (since 00:00 China Standard Time), its current activity counted up to now',
  })
  async today(@Root() agent: LiveAgent, @Ctx() ctx: GatewayContext): Promise<AgentDay | undefined> {
    const stats = queueStatsOf(ctx.services);
    if (!stats) return undefined;
    return toAgentDay(await ctx.dataSource(AgentDayLoader).load(stats, agent.agentNumber));
  }

  @Subscription(() => WallboardUpdate, {
    description:
      "Every change of the live state after a wallboard cursor, in order, without gap or duplicate; and, when `group` is selected, each group's figures (statistics included) when they changed, about every WALLBOARD_STATS_INTERVAL_MS per group",
    subscribe: ({ args, context, info }) => {
      const ctx = context as GatewayContext;
      if (!hasAnyRole(ctx.principal, ['viewer'])) throw new ForbiddenError('The viewer role is required');
      const after = parseCursor(String(args.after));
      const groupIds = args.groupIds as string[] | undefined;
      const stats = queueStatsOf(ctx.services);
      // Group figures go to the subscriptions that select them (an update with neither agent nor queue is otherwise a generation marker).
      const feed = stats && selects(info, 'group') ? groupFeedOf(ctx.services, stats) : undefined;
      return wallboardUpdates(ctx.services.store, liveStateOf(ctx.services), after, groupIds, feed);
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
