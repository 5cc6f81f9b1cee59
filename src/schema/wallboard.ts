import { Arg, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AgentActivity } from '../subscriptions/live-state';
import { CallDirection } from './agentcontrol';
import { Sensitive, Sensitivity } from './sensitivity';

/** The windows of the queue statistics (docs/wallboard.md). */
export enum StatsWindow {
  LAST_15_MINUTES = 'LAST_15_MINUTES',
  LAST_60_MINUTES = 'LAST_60_MINUTES',
  TODAY = 'TODAY',
}
registerEnumType(StatsWindow, {
  name: 'StatsWindow',
  description: 'A window of the queue statistics, of whole minutes up to now (docs/wallboard.md)',
  valuesConfig: {
    LAST_15_MINUTES: { description: 'The minute now is in and the 14 before it (14 to 15 minutes)' },
    LAST_60_MINUTES: { description: 'The minute now is in and the 59 before it (59 to 60 minutes): the minutes of GroupFigures.trend' },
    TODAY: { description: 'Since 00:00 China Standard Time (UTC+08:00)' },
  },
});

@ObjectType({ description: 'What an agent did today (since 00:00 China Standard Time), its current activity counted up to now' })
export class AgentDay {
  @Field(() => Int, { description: 'Answered calls that ended today (After events after a conversation)' }) callsHandled!: number;
  @Field(() => Float, { description: 'Time talking (activity TALKING)' }) talkSeconds!: number;
  @Field(() => Float, { description: 'Time in after-call work (activity AFTER_CALL)' }) afterCallSeconds!: number;
  @Field(() => Float, { description: 'Time busy (activity BUSY)' }) busySeconds!: number;
  @Field(() => Float, { description: 'Time logged in (any activity but LOGGED_OUT)' }) loggedInSeconds!: number;
  @Field(() => Float, { nullable: true, description: '100 × (talk + after-call) / logged in; null when not logged in today' })
  occupancyPercent?: number;
}

@ObjectType({ description: "One agent's live state" })
export class LiveAgent {
  @Field(() => ID, { description: 'Stable identity for client caches: the agent number' }) id!: string;
  @Field(() => ID) agentNumber!: string;
  @Field(() => ID, { nullable: true }) agentId?: string;
  @Field({ nullable: true, description: "The agent's name (from Surveillance and IdleAgent events; Login carries none)" })
  agentName?: string;
  @Field(() => AgentActivity) activity!: AgentActivity;
  @Field(() => Date, { nullable: true, description: 'Since when the agent is in this activity' }) since?: Date;
  @Field({ nullable: true, description: "The platform's own state name (nowState) at the last state change" }) platformState?: string;
  @Field(() => Date, { nullable: true, description: 'When the agent logged in (null when logged out)' }) loggedInAt?: Date;
  @Field(() => CallDirection, { nullable: true, description: 'Direction of the current call' }) callDirection?: CallDirection;
  @Sensitive(Sensitivity.CUSTOMER_PHONE)
  @Field({ nullable: true, description: 'The other party of the current call' })
  peerNumber?: string;
  @Field(() => ID, { nullable: true, description: 'Platform call id (occCallId) of the current call' }) callId?: string;
  @Field({
    nullable: true,
    description: "The busy type while busy: one its enterprise configures on the platform, so the platform's free text",
  })
  platformBusyType?: string;
  @Field(() => [ID], { description: 'Skill groups of the agent (from its login)' }) groupIds!: string[];
  // today: AgentDay — a field resolver (src/resolvers/wallboard.ts): read from the store when asked for.
}

@ObjectType({ description: 'How many agents of a group are in one activity' })
export class ActivityCount {
  @Field(() => AgentActivity) activity!: AgentActivity;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'Queue statistics of one window (definitions: docs/wallboard.md)' })
export class QueueStats {
  @Field(() => Date, { description: 'Start of the window' }) since!: Date;
  @Field(() => Int, { description: 'Calls that joined the queue in the window (by their inQueueTime)' }) offered!: number;
  @Field(() => Int, {
    description: 'Calls that left the queue in the window assigned to an agent (QueueInfo isInQueue 0 with handleAgentID)',
  })
  answered!: number;
  @Field(() => Int, {
    description: 'Calls that left the queue in the window assigned to nobody (QueueInfo isInQueue 0, handleAgentID empty)',
  })
  abandoned!: number;
  @Field(() => Int, { description: 'Answered calls that waited at most serviceLevelThresholdSeconds' }) answeredWithinThreshold!: number;
  @Field(() => Int, { description: 'The service-level threshold (SERVICE_LEVEL_SECONDS)' }) serviceLevelThresholdSeconds!: number;
  @Field(() => Float, { nullable: true, description: '100 × answeredWithinThreshold / (answered + abandoned); null when no call left' })
  serviceLevelPercent?: number;
  @Field(() => Float, { nullable: true, description: 'Mean wait (leave time − inQueueTime) of the answered calls; null when none' })
  averageSpeedOfAnswerSeconds?: number;
  @Field(() => Float, { nullable: true, description: 'Longest wait of the answered calls; null when none' })
  longestAnswerWaitSeconds?: number;
  @Field(() => Float, {
    nullable: true,
    description: "Mean talk + after-call time of the group's agents' answered calls that ended in the window; null when none",
  })
  averageHandleSeconds?: number;
  @Field(() => Int, { description: 'The calls averageHandleSeconds is the mean of' }) handled!: number;
}

