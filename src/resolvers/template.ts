import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { TemplateDataSource } from '../datasources/template';
import { CreatedTemplate, CreateFileTemplateInput, CreateTextTemplateInput, VoiceTemplatePage } from '../schema/template';
import { readWavUpload, UploadScalar, type FileUpload } from '../schema/upload';

@Resolver()
export class TemplateResolver {
  @Authorized('supervisor')
  @Mutation(() => CreatedTemplate, { description: 'Create a text-to-speech voice-notice template (v2); it waits for review' })
  createTextTemplate(
    @Arg('input', () => CreateTextTemplateInput) input: CreateTextTemplateInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CreatedTemplate> {
    return ctx.dataSource(TemplateDataSource).createText(input);
  }

  @Authorized('supervisor')
  @Mutation(() => CreatedTemplate, { description: 'Create a voice-notice template from an uploaded WAV file (v2); it waits for review' })
  async createFileTemplate(
    @Arg('input', () => CreateFileTemplateInput) input: CreateFileTemplateInput,
    @Arg('file', () => UploadScalar, { description: 'The WAV recording (multipart upload)' }) file: Promise<FileUpload>,
    @Ctx() ctx: GatewayContext,
  ): Promise<CreatedTemplate> {
    const wav = await readWavUpload(file, 'file', ctx.services.config.uploadMaxBytes);
    return ctx.dataSource(TemplateDataSource).createFile(input, wav);
  }

  @Authorized('viewer')
  @Query(() => VoiceTemplatePage, { nullable: true, description: 'Voice-notice templates (v2), page by page' })
  voiceTemplates(
    @Arg('page', () => Int, { defaultValue: 1 }) page: number,
    @Arg('pageSize', () => Int, { defaultValue: 20 }) pageSize: number,
    @Ctx() ctx: GatewayContext,
  ): Promise<VoiceTemplatePage | null> {
    return ctx.dataSource(TemplateDataSource).list(page, pageSize);
  }
}
