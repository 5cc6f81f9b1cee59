import { Resolver } from 'type-graphql';
import { SmsDataSource } from '../datasources/sms';
import { SentSmsFilter, SentSmsPage, SmsTemplateFilter, SmsTemplatePage } from '../schema/sms';
import { MessagingResolver } from './messaging';

/** SMS (family `sms`): smsTemplates, sentSms, sendSms. */
@Resolver()
export class SmsResolver extends MessagingResolver({
  label: 'SMS',
  source: SmsDataSource,
  names: { templates: 'smsTemplates', sent: 'sentSms', send: 'sendSms' },
  TemplateFilter: SmsTemplateFilter,
  TemplatePage: SmsTemplatePage,
  SentFilter: SentSmsFilter,
  SentPage: SentSmsPage,
}) {}
