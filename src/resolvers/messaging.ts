import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, type ClassType } from 'type-graphql';
import type { GatewayContext } from '../context';
import { MAX_PER_REQUEST, type MessagingOperations } from '../datasources/messaging';
import type { Paged } from '../schema/page';
import { MessageSendResult, OutgoingMessageInput, type MessageTemplateFilter, type SentMessageFilter } from '../schema/sms';

/** What differs between the SMS and flash SMS operations: names, types and the datasource. */
interface MessagingFamily {
  /** "SMS" or "Flash SMS", for descriptions. */
  label: string;
  source: new (ctx: GatewayContext) => MessagingOperations;
  names: { templates: string; sent: string; send: string };
  TemplateFilter: ClassType<MessageTemplateFilter>;
  TemplatePage: ClassType;
  SentFilter: ClassType<SentMessageFilter>;
  SentPage: ClassType;
}

/** The resolver of one message family: template list, sent-message list and send, under the family's names. */
export function MessagingResolver(family: MessagingFamily) {
  const { label, source, names } = family;
  const inSentence = label.replace(/^Flash/, 'flash');

  @Resolver()
  abstract class FamilyResolver {
    @Authorized('viewer')
    @Query(() => family.TemplatePage, {
      name: names.templates,
      nullable: true,
      description: `${label} templates, page by page, with their placeholders`,
    })
    templates(
      @Arg('filter', () => family.TemplateFilter, { nullable: true }) filter: MessageTemplateFilter | undefined,
      @Arg('page', () => Int, { defaultValue: 1 }) page: number,
      @Arg('pageSize', () => Int, { defaultValue: 10 }) pageSize: number,
      @Ctx() ctx: GatewayContext,
    ): Promise<Paged<unknown>> {
      return ctx.dataSource(source).templates(filter ?? {}, page, pageSize);
    }

    @Authorized('viewer')
    @Query(() => family.SentPage, {
      name: names.sent,
      nullable: true,
      description: `Sent ${inSentence} and their send state, page by page`,
    })
    sent(
      @Arg('filter', () => family.SentFilter, { nullable: true }) filter: SentMessageFilter | undefined,
      @Arg('page', () => Int, { defaultValue: 1 }) page: number,
      @Arg('pageSize', () => Int, { defaultValue: 10 }) pageSize: number,
      @Ctx() ctx: GatewayContext,
    ): Promise<Paged<unknown>> {
      return ctx.dataSource(source).sent(filter ?? {}, page, pageSize);
    }

    @Authorized('supervisor')
    @Mutation(() => MessageSendResult, {
      name: names.send,
      description:
        `Send ${inSentence} with one template to any number of recipients (split into platform requests of at most ${MAX_PER_REQUEST}); ` +
        "when the template is in the platform's list, every message must give exactly its placeholders. Lists accepted and rejected messages",
    })
    send(
      @Arg('templateId', () => ID) templateId: string,
      @Arg('messages', () => [OutgoingMessageInput]) messages: OutgoingMessageInput[],
      @Ctx() ctx: GatewayContext,
    ): Promise<MessageSendResult> {
      return ctx.dataSource(source).send(templateId, messages);
    }
  }
  return FamilyResolver;
}
