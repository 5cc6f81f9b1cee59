import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { MakecallDataSource } from '../datasources/makecall';
import { PlaceCallbackInput, PlacedCallback } from '../schema/makecall';

/** Two-way callback (family `makecall`). */
@Resolver()
export class MakecallResolver {
  @Authorized('agent')
  @Mutation(() => PlacedCallback, { description: 'Place a two-way callback: ring the caller, then bridge to the called number' })
  placeCallback(@Arg('input', () => PlaceCallbackInput) input: PlaceCallbackInput, @Ctx() ctx: GatewayContext): Promise<PlacedCallback> {
    return ctx.dataSource(MakecallDataSource).place(input);
  }
}
