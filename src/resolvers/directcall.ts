import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { DirectCallDataSource } from '../datasources/directcall';
import { DirectCallBinding, DirectCallBindInput, DirectCallUnbinding, DirectCallUnbindInput } from '../schema/directcall';

/** Direct call from the SDK (family `directcall`, open host). */
@Resolver()
export class DirectCallResolver {
  @Authorized('supervisor')
  @Mutation(() => DirectCallBinding, { description: 'Bind A to B for a direct call; answers the SIP/WebSocket registration for the SDK' })
  bindDirectCall(
    @Arg('input', () => DirectCallBindInput) input: DirectCallBindInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<DirectCallBinding> {
    return ctx.dataSource(DirectCallDataSource).bind(input);
  }

  @Authorized('supervisor')
  @Mutation(() => DirectCallUnbinding, { description: 'Remove a direct-call binding, now or after delaySeconds' })
  unbindDirectCall(
    @Arg('input', () => DirectCallUnbindInput) input: DirectCallUnbindInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<DirectCallUnbinding> {
    return ctx.dataSource(DirectCallDataSource).unbind(input);
  }
}
