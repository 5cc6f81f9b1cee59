import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PhoneScalar } from './phone';
import { NotPersonal } from './sensitivity';

/** How a skill group distributes calls; the values are the platform's `policy` numbers (create/edit meanings). */
export enum RoutingPolicy {
  ROUND_ROBIN = 0,
  LONGEST_IDLE = 1,
  SHORTEST_WORK_TIME = 2,
  AGENT_LEVEL = 3,
  LAST_CALLED_FIRST = 4,
}
registerEnumType(RoutingPolicy, {
  name: 'RoutingPolicy',
  description: 'Call distribution strategy of a skill group',
  valuesConfig: {
    ROUND_ROBIN: { description: 'Round robin (0)' },
    LONGEST_IDLE: { description: 'The agent idle the longest (1)' },
    SHORTEST_WORK_TIME: { description: 'The agent with the shortest working time (2)' },
    AGENT_LEVEL: { description: 'By agent level (3)' },
    LAST_CALLED_FIRST: { description: 'The agent the caller talked to last time first (4)' },
  },
});

/** The fields of a skill group both create and edit take, all optional (group.create / group.update tables). */
@InputType('SkillGroupFields', { description: 'Fields of a skill group (not used on its own)' })
abstract class SkillGroupFields {
  @Field(() => RoutingPolicy, { nullable: true }) policy?: RoutingPolicy;
  @Field(() => [ID], { nullable: true, description: 'Agent sns of the members' }) agentSns?: string[];
  @Field({ nullable: true, description: 'Screen-pop URL' }) popupWindowUrl?: string;
  @Field(() => PhoneScalar, { nullable: true, description: "Default number shown to the group's called parties (the platform's caller)" })
  displayNumber?: string;
  @Field({ nullable: true, description: 'Set agents idle automatically after a call' }) autoIdle?: boolean;
  @Field(() => Int, { nullable: true, description: 'Seconds after a call before the automatic idle' }) autoIdleSeconds?: number;
  @Field({ nullable: true, description: 'Transfers only to this skill group' }) onlyTransferToCurrent?: boolean;
  @Field({ nullable: true, description: 'Agents may make outbound calls' }) agentsCanCall?: boolean;
  @Field({ nullable: true }) remark?: string;
}

@InputType({ description: 'A new skill group: the platform requires its name (group.create)' })
export class SkillGroupCreateInput extends SkillGroupFields {
  @Field({ description: 'Name' }) name!: string;
}

@InputType({
  description: 'Changes to a skill group: every field is optional (group.update requires none) and only the given ones are sent',
})
export class SkillGroupUpdateInput extends SkillGroupFields {
  @Field({ nullable: true, description: 'New name' }) name?: string;
}

@ObjectType({ description: 'A skill group' })
export class SkillGroup {
  @Field(() => ID, { description: 'Stable identity for client caches: the sn' }) id!: string;
  @Field(() => ID, { description: 'Skill group sn (32 hex characters)' }) sn!: string;
  @Field({ description: 'Name' }) name!: string;
  @Field({ nullable: true, description: 'Department' }) departmentName?: string;
  @Field(() => RoutingPolicy, {
    nullable: true,
    description: 'Routing policy (the list endpoint documents other meanings for the same numbers; the create/edit meanings are used)',
  })
  policy?: RoutingPolicy;
  @Field(() => [ID], { description: 'Agent sns of the members' }) agentSns!: string[];
  @Field(() => Int, { description: 'Number of member agents' }) agentTotal!: number;
  @Field({ nullable: true, description: 'Screen-pop URL' }) popupWindowUrl?: string;
  @NotPersonal('the enterprise number shown for the group')
  @Field({ nullable: true, description: "Default number shown to the group's called parties (the platform's caller)" })
  displayNumber?: string;
  @Field({ description: 'Agents are set idle automatically after a call' }) autoIdle!: boolean;
  @Field(() => Int, { nullable: true, description: 'Seconds after a call before the automatic idle' }) autoIdleSeconds?: number;
  @Field({ description: 'Agents may make outbound calls' }) agentsCanCall!: boolean;
  @Field({ nullable: true, description: 'Remark' }) remark?: string;
}

@ObjectType({ description: 'One page of skill groups' })
export class SkillGroupPage {
  @Field(() => Int, { description: 'Total matching rows' }) total!: number;
  @Field(() => [SkillGroup]) records!: SkillGroup[];
}
