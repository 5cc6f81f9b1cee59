import { Resolver } from 'type-graphql';
import { FlashDataSource } from '../datasources/flash';
import { FlashTemplateFilter, FlashTemplatePage, SentFlashSmsFilter, SentFlashSmsPage } from '../schema/sms';
import { MessagingResolver } from './messaging';

/** Flash SMS (family `flash`): flashTemplates, sentFlashSms, sendFlashSms. */
@Resolver()
export class FlashResolver extends MessagingResolver({
  label: 'Flash SMS',
  source: FlashDataSource,
  names: { templates: 'flashTemplates', sent: 'sentFlashSms', send: 'sendFlashSms' },
  TemplateFilter: FlashTemplateFilter,
  TemplatePage: FlashTemplatePage,
  SentFilter: SentFlashSmsFilter,
  SentPage: SentFlashSmsPage,
}) {}
