import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { NoticeDataSource } from '../datasources/notice';
import {
  SendVoiceNoticeBatchInput,
  SendVoiceNoticeInput,
  SentVoiceNotice,
  SentVoiceNoticeBatch,
  UploadedVoiceFile,
} from '../schema/notice';
import { CreatedTemplate, CreateFileTemplateInput, CreateTextTemplateInput, VoiceTemplatePage } from '../schema/template';
import { readWavUpload, UploadScalar, type FileUpload } from '../schema/upload';

/** Legacy voice notice v1 (host `notice`). */
@Resolver()
export class NoticeResolver {
  @Authorized('supervisor')
  @Mutation(() => CreatedTemplate, { description: 'Create a text-to-speech template on the legacy voice-notice platform (v1)' })
  createLegacyTextTemplate(
    @Arg('input', () => CreateTextTemplateInput) input: CreateTextTemplateInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CreatedTemplate> {
    return ctx.dataSource(NoticeDataSource).createText(input);
  }

  @Authorized('supervisor')
  @Mutation(() => CreatedTemplate, { description: 'Create a WAV-file template on the legacy voice-notice platform (v1)' })
  async createLegacyFileTemplate(
    @Arg('input', () => CreateFileTemplateInput) input: CreateFileTemplateInput,
    @Arg('file', () => UploadScalar, { description: 'The WAV recording (multipart upload)' }) file: Promise<FileUpload>,
    @Ctx() ctx: GatewayContext,
  ): Promise<CreatedTemplate> {
    const wav = await readWavUpload(file, 'file', ctx.services.config.uploadMaxBytes);
    return ctx.dataSource(NoticeDataSource).createFile(input, wav);
  }

  @Authorized('viewer')
  @Query(() => VoiceTemplatePage, { nullable: true, description: 'Templates of the legacy voice-notice platform (v1), page by page' })
  legacyVoiceTemplates(
    @Arg('page', () => Int, { defaultValue: 1 }) page: number,
    @Arg('pageSize', () => Int, { defaultValue: 20 }) pageSize: number,
    @Ctx() ctx: GatewayContext,
  ): Promise<VoiceTemplatePage | null> {
    return ctx.dataSource(NoticeDataSource).list(page, pageSize);
  }

  @Authorized('supervisor')
  @Mutation(() => SentVoiceNotice, { description: 'Place a legacy voice notice to one number (task_one)' })
  sendVoiceNotice(
    @Arg('input', () => SendVoiceNoticeInput) input: SendVoiceNoticeInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<SentVoiceNotice> {
    return ctx.dataSource(NoticeDataSource).send(input);
  }

  @Authorized('supervisor')
  @Mutation(() => SentVoiceNoticeBatch, { description: 'Place a legacy voice notice to many numbers (task_batch)' })
  sendVoiceNoticeBatch(
    @Arg('input', () => SendVoiceNoticeBatchInput) input: SendVoiceNoticeBatchInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<SentVoiceNoticeBatch> {
    return ctx.dataSource(NoticeDataSource).sendBatch(input);
  }

  @Authorized('supervisor')
  @Mutation(() => UploadedVoiceFile, { description: 'Upload a WAV file to play in legacy voice notices (voiceFiles)' })
  async uploadLegacyVoiceFile(
    @Arg('file', () => UploadScalar, { description: 'The WAV recording (multipart upload)' }) file: Promise<FileUpload>,
    @Arg('remarks', { description: 'Remark stored with the file' }) remarks: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<UploadedVoiceFile> {
    const wav = await readWavUpload(file, 'file', ctx.services.config.uploadMaxBytes);
    return ctx.dataSource(NoticeDataSource).uploadVoiceFile(wav, remarks);
  }
}
