import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { MarkingDataSource } from '../datasources/marking';
import { MarkNumberOfflineInput, MarkNumberOnlineInput, NumberMarkingChange, NumberMarkingStatus } from '../schema/marking';
import { PhoneScalar } from '../schema/phone';
import { UploadScalar, type FileUpload } from '../schema/upload';

/** Number marking: the name recipients' phones display for a calling number (family `marking`). */
@Resolver()
export class MarkingResolver {
  @Authorized('admin')
  @Mutation(() => NumberMarkingChange, {
    description: 'Submit a number and its mark to go online (multipart request when files are attached)',
  })
  markNumberOnline(
    @Arg('input', () => MarkNumberOnlineInput, { description: 'The number, its mark and the order' }) input: MarkNumberOnlineInput,
    @Arg('logo', () => UploadScalar, { nullable: true, description: 'Logo image (PNG, JPEG, GIF, WebP or BMP)' })
    logo: Promise<FileUpload> | undefined,
    @Arg('attachments', () => [UploadScalar], { nullable: true, description: 'Material-list files, any type' })
    attachments: Promise<FileUpload>[] | undefined,
    @Ctx() ctx: GatewayContext,
  ): Promise<NumberMarkingChange> {
    return ctx.dataSource(MarkingDataSource).online(input, { logo, attachments });
  }

  @Authorized('admin')
  @Mutation(() => NumberMarkingChange, { description: 'Take the mark of an online number offline' })
  markNumberOffline(
    @Arg('input', () => MarkNumberOfflineInput, { description: 'The marked number and why it goes offline' }) input: MarkNumberOfflineInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<NumberMarkingChange> {
    return ctx.dataSource(MarkingDataSource).offline(input);
  }

  @Authorized('viewer')
  @Query(() => NumberMarkingStatus, { nullable: true, description: 'Where the mark of a number stands' })
  numberMarkingStatus(
    @Arg('company', { description: 'Company name the mark is registered for' }) company: string,
    @Arg('number', () => PhoneScalar, { description: 'The marked number' }) number: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<NumberMarkingStatus> {
    return ctx.dataSource(MarkingDataSource).status(company, number);
  }
}
