import { Field, ID, Int, ObjectType } from 'type-graphql';
import { AgentActivity } from '../subscriptions/live-state';
import { CallDirection } from './agentcontrol';
import { Sensitive, Sensitivity } from './sensitivity';

@ObjectType({ description: "One agent's live state" })
export class LiveAgent {
  @Field(() => ID, { description: 'Stable identity for client caches: the agent number' }) id!: string;
  @Field(() => ID) agentNumber!: string;
  @Field(() => ID, { nullable: true }) agentId?: string;
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
}

@ObjectType({ description: 'How many agents of a group are in one activity' })
export class ActivityCount {
  @Field(() => AgentActivity) activity!: AgentActivity;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'Live figures of one skill group (or of all requested groups, for totals)' })
export class GroupFigures {
  @Field(() => ID, { nullable: true, description: 'The skill group; null for totals' }) groupId?: string;
  @Field(() => [ActivityCount], { description: 'Agents per activity (logged-out agents excluded)' }) agentsByActivity!: ActivityCount[];
  @Field(() => Int, { description: 'Agents logged in' }) loggedIn!: number;
  @Field(() => Date, { nullable: true, description: 'Since when the longest-idle agent is idle' }) longestIdleSince?: Date;
  @Field(() => Int, { description: 'Calls waiting in the queue (QueueInfo)' }) callsWaiting!: number;
  @Field(() => Date, { nullable: true, description: 'Enqueue time of the longest-waiting call (QueueInfo)' }) longestWaitSince?: Date;
  @Field(() => Int, { description: 'Calls in progress (agents dialling, ringing or talking)' }) callsInProgress!: number;
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

@ObjectType({ description: 'Waiting calls of one skill group' })
export class QueueState {
  @Field(() => ID) groupId!: string;
  @Field(() => Int) callsWaiting!: number;
  @Field(() => Date, { nullable: true }) longestWaitSince?: Date;
}

@ObjectType({ description: 'One change of the live state, after the previous cursor' })
export class WallboardUpdate {
  @Field(() => ID, { description: 'Revision of this change; resume after it' }) cursor!: string;
  @Field({
    description:
      'Whether the live state was still being rebuilt after a loss when this change was made (as Wallboard.stale); an update without agent and queue marks the start of a rebuilt live state',
  })
  stale!: boolean;
  @Field(() => LiveAgent, { nullable: true, description: 'The agent as it is after the change' }) agent?: LiveAgent;
  @Field(() => QueueState, { nullable: true, description: 'The queue as it is after the change' }) queue?: QueueState;
}
