import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { GroupDataSource } from '../datasources/group';
import { SkillGroupCreateInput, SkillGroupPage, SkillGroupUpdateInput } from '../schema/group';

@Resolver()
export class GroupResolver {
  @Authorized('admin')
  @Query(() => SkillGroupPage, { nullable: true, description: 'One page of skill groups, optionally filtered by name' })
  skillGroups(
    @Ctx() ctx: GatewayContext,
    @Arg('name', { nullable: true }) name?: string,
    @Arg('page', () => Int, { defaultValue: 1 }) page = 1,
    @Arg('pageSize', () => Int, { defaultValue: 10 }) pageSize = 10,
  ): Promise<SkillGroupPage> {
    return ctx.dataSource(GroupDataSource).page(name, page, pageSize);
  }

  @Authorized('admin')
  @Mutation(() => ID, { description: 'Create a skill group; returns its sn' })
  createSkillGroup(@Arg('input', () => SkillGroupCreateInput) input: SkillGroupCreateInput, @Ctx() ctx: GatewayContext): Promise<string> {
    return ctx.dataSource(GroupDataSource).create(input);
  }

  @Authorized('admin')
  @Mutation(() => ID, { description: 'Edit a skill group (only the given fields are sent); returns its sn' })
  updateSkillGroup(
    @Arg('sn', () => ID) sn: string,
    @Arg('input', () => SkillGroupUpdateInput) input: SkillGroupUpdateInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<string> {
    return ctx.dataSource(GroupDataSource).update(sn, input);
  }
}
