import { MessagingOperations, type MessagingEndpoints } from './messaging';

/** SMS (open host): templates, sends, sent messages. */
export class SmsDataSource extends MessagingOperations {
  protected readonly endpoints: MessagingEndpoints = { send: 'sms.send', templates: 'sms.template.list', sent: 'sms.list' };
}
