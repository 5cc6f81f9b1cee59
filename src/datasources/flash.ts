import { MessagingOperations } from './messaging';

/** Flash SMS (open host); sends share the SMS logic. */
export class FlashDataSource extends MessagingOperations {
  protected readonly sendEndpoint = 'flash.send';
}
