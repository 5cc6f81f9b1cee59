import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { FlashDataSource } from '../datasources/flash';
import { MessageSendResult, OutgoingMessageInput } from '../schema/sms';

/** Flash SMS (family `flash`). */
@Resolver()
export class FlashResolver {
  @Authorized('supervisor')
  @Mutation(() => MessageSendResult, { description: 'Send flash SMS with one template to any number of recipients (split into platform requests of at most 500); lists accepted and rejected messages' })
  sendFlashSms(
    @Arg('templateId') templateId: string,
    @Arg('messages', () => [OutgoingMessageInput]) messages: OutgoingMessageInput[],
    @Ctx() ctx: GatewayContext,
  ): Promise<MessageSendResult> {
    return ctx.dataSource(FlashDataSource).send(templateId, messages);
  }
}
