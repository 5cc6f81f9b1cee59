import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { PnsDataSource } from '../datasources/pns';
import { PrivacyBinding, PrivacyBindingInput, PrivacyBindingModel, PrivacyUnbinding } from '../schema/pns';

/** Privacy numbers AXB / AX / AXG (family `pns`). */
@Resolver()
export class PnsResolver {
  @Authorized('supervisor')
  @Mutation(() => PrivacyBinding, {
    description: 'Bind numbers behind a privacy (X) number. AXB/AXG need telB; identity fields are AX only',
  })
  bindPrivacyNumber(
    @Arg('model', () => PrivacyBindingModel) model: PrivacyBindingModel,
    @Arg('input', () => PrivacyBindingInput) input: PrivacyBindingInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<PrivacyBinding> {
    return ctx.dataSource(PnsDataSource).bind(model, input);
  }

  @Authorized('supervisor')
  @Mutation(() => PrivacyUnbinding, { description: 'Remove a privacy-number binding' })
  unbindPrivacyNumber(
    @Arg('model', () => PrivacyBindingModel) model: PrivacyBindingModel,
    @Arg('bindId', () => ID) bindId: string,
    @Arg('requestId', () => String, { nullable: true, description: 'Idempotency key; generated when omitted' })
    requestId: string | undefined,
    @Ctx() ctx: GatewayContext,
  ): Promise<PrivacyUnbinding> {
    return ctx.dataSource(PnsDataSource).unbind(model, bindId, requestId);
  }
}