@ObjectType({ description: "One minute of a skill group's queue" })
export class QueueMinute {
  @Field(() => Date) startedAt!: Date;
  @Field(() => Int, { description: 'Calls that joined the queue in the minute' }) offered!: number;
  @Field(() => Int, { description: 'Calls answered in the minute' }) answered!: number;
  @Field(() => Int, { description: 'Calls abandoned in the minute' }) abandoned!: number;
  @Field(() => Int, { description: 'Calls waiting at the end of the minute (for the current minute: now)' }) callsWaiting!: number;
}

@ObjectType({ description: 'Live figures of one skill group (or of all requested groups, for totals)' })
export class GroupFigures {
  @Field(() => ID, { nullable: true, description: 'The skill group; null for totals' }) groupId?: string;
  @Field({ nullable: true, description: "The group's name (from the agents' Login groupInfoList and GroupInfo events); null for totals" })
  name?: string;
  @Field(() => [ActivityCount], { description: 'Agents per activity (logged-out agents excluded)' }) agentsByActivity!: ActivityCount[];
  @Field(() => Int, { description: 'Agents logged in' }) loggedIn!: number;
  @Field(() => Date, { nullable: true, description: 'Since when the longest-idle agent is idle' }) longestIdleSince?: Date;
  @Field(() => Int, { description: 'Calls waiting in the queue now (the latest QueueInfo groupWaitNumber)' }) callsWaiting!: number;
  @Field(() => Date, { nullable: true, description: 'Enqueue time (inQueueTime) of the longest-waiting call; null when none waits' })
  longestWaitingSince?: Date;
  @Field(() => Int, { description: 'Calls in progress (agents dialling, ringing or talking)' }) callsInProgress!: number;
  @Field(() => [QueueMinute], { description: 'The last 60 minutes, oldest first, one per minute; the last is the current minute' })
  trend!: QueueMinute[];
  /** The statistics of each window (computed with the figures, at the same time). */
  windows!: Record<StatsWindow, QueueStats>;

  @Field(() => Date, {
    nullable: true,
    deprecationReason: 'Renamed longestWaitingSince (kept while clients move; to be removed)',
  })
  longestWaitSince(): Date | undefined {
    return this.longestWaitingSince;
  }

  @Field(() => QueueStats, { description: 'Queue statistics of a window (docs/wallboard.md)' })
  stats(@Arg('window', () => StatsWindow) window: StatsWindow): QueueStats {
    return this.windows[window];
  }
}

@ObjectType({ description: 'A consistent snapshot of the live state; continue with wallboardUpdates(after: cursor)' })
export class Wallboard {
  @Field(() => ID, { description: 'Revision of the live state this snapshot shows' }) cursor!: string;
  @Field({
    description:
      'True while the live state is being rebuilt after the store lost its data: until every agent logged in before the loss has reported again (an event, or a Surveillance answer), at most EVENTS_LOSS_REPORT_S',
  })
  stale!: boolean;
  @Field(() => [LiveAgent]) agents!: LiveAgent[];
  @Field(() => [GroupFigures]) groups!: GroupFigures[];
  @Field(() => GroupFigures) totals!: GroupFigures;
}

@ObjectType({ description: 'Waiting calls of one skill group (the latest QueueInfo)' })
export class QueueState {
  @Field(() => ID) groupId!: string;
  @Field(() => Int) callsWaiting!: number;
  @Field(() => Date, { nullable: true, description: 'Enqueue time (inQueueTime) of the longest-waiting call' }) longestWaitSince?: Date;
}

@ObjectType({ description: 'One change of the live state, after the previous cursor' })
export class WallboardUpdate {
  @Field(() => ID, { description: 'Revision of this change; resume after it' }) cursor!: string;
  @Field({
    description:
      'Whether the live state was still being rebuilt after a loss when this change was made (as Wallboard.stale); an update without agent, queue and group marks the start of a rebuilt live state',
  })
  stale!: boolean;
  @Field(() => LiveAgent, { nullable: true, description: 'The agent as it is after the change' }) agent?: LiveAgent;
  @Field(() => QueueState, { nullable: true, description: 'The queue as it is after the change' }) queue?: QueueState;
  @Field(() => GroupFigures, {
    nullable: true,
    description:
      "A group's figures (or the totals, groupId null) as they are now, statistics included, to subscriptions that select it: sent when they changed, at most once per WALLBOARD_STATS_INTERVAL_MS per group, after every change they include. No revision of its own: its cursor is the last change's with a suffix, and resuming from it is resuming from that change (docs/wallboard.md)",
  })
  group?: GroupFigures;
}
