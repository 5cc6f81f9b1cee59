import { MessagingOperations } from './messaging';

/** SMS (open host). */
export class SmsDataSource extends MessagingOperations {
  protected readonly sendEndpoint = 'sms.send';
}
