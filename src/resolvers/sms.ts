import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { SmsDataSource } from '../datasources/sms';
import { MessageSendResult, OutgoingMessageInput } from '../schema/sms';

/** SMS (family `sms`). */
@Resolver()
export class SmsResolver {
  @Authorized('supervisor')
  @Mutation(() => MessageSendResult, { description: 'Send SMS with one template to any number of recipients (split into platform requests of at most 500); lists accepted and rejected messages' })
  sendSms(
    @Arg('templateId') templateId: string,
    @Arg('messages', () => [OutgoingMessageInput]) messages: OutgoingMessageInput[],
    @Ctx() ctx: GatewayContext,
  ): Promise<MessageSendResult> {
    return ctx.dataSource(SmsDataSource).send(templateId, messages);
  }
}
